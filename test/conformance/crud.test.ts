// Core REST semantics every controller of ours relies on: create/get/list/update/patch/delete,
import '../support/apiserver/node20-shim.ts';
// optimistic concurrency, and errors shaped exactly like the real server's Status objects.
import t from 'tap';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startTarget } from '../support/apiserver/target.ts';
import { failure } from '../support/apiserver/errors.ts';

const target = await startTarget();
t.teardown(() => target.close());
const core = target.kc.makeApiClient(CoreV1Api);
const ns = await target.namespace('crud');

t.test('create, get and list return the object with server-set metadata', async (t) => {
  const created = await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'a', labels: { app: 'x' } }, data: { k: 'v' } },
  });
  t.ok(created.metadata?.uid, 'uid set');
  t.match(created.metadata?.resourceVersion, /^\d+$/, 'resourceVersion is a decimal string');
  t.match(created.metadata?.creationTimestamp?.toISOString(), /^\d{4}-\d\d-\d\dT/);
  t.equal(created.metadata?.namespace, ns);
  const got = await core.readNamespacedConfigMap({ name: 'a', namespace: ns });
  t.same(got.data, { k: 'v' });
  t.equal(got.metadata?.resourceVersion, created.metadata?.resourceVersion);
  const list = await core.listNamespacedConfigMap({ namespace: ns });
  t.ok(list.metadata?.resourceVersion, 'list has a resourceVersion');
  t.ok(list.items.some((c) => c.metadata?.name === 'a'));
});

t.test('NotFound and AlreadyExists are Status objects shaped like the real server', async (t) => {
  const nf = await failure(core.readNamespacedConfigMap({ name: 'missing', namespace: ns }));
  t.equal(nf.code, 404);
  t.same(nf.status, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'configmaps "missing" not found',
    reason: 'NotFound',
    details: { name: 'missing', kind: 'configmaps' },
    code: 404,
  });
  const ae = await failure(core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'a' } } }));
  t.equal(ae.code, 409);
  t.same(ae.status, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'configmaps "a" already exists',
    reason: 'AlreadyExists',
    details: { name: 'a', kind: 'configmaps' },
    code: 409,
  });
  const grouped = await target.raw('GET', `/apis/apps/v1/namespaces/${ns}/statefulsets/nope`);
  t.same(grouped.json.details, { name: 'nope', group: 'apps', kind: 'statefulsets' });
  t.equal(grouped.json.message, 'statefulsets.apps "nope" not found');
});

t.test('an update carrying a stale resourceVersion is a 409 Conflict with the real message', async (t) => {
  const cm = await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'occ' }, data: { n: '1' } },
  });
  const fresh = await core.replaceNamespacedConfigMap({
    name: 'occ',
    namespace: ns,
    body: { ...cm, data: { n: '2' } },
  });
  t.not(fresh.metadata?.resourceVersion, cm.metadata?.resourceVersion, 'update bumps resourceVersion');
  const stale = await failure(
    core.replaceNamespacedConfigMap({ name: 'occ', namespace: ns, body: { ...cm, data: { n: '3' } } }),
  );
  t.equal(stale.code, 409);
  t.equal(stale.status.reason, 'Conflict');
  t.equal(
    stale.status.message,
    'Operation cannot be fulfilled on configmaps "occ": the object has been modified; please apply your changes to the latest version and try again',
  );
  t.same(stale.status.details, { name: 'occ', kind: 'configmaps' });
  t.same(
    (await core.readNamespacedConfigMap({ name: 'occ', namespace: ns })).data,
    { n: '2' },
    'the stale write did not land',
  );
});

