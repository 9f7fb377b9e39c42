// Table tests of the compare/overlay the reconciler uses to own only the fields it sets.
import t from 'tap';
import { isSubset, overlay } from '../../src/operator/drift.ts';

const CASES: { name: string; desired: unknown; live: unknown; subset: boolean }[] = [
  { name: 'equal scalars', desired: 1, live: 1, subset: true },
  { name: 'different scalars', desired: 1, live: 2, subset: false },
  {
    name: 'extra live fields (server defaults)',
    desired: { a: 1 },
    live: { a: 1, clusterIP: '10.0.0.1' },
    subset: true,
  },
  { name: 'missing live field', desired: { a: 1, b: 2 }, live: { a: 1 }, subset: false },
  { name: 'extra label kept', desired: { labels: { x: '1' } }, live: { labels: { x: '1', team: 'db' } }, subset: true },
  { name: 'label changed', desired: { labels: { x: '1' } }, live: { labels: { x: '2' } }, subset: false },
  { name: 'undefined desired is not owned', desired: { a: undefined }, live: {}, subset: true },
  {
    name: 'named list in another order with defaults',
    desired: [{ name: 'a', image: 'x' }, { name: 'b' }],
    live: [
      { name: 'b', imagePullPolicy: 'IfNotPresent' },
      { name: 'a', image: 'x', terminationMessagePath: '/dev/x' },
    ],
    subset: true,
  },
  {
    name: 'named list with an extra item',
    desired: [{ name: 'a' }],
    live: [{ name: 'a' }, { name: 'sidecar' }],
    subset: false,
  },
  {
    name: 'named list with an item changed',
    desired: [{ name: 'a', image: 'x' }],
    live: [{ name: 'a', image: 'y' }],
    subset: false,
  },
  { name: 'plain list by position', desired: ['a', 'b'], live: ['b', 'a'], subset: false },
  {
    name: 'quantities by value under resources',
    desired: { resources: { limits: { cpu: '1000m', memory: '1Gi' } } },
    live: { resources: { limits: { cpu: '1', memory: '1024Mi' } } },
    subset: true,
  },
  {
    name: 'quantity-looking strings elsewhere compare exactly',
    desired: { env: '1000m' },
    live: { env: '1' },
    subset: false,
  },
  { name: 'number vs string is a difference', desired: { port: 3306 }, live: { port: '3306' }, subset: false },
];

t.test('isSubset', async (t) => {
  for (const c of CASES) t.equal(isSubset(c.desired, c.live), c.subset, c.name);
});

t.test('overlay keeps what others wrote and restores what we own', async (t) => {
  const live = {
    metadata: { name: 's', labels: { team: 'db', x: 'edited' }, resourceVersion: '7' },
    spec: {
      clusterIP: '10.0.0.9',
      ports: [
        { name: 'mysql', port: 1, protocol: 'TCP' },
        { name: 'extra', port: 2 },
      ],
    },
  };
  const desired = { metadata: { name: 's', labels: { x: '1' } }, spec: { ports: [{ name: 'mysql', port: 3306 }] } };
  const out = overlay(live, desired);
  t.same(out, {
    metadata: { name: 's', labels: { team: 'db', x: '1' }, resourceVersion: '7' },
    spec: { clusterIP: '10.0.0.9', ports: [{ name: 'mysql', port: 3306, protocol: 'TCP' }] },
  });
  t.ok(isSubset(desired, out), 'the result matches the desired object');
  t.equal(live.metadata.labels.x, 'edited', 'live is not mutated');
});

t.test('a value that is not a quantity is compared exactly, never thrown on', async (t) => {
  t.equal(isSubset({ resources: { limits: { cpu: 'lots' } } }, { resources: { limits: { cpu: 'many' } } }), false);
  t.equal(isSubset({ resources: { limits: { cpu: 'lots' } } }, { resources: { limits: { cpu: 'lots' } } }), true);
});
