import t from 'tap';
import { PATHS } from '../../webhooks/server.ts';
import { applyPatch, type PatchOp } from '../../webhooks/jsonpatch.ts';
import { applyDefaults } from '../../src/api/defaults.ts';
import { v1ToV2 } from '../../src/api/convert.ts';
import { validate } from '../../src/api/validate.ts';
import { seedCluster, withField } from '../api/fixtures.ts';
import { admissionReview, startHarness } from './harness.ts';

const h = await startHarness();
t.teardown(() => h.close());
const decode = (patch: string): PatchOp[] => JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) as PatchOp[];

t.test('mutate answers a base64 JSON Patch that writes the defaults', async (t) => {
  const obj = withField('spec.slaveService', undefined);
  const ar = admissionReview(obj);
  const { json } = await h.post(PATHS.mutate, ar);
  t.equal(json.response.uid, ar.request.uid);
  t.equal(json.response.allowed, true);
  t.equal(json.response.patchType, 'JSONPatch');
  const ops = decode(json.response.patch);
  t.ok(
    ops.every((o) => o.op === 'add'),
    'defaults only add',
  );
  const patched = applyPatch(obj, ops);
  t.same(patched, applyDefaults(obj));
  t.same((patched as any).spec.raft, { electionTimeout: '3s', heartbeatInterval: '300ms', logBatchSize: 100 });
  t.equal((patched as any).spec.slaveService, 'mysql-raft-cluster-slave');
  t.same(validate(patched), { violations: [], warnings: [] }, 'the defaulted seed is valid');
});

t.test('mutate sends no patch when nothing is missing', async (t) => {
  const { json } = await h.post(PATHS.mutate, admissionReview(applyDefaults(seedCluster())));
  t.same(Object.keys(json.response).sort(), ['allowed', 'uid']);
});

t.test('mutate patches a v2alpha1 object in v2alpha1 words', async (t) => {
  const obj = v1ToV2(seedCluster());
  const { json } = await h.post(PATHS.mutate, admissionReview(obj, { version: 'v2alpha1' }));
  const patched = applyPatch(obj, decode(json.response.patch)) as any;
  t.same(patched.spec.semiSync, { enabled: true });
  t.notOk('masterService' in patched.spec);
});

t.test('mutate leaves ill-typed objects to the validator', async (t) => {
  const { json } = await h.post(
    PATHS.mutate,
    admissionReview({ apiVersion: 'apps.ryansu.com/v1', kind: 'MysqlCluster', metadata: { name: 'x' }, spec: 'oops' }),
  );
  t.same(json.response.allowed, true);
  t.notOk(json.response.patch);
});

const conversionReview = (desiredAPIVersion: string, objects: unknown[]) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'ConversionReview',
  request: { uid: 'c-1', desiredAPIVersion, objects },
});

t.test('convert answers a ConversionReview both ways, status included', async (t) => {
  const v1 = withField(
    'status',
    { master: 'mysql-raft-cluster-0', slaves: ['mysql-raft-cluster-1'], raftTerm: 4 },
    withField('spec.semiSync.timeout', 2000),
  );
  const up = await h.post(PATHS.convert, conversionReview('apps.ryansu.com/v2alpha1', [v1]));
  t.equal(up.status, 200);
  t.equal(up.json.response.uid, 'c-1');
  t.same(up.json.response.result, { status: 'Success' });
  const v2 = up.json.response.convertedObjects[0];
  t.equal(v2.apiVersion, 'apps.ryansu.com/v2alpha1');
  t.equal(v2.spec.primaryService, 'mysql-master');
  t.equal(v2.spec.semiSync.timeout, '2s');
  t.equal(v2.status.primary, 'mysql-raft-cluster-0');
  const down = await h.post(PATHS.convert, conversionReview('apps.ryansu.com/v1', [v2]));
  t.same(down.json.response.convertedObjects, [v1]);
});

t.test('a conversion that cannot be done is a Failure result with a message, never a 500', async (t) => {
  const cases: [unknown[], string, RegExp][] = [
    [[seedCluster()], 'apps.ryansu.com/v3', /desiredAPIVersion "apps.ryansu.com\/v3" is not served/],
    [
      [{ ...seedCluster(), apiVersion: 'apps.ryansu.com/v0' }],
      'apps.ryansu.com/v1',
      /apiVersion "apps.ryansu.com\/v0" is not served/,
    ],
    [[{ apiVersion: 'v1', kind: 'Pod' }], 'apps.ryansu.com/v1', /kind "Pod" is not convertible/],
    [
      [{ ...v1ToV2(seedCluster()), spec: { ...v1ToV2(seedCluster()).spec, semiSync: { timeout: 'later' } } }],
      'apps.ryansu.com/v1',
      /spec.semiSync.timeout: invalid duration "later"/,
    ],
  ];
  for (const [objects, desired, message] of cases) {
    const { status, json } = await h.post(PATHS.convert, conversionReview(desired, objects));
    t.equal(status, 200);
    t.equal(json.response.uid, 'c-1');
    t.equal(json.response.result.status, 'Failure');
    t.match(json.response.result.message, message);
  }
  const noObjects = await h.post(PATHS.convert, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    request: { uid: 'c-2', desiredAPIVersion: 'apps.ryansu.com/v1' },
  });
  t.equal(noObjects.json.response.result.status, 'Failure');
  const notAReview = await h.post(PATHS.convert, {
    apiVersion: 'apiextensions.k8s.io/v1beta1',
    kind: 'ConversionReview',
  });
  t.equal(notAReview.status, 400);
  t.match(notAReview.json.error, 'apiextensions.k8s.io/v1 ConversionReview');
});
