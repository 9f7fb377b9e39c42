// Storage growth, decided (pure, by table) and done (against the embedded API server): when
// spec.storage.size grows, every data claim of the cluster whose request is smaller is patched up, with
// a StorageResized event; nothing shrinks; claims of other clusters and other volumes are left alone.
import t from 'tap';
import { storageGrowth, type ClaimView } from '../../src/operator/storage.ts';
import { claimView } from '../../src/operator/views.ts';
import { eventually } from '../support/kube.ts';
import { NAME, NS, settle, startHarness } from './harness.ts';

const claim = (name: string, request: string | undefined, deleting = false): ClaimView => ({
  name,
  request,
  deleting,
});

t.test('which claims grow: a table of named states', async (t) => {
  const rows: [state: string, size: string, claims: ClaimView[], want: string[] | string][] = [
    ['no claims yet', '10Gi', [], 'no claims yet'],
    ['all at the size', '10Gi', [claim('data-c-0', '10Gi'), claim('data-c-1', '10Gi')], 'every claim requests'],
    ['size grew', '20Gi', [claim('data-c-1', '10Gi'), claim('data-c-0', '10Gi')], ['data-c-0', 'data-c-1']],
    ['same size, other units', '10240Mi', [claim('data-c-0', '10Gi')], 'every claim requests'],
    ['decimal vs binary: 11G > 10Gi', '11G', [claim('data-c-0', '10Gi')], ['data-c-0']],
    [
      'one already grown (a half-done earlier run)',
      '20Gi',
      [claim('data-c-0', '20Gi'), claim('data-c-1', '10Gi')],
      ['data-c-1'],
    ],
    ['a claim larger than the spec is never shrunk', '10Gi', [claim('data-c-0', '50Gi')], 'every claim requests'],
    ['a claim being deleted is left alone', '20Gi', [claim('data-c-0', '10Gi', true)], 'every claim requests'],
    ['a claim without a request is left alone', '20Gi', [claim('data-c-0', undefined)], 'every claim requests'],
    [
      'an unparsable request is left alone',
      '20Gi',
      [claim('data-c-0', 'lots'), claim('data-c-1', '1Gi')],
      ['data-c-1'],
    ],
    ['a size that is no quantity changes nothing', 'big', [claim('data-c-0', '10Gi')], 'is not a quantity'],
  ];
  for (const [state, size, claims, want] of rows) {
    const d = storageGrowth(size, claims);
    if (typeof want === 'string') {
      t.equal(d.kind, 'none', state);
      if (d.kind === 'none') t.match(d.why, want, `${state}: why`);
    } else {
      t.equal(d.kind, 'resize', state);
      if (d.kind === 'resize') {
        t.same(
          d.resizes.map((r) => r.claim),
          want,
          `${state}: claims, in name order`,
        );
        for (const r of d.resizes) t.equal(r.to, size, `${state}: ${r.claim} to the spec size`);
      }
    }
  }
});

t.test('claimView: only data-<statefulset>-<ordinal> claims of the cluster count', async (t) => {
  const pvc = (name: string) => ({
    metadata: { name },
    spec: { resources: { requests: { storage: '10Gi' } } },
    status: { capacity: { storage: '10Gi' } },
  });
  t.same(claimView(pvc('data-c-2'), 'c'), { name: 'data-c-2', request: '10Gi', capacity: '10Gi', deleting: false });
  t.equal(claimView(pvc('data-cc-0'), 'c'), undefined, 'another cluster whose name starts the same');
  t.equal(claimView(pvc('scratch-c-0'), 'c'), undefined, 'another volume');
  t.equal(claimView(pvc('data-c-x'), 'c'), undefined, 'not an ordinal');
});

t.test('on the API server: spec.storage.size 10Gi -> 20Gi patches every claim, with an event', async (t) => {
  const h = await startHarness();
  t.teardown(() => h.close());
  await settle(h);
  // No pod runner here: the claims the StatefulSet controller would make, with its labels.
  const labels = {
    'app.kubernetes.io/name': 'mysql',
    'app.kubernetes.io/instance': NAME,
    'mysql.ryansu.com/cluster': NAME,
  };
  const make = (name: string, storage: string, l: Record<string, string> = labels) =>
    h.core.createNamespacedPersistentVolumeClaim({
      namespace: NS,
      body: {
        metadata: { name, labels: l },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
      },
    });
  for (const i of [0, 1, 2]) await make(`data-${NAME}-${i}`, '10Gi');
  await make('data-other-0', '10Gi', { ...labels, 'mysql.ryansu.com/cluster': 'other' });
  await make(`scratch-${NAME}-0`, '1Gi');
  const request = async (name: string) =>
    (await h.core.readNamespacedPersistentVolumeClaim({ name, namespace: NS })).spec?.resources?.requests?.['storage'];
  await h.reconcileOnce();
  t.equal(await request(`data-${NAME}-0`), '10Gi', 'at the spec size: untouched');
  // A replace from a fresh read, retried on 409 (the operator writes status meanwhile).
  await eventually(async () => {
    const c = await h.cluster();
    try {
      await h.custom.replaceNamespacedCustomObject({
        group: 'apps.ryansu.com',
        version: 'v1',
        namespace: NS,
        plural: 'mysqlclusters',
        name: NAME,
        body: { ...c, spec: { ...c.spec, storage: { ...c.spec.storage, size: '20Gi' } } },
      });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 409) return false;
      throw err;
    }
  }, 'the size change to be accepted');
  for (const i of [0, 1, 2])
    await eventually(async () => (await request(`data-${NAME}-${i}`)) === '20Gi', `data-${NAME}-${i} at 20Gi`);
  t.pass('every data claim of the cluster requests 20Gi');
  t.equal(await request('data-other-0'), '10Gi', "another cluster's claim is left alone");
  t.equal(await request(`scratch-${NAME}-0`), '1Gi', 'another volume is left alone');
  const events = await eventually(async () => {
    const list = await h.core.listNamespacedEvent({ namespace: NS });
    const e = list.items.filter((x) => x.reason === 'StorageResized');
    return e.length >= 3 && e;
  }, 'StorageResized events');
  t.match(events.map((e) => e.message).sort()[0], `PersistentVolumeClaim/data-${NAME}-0: storage request 10Gi -> 20Gi`);
  await settle(h);
  const before = { ...h.op.reconciler.writer.stats };
  await h.reconcileOnce();
  t.same(h.op.reconciler.writer.stats, before, 'once grown, a reconcile writes nothing');
});
