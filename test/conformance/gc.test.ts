// Garbage collection through ownerReferences and namespace deletion: work a real cluster does in
// kube-controller-manager. envtest runs none, so there these checks are skipped with that reason.
import '../support/apiserver/node20-shim.ts';
import t from 'tap';
import { CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { startTarget } from '../support/apiserver/target.ts';
import { failure } from '../support/apiserver/errors.ts';

const target = await startTarget();
t.teardown(() => target.close());
const core = target.kc.makeApiClient(CoreV1Api);
const skip = target.controllers
  ? false
  : 'envtest runs no kube-controller-manager: no garbage collector, no namespace controller';
const ns = await target.namespace('gc');

async function owned(owner: V1ConfigMap, name: string, blockOwnerDeletion = false): Promise<V1ConfigMap> {
  return core.createNamespacedConfigMap({
    namespace: ns,
    body: {
      metadata: {
        name,
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            name: owner.metadata!.name!,
            uid: owner.metadata!.uid!,
            ...(blockOwnerDeletion ? { blockOwnerDeletion: true } : {}),
          },
        ],
      },
    },
  });
}

const gone = async (name: string) =>
  (await failure(core.readNamespacedConfigMap({ name, namespace: ns }))).code === 404;
const exists = async (name: string) => {
  try {
    return await core.readNamespacedConfigMap({ name, namespace: ns });
  } catch {
    return undefined;
  }
};

t.test('background propagation: the owner goes at once, dependents follow', { skip }, async (t) => {
  const owner = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'bg-owner' } } });
  await owned(owner, 'bg-child-1');
  await owned(owner, 'bg-child-2');
  await core.deleteNamespacedConfigMap({ name: 'bg-owner', namespace: ns, propagationPolicy: 'Background' });
  t.ok(await gone('bg-owner'), 'owner deleted immediately');
  await target.eventually(async () => (await gone('bg-child-1')) && (await gone('bg-child-2')), 'dependents collected');
  t.pass('dependents collected');
});

t.test('foreground propagation: dependents go first, the owner waits with foregroundDeletion', { skip }, async (t) => {
  const owner = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'fg-owner' } } });
  const child = await owned(owner, 'fg-child', true);
  // A finalizer on the child keeps the owner visibly waiting.
  await core.replaceNamespacedConfigMap({
    name: 'fg-child',
    namespace: ns,
    body: { ...child, metadata: { ...child.metadata, finalizers: ['example.com/hold'] } },
  });
  await core.deleteNamespacedConfigMap({ name: 'fg-owner', namespace: ns, propagationPolicy: 'Foreground' });
  const waiting = await target.eventually(async () => {
    const o = await exists('fg-owner');
    const c = await exists('fg-child');
    return o && c?.metadata?.deletionTimestamp ? o : undefined;
  }, 'child marked for deletion while the owner waits');
  t.ok(waiting.metadata?.deletionTimestamp, 'owner has deletionTimestamp');
  t.ok(waiting.metadata?.finalizers?.includes('foregroundDeletion'), 'owner carries foregroundDeletion');
  const c = await core.readNamespacedConfigMap({ name: 'fg-child', namespace: ns });
  await core.replaceNamespacedConfigMap({
    name: 'fg-child',
    namespace: ns,
    body: { ...c, metadata: { ...c.metadata, finalizers: [] } },
  });
  await target.eventually(async () => (await gone('fg-child')) && (await gone('fg-owner')), 'child then owner removed');
  t.pass('child then owner removed');
});

t.test('orphan propagation keeps dependents and strips the owner reference', { skip }, async (t) => {
  const owner = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'or-owner' } } });
  await owned(owner, 'or-child');
  await core.deleteNamespacedConfigMap({ name: 'or-owner', namespace: ns, propagationPolicy: 'Orphan' });
  await target.eventually(async () => gone('or-owner'), 'owner removed');
  const child = await target.eventually(async () => {
    const c = await exists('or-child');
    return c && !c.metadata?.ownerReferences?.length ? c : undefined;
  }, 'child without ownerReferences');
  t.ok(child, 'child survives as an orphan');
});

t.test('a dependent with a second, live owner loses only the deleted owner reference', { skip }, async (t) => {
  const a = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'two-a' } } });
  const b = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'two-b' } } });
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: {
      metadata: {
        name: 'two-child',
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'two-a', uid: a.metadata!.uid! },
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'two-b', uid: b.metadata!.uid! },
        ],
      },
    },
  });
  await core.deleteNamespacedConfigMap({ name: 'two-a', namespace: ns });
  const c = await target.eventually(async () => {
    const x = await exists('two-child');
    return x && x.metadata?.ownerReferences?.length === 1 ? x : undefined;
  }, 'child keeps one owner');
  t.equal(c.metadata?.ownerReferences?.[0]?.name, 'two-b');
});

t.test('deleting a namespace marks it Terminating, removes its contents, then the namespace', { skip }, async (t) => {
  const doomed = await target.namespace('doomed');
  await core.createNamespacedConfigMap({ namespace: doomed, body: { metadata: { name: 'inside' } } });
  await core.createNamespacedSecret({ namespace: doomed, body: { metadata: { name: 'secret-inside' } } });
  await core.deleteNamespace({ name: doomed });
  // The real NamespaceLifecycle admission reads an informer cache, so a create right after the delete may
  // still pass there; once the namespace is seen Terminating, creates are refused with this message.
  const r = await failure(
    core.createNamespacedConfigMap({ namespace: doomed, body: { metadata: { name: 'late' } } }),
  ).catch(() => ({ code: 201, status: { message: '' } }));
  t.ok([201, 403, 404].includes(r.code), 'a late create is refused, or (real server, stale cache) collected');
  if (r.code === 403) t.match(r.status.message, /because it is being terminated/);
  await target.eventually(
    async () => (await failure(core.readNamespace({ name: doomed })).catch(() => ({ code: 200 }))).code === 404,
    'namespace removed',
    60_000,
  );
  t.pass('namespace removed');
});

t.test('the default namespace may not be deleted', async (t) => {
  const r = await failure(core.deleteNamespace({ name: 'default' }));
  t.equal(r.code, 403);
  t.equal(r.status.message, 'namespaces "default" is forbidden: this namespace may not be deleted');
});
