// Object lifecycle semantics: generation, status and scale subresources on a built-in kind,
// finalizers and deletionTimestamp, Lease optimistic renewals and the ConfigMap 1 MiB limit.
import '../support/apiserver/node20-shim.ts';
import t from 'tap';
import { leaseTimes, microTime } from '../../src/kube/microtime.ts';
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { startTarget } from '../support/apiserver/target.ts';
import { failure } from '../support/apiserver/errors.ts';

const target = await startTarget();
t.teardown(() => target.close());
const core = target.kc.makeApiClient(CoreV1Api);
const apps = target.kc.makeApiClient(AppsV1Api);
const coord = target.kc.makeApiClient(CoordinationV1Api);
const ns = await target.namespace('objects');

function statefulSet(name: string): V1StatefulSet {
  return {
    metadata: { name },
    spec: {
      replicas: 1,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    },
  };
}

t.test('generation starts at 1 and moves on spec changes only; status goes through /status', async (t) => {
  const s = await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('gen') });
  t.equal(s.metadata?.generation, 1);
  const labelled = await apps.patchNamespacedStatefulSet(
    { name: 'gen', namespace: ns, body: { metadata: { labels: { x: 'y' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  t.equal(labelled.metadata?.generation, 1, 'a metadata change leaves generation alone');
  const scaled = await apps.patchNamespacedStatefulSet(
    { name: 'gen', namespace: ns, body: { spec: { replicas: 3 } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  t.equal(scaled.metadata?.generation, 2, 'a spec change bumps generation');
  const ignored = await apps.patchNamespacedStatefulSet(
    { name: 'gen', namespace: ns, body: { status: { replicas: 7 } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  t.not(ignored.status?.replicas, 7, 'status written through the main resource is ignored');
  const st = await apps.patchNamespacedStatefulSetStatus(
    { name: 'gen', namespace: ns, body: { status: { replicas: 2, observedGeneration: 2 } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  t.equal(st.status?.replicas, 2);
  t.equal(st.metadata?.generation, 2, 'a status write leaves generation alone');
  const specViaStatus = await apps.patchNamespacedStatefulSetStatus(
    { name: 'gen', namespace: ns, body: { spec: { replicas: 9 } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  t.equal(specViaStatus.spec?.replicas, 3, 'spec written through /status is ignored');
});

t.test('the scale subresource of a StatefulSet reads and writes spec.replicas', async (t) => {
  await apps.createNamespacedStatefulSet({ namespace: ns, body: statefulSet('sc') });
  const scale = await apps.readNamespacedStatefulSetScale({ name: 'sc', namespace: ns });
  t.equal(scale.kind, 'Scale');
  t.equal(scale.apiVersion, 'autoscaling/v1');
  t.equal(scale.spec?.replicas, 1);
  t.equal(scale.status?.selector, 'app=sc');
  const out = await apps.replaceNamespacedStatefulSetScale({
    name: 'sc',
    namespace: ns,
    body: { ...scale, spec: { replicas: 4 } },
  });
  t.equal(out.spec?.replicas, 4);
  const s = await apps.readNamespacedStatefulSet({ name: 'sc', namespace: ns });
  t.equal(s.spec?.replicas, 4);
  t.equal(s.metadata?.generation, 2);
});

t.test('finalizers hold a deleted object with deletionTimestamp until they are removed', async (t) => {
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'fin', finalizers: ['example.com/hold'] } },
  });
  const del = await target.raw('DELETE', `/api/v1/namespaces/${ns}/configmaps/fin`);
  t.equal(del.status, 200);
  t.equal(del.json.kind, 'ConfigMap', 'a delete held by a finalizer returns the object');
  t.ok(del.json.metadata.deletionTimestamp);
  const held = await core.readNamespacedConfigMap({ name: 'fin', namespace: ns });
  t.ok(held.metadata?.deletionTimestamp, 'still there, marked for deletion');
  const more = await failure(
    core.patchNamespacedConfigMap(
      { name: 'fin', namespace: ns, body: { metadata: { finalizers: ['example.com/hold', 'example.com/another'] } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    ),
  );
  t.equal(more.code, 422, 'no new finalizers on an object being deleted');
  await core.patchNamespacedConfigMap(
    { name: 'fin', namespace: ns, body: [{ op: 'remove', path: '/metadata/finalizers' }] },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
  const gone = await failure(core.readNamespacedConfigMap({ name: 'fin', namespace: ns }));
  t.equal(gone.code, 404, 'removing the last finalizer deletes the object');
});

t.test('delete preconditions: a wrong uid or resourceVersion is a 409', async (t) => {
  const cm = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'pre' } } });
  const r = await target.raw('DELETE', `/api/v1/namespaces/${ns}/configmaps/pre`, {
    kind: 'DeleteOptions',
    apiVersion: 'v1',
    preconditions: { uid: 'not-the-uid' },
  });
  t.equal(r.status, 409);
  t.equal(
    r.json.message,
    `Operation cannot be fulfilled on ConfigMap "pre": the UID in the precondition (not-the-uid) does not match the UID in record (${cm.metadata!.uid}). The object might have been deleted and then recreated`,
  );
  t.match(r.json, { reason: 'Conflict', details: { name: 'pre', kind: 'ConfigMap' } });
  const stale = await target.raw('DELETE', `/api/v1/namespaces/${ns}/configmaps/pre`, {
    kind: 'DeleteOptions',
    apiVersion: 'v1',
    preconditions: { resourceVersion: '1' },
  });
  t.equal(stale.status, 409);
  t.equal(
    stale.json.message,
    `Operation cannot be fulfilled on ConfigMap "pre": the ResourceVersion in the precondition (1) does not match the ResourceVersion in record (${cm.metadata!.resourceVersion}). The object might have been modified`,
  );
  const ok = await target.raw('DELETE', `/api/v1/namespaces/${ns}/configmaps/pre`, {
    kind: 'DeleteOptions',
    apiVersion: 'v1',
    preconditions: { uid: cm.metadata!.uid, resourceVersion: cm.metadata!.resourceVersion },
  });
  t.equal(ok.status, 200);
});

t.test('Lease: create, renew with optimistic concurrency, a competing stale renewal loses', async (t) => {
  // MicroTime, not Date: client-node prints a Date with 3 fractional digits, which a real server refuses.
  const now = microTime(Date.now());
  const lease = await coord.createNamespacedLease({
    namespace: ns,
    body: {
      metadata: { name: 'leader' },
      spec: {
        holderIdentity: 'pod-0',
        leaseDurationSeconds: 10,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      },
    },
  });
  t.equal(lease.spec?.holderIdentity, 'pod-0');
  t.ok(lease.spec?.renewTime, 'renewTime round-trips');
  const raw = await target.raw('GET', `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/leader`);
  t.match(raw.json.spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'renewTime is a MicroTime');
  const renewed = await coord.replaceNamespacedLease({
    name: 'leader',
    namespace: ns,
    body: { ...lease, spec: leaseTimes({ ...lease.spec, renewTime: new Date(now.getTime() + 2000) }) },
  });
  const takeover = await failure(
    coord.replaceNamespacedLease({
      name: 'leader',
      namespace: ns,
      body: { ...lease, spec: leaseTimes({ ...lease.spec, holderIdentity: 'pod-1', leaseTransitions: 1 }) },
    }),
  );
  t.equal(takeover.code, 409, 'a takeover computed from a stale read conflicts');
  const moved = await coord.replaceNamespacedLease({
    name: 'leader',
    namespace: ns,
    body: { ...renewed, spec: leaseTimes({ ...renewed.spec, holderIdentity: 'pod-1', leaseTransitions: 1 }) },
  });
  t.equal(moved.spec?.holderIdentity, 'pod-1');
  t.equal(moved.spec?.leaseTransitions, 1);
  const bad = await failure(
    coord.createNamespacedLease({
      namespace: ns,
      body: { metadata: { name: 'bad' }, spec: { leaseDurationSeconds: 0 } },
    }),
  );
  t.equal(bad.code, 422);
  t.match(bad.status.message, /spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0/);
});

t.test('a ConfigMap over 1 MiB is rejected as Invalid; one just under is stored', async (t) => {
  const under = 'x'.repeat(1024 * 1024 - 100);
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'big-ok' }, data: { k: under } } });
  const over = await failure(
    core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'big' }, data: { k: 'x'.repeat(1024 * 1024 + 1) } },
    }),
  );
  t.equal(over.code, 422);
  t.equal(over.status.reason, 'Invalid');
  t.match(over.status.message, /^ConfigMap "big" is invalid: .*Too long: .*1048576/);
  const grow = await failure(
    core.patchNamespacedConfigMap(
      { name: 'big-ok', namespace: ns, body: { data: { k2: 'y'.repeat(200) } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    ),
  );
  t.equal(grow.code, 422, 'an update that crosses the limit is rejected too');
});

t.test('Secret stringData is folded into base64 data', async (t) => {
  const s = await core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'sec' }, stringData: { password: 'hunter2' } },
  });
  t.equal(s.data?.['password'], Buffer.from('hunter2').toString('base64'));
  t.equal(s.stringData, undefined);
  t.equal(s.type, 'Opaque');
});