t.test('patch: merge, JSON Patch (with a failing test op) and strategic merge', async (t) => {
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'p' }, data: { a: '1', b: '2' } } });
  const merged = await core.patchNamespacedConfigMap(
    { name: 'p', namespace: ns, body: { data: { b: null, c: '3' } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  t.same(merged.data, { a: '1', c: '3' });
  const jp = await core.patchNamespacedConfigMap(
    {
      name: 'p',
      namespace: ns,
      body: [
        { op: 'replace', path: '/data/a', value: '9' },
        { op: 'add', path: '/metadata/labels', value: { x: 'y' } },
      ],
    },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
  t.same(jp.data, { a: '9', c: '3' });
  t.same(jp.metadata?.labels, { x: 'y' });
  const failed = await failure(
    core.patchNamespacedConfigMap(
      {
        name: 'p',
        namespace: ns,
        body: [
          { op: 'test', path: '/data/a', value: 'nope' },
          { op: 'remove', path: '/data/a' },
        ],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    ),
  );
  t.equal(failed.code, 422, 'a failed test op rejects the whole patch');
  t.equal((await core.readNamespacedConfigMap({ name: 'p', namespace: ns })).data?.['a'], '9');
  const smp = await core.patchNamespacedConfigMap(
    { name: 'p', namespace: ns, body: { data: { d: '4' } } },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  t.same(smp.data, { a: '9', c: '3', d: '4' });
  const stalePatch = await failure(
    core.patchNamespacedConfigMap(
      { name: 'p', namespace: ns, body: { metadata: { resourceVersion: '1' }, data: { e: '5' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    ),
  );
  t.equal(stalePatch.code, 409, 'a patch that names a stale resourceVersion conflicts');
});

t.test('generateName, delete returning a Success Status, and deletecollection by label', async (t) => {
  const g = await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { generateName: 'gen-', labels: { batch: 'one' } } },
  });
  t.match(g.metadata?.name, /^gen-[a-z0-9]{5}$/);
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'b1', labels: { batch: 'one' } } } });
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'keep', labels: { batch: 'two' } } },
  });
  const del = await target.raw('DELETE', `/api/v1/namespaces/${ns}/configmaps/b1`);
  t.equal(del.status, 200);
  t.equal(del.json.kind, 'Status');
  t.equal(del.json.status, 'Success');
  t.same(del.json.details.name, 'b1');
  await core.deleteCollectionNamespacedConfigMap({ namespace: ns, labelSelector: 'batch=one' });
  const left = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'batch' });
  t.same(
    left.items.map((c) => c.metadata?.name),
    ['keep'],
  );
});

t.test('invalid names are 422 Invalid with field causes', async (t) => {
  const bad = await failure(
    core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'Bad_Name' } } }),
  );
  t.equal(bad.code, 422);
  t.equal(bad.status.reason, 'Invalid');
  t.match(
    bad.status.message,
    /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
  );
  t.equal(bad.status.details.kind, 'ConfigMap');
  t.equal(bad.status.details.causes[0].field, 'metadata.name');
});

t.test('creating in a namespace that does not exist is NotFound for the namespace', async (t) => {
  const r = await failure(
    core.createNamespacedConfigMap({ namespace: 'no-such-ns-xyz', body: { metadata: { name: 'x' } } }),
  );
  t.equal(r.code, 404);
  t.equal(r.status.message, 'namespaces "no-such-ns-xyz" not found');
});

t.test('dryRun=All validates but stores nothing', async (t) => {
  const r = await target.raw('POST', `/api/v1/namespaces/${ns}/configmaps?dryRun=All`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'dry' },
  });
  t.equal(r.status, 201);
  t.equal((await target.raw('GET', `/api/v1/namespaces/${ns}/configmaps/dry`)).status, 404);
});

t.test('server-side apply creates the object, then applies changes to it', async (t) => {
  const path = `/api/v1/namespaces/${ns}/configmaps/ssa?fieldManager=conformance&force=true`;
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa' }, data: { a: '1' } };
  const first = await target.raw('PATCH', path, body, { 'content-type': 'application/apply-patch+yaml' });
  t.equal(first.status, 201, 'created by apply');
  t.same(first.json.data, { a: '1' });
  const second = await target.raw(
    'PATCH',
    path,
    { ...body, data: { a: '2' } },
    { 'content-type': 'application/apply-patch+yaml' },
  );
  t.equal(second.status, 200);
  t.same(second.json.data, { a: '2' });
});