t.test('pods: an unscheduled pod is deleted at once; a bound pod waits out its grace period', async (t) => {
  const spec = { containers: [{ name: 'c', image: 'busybox' }], terminationGracePeriodSeconds: 45 };
  await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'unbound' }, spec } });
  await core.deleteNamespacedPod({ name: 'unbound', namespace: ns });
  t.equal((await failure(core.readNamespacedPod({ name: 'unbound', namespace: ns }))).code, 404);
  // nodeName set at creation binds the pod without a scheduler.
  await core.createNamespacedPod({
    namespace: ns,
    body: { metadata: { name: 'bound' }, spec: { ...spec, nodeName: 'node-a' } },
  });
  const before = Date.now();
  const del = await target.raw('DELETE', `/api/v1/namespaces/${ns}/pods/bound`);
  const after = Date.now();
  t.equal(del.status, 200);
  t.equal(del.json.kind, 'Pod');
  t.equal(del.json.metadata.deletionGracePeriodSeconds, 45);
  // Bounded by the clock readings around the request (metav1.Time drops the milliseconds), however long it took.
  const deletionAt = Date.parse(del.json.metadata.deletionTimestamp);
  t.ok(
    deletionAt >= Math.floor(before / 1000) * 1000 + 45_000 && deletionAt <= after + 45_000,
    'deletionTimestamp is now + grace',
  );
  const status = await target.raw(
    'PATCH',
    `/api/v1/namespaces/${ns}/pods/bound/status`,
    { status: { phase: 'Running' } },
    { 'content-type': 'application/merge-patch+json' },
  );
  t.equal(status.status, 200, 'the kubelet may still update status during the grace period');
  t.ok((await core.readNamespacedPod({ name: 'bound', namespace: ns })).metadata?.deletionTimestamp, 'still there');
  const force = await target.raw('DELETE', `/api/v1/namespaces/${ns}/pods/bound`, {
    kind: 'DeleteOptions',
    apiVersion: 'v1',
    gracePeriodSeconds: 0,
  });
  t.equal(force.status, 200);
  t.equal((await failure(core.readNamespacedPod({ name: 'bound', namespace: ns }))).code, 404, 'grace 0 removes it');
});
