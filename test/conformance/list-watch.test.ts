// Selectors, pagination and watch: resume from a resourceVersion, 410 Gone for a compacted one,
// selector transitions, bookmarks, and the wire framing (one JSON event per line).
import '../support/apiserver/node20-shim.ts';
import t from 'tap';
import { CoreV1Api, Watch } from '@kubernetes/client-node';
import { startTarget } from '../support/apiserver/target.ts';
import { failure } from '../support/apiserver/errors.ts';

const target = await startTarget();
t.teardown(() => target.close());
const core = target.kc.makeApiClient(CoreV1Api);
const ns = await target.namespace('watch');

t.test('label selectors (=, !=, in, notin, exists, !exists) and field selectors', async (t) => {
  const mk = (name: string, labels: Record<string, string>) =>
    core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels } } });
  await mk('s-a', { tier: 'db', env: 'prod' });
  await mk('s-b', { tier: 'db', env: 'dev' });
  await mk('s-c', { tier: 'web' });
  const names = async (labelSelector?: string, fieldSelector?: string) =>
    (
      await core.listNamespacedConfigMap({
        namespace: ns,
        ...(labelSelector ? { labelSelector } : {}),
        ...(fieldSelector ? { fieldSelector } : {}),
      })
    ).items
      .map((c) => c.metadata!.name)
      .filter((n) => n!.startsWith('s-'))
      .sort();
  t.same(await names('tier=db'), ['s-a', 's-b']);
  t.same(await names('tier=db,env!=prod'), ['s-b']);
  t.same(await names('env in (prod,staging)'), ['s-a']);
  t.same(await names('tier,env notin (dev)'), ['s-a', 's-c']);
  t.same(await names('!env'), ['s-c']);
  t.same(await names(undefined, 'metadata.name=s-b'), ['s-b']);
  t.same(await names('tier=db', 'metadata.name!=s-a'), ['s-b']);
  const all = await core.listConfigMapForAllNamespaces({
    fieldSelector: `metadata.namespace=${ns}`,
    labelSelector: 'tier',
  });
  t.equal(all.items.length, 3, 'metadata.namespace field selector across namespaces');
  const bad = await failure(core.listNamespacedConfigMap({ namespace: ns, fieldSelector: 'data.x=1' }));
  t.equal(bad.code, 400, 'an unsupported field selector is a 400');
});

t.test('limit and continue page through a list in order', async (t) => {
  for (let i = 0; i < 5; i++)
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: `page-${i}`, labels: { paged: 'yes' } } },
    });
  const seen: string[] = [];
  let cont: string | undefined;
  let pages = 0;
  do {
    const l = await core.listNamespacedConfigMap({
      namespace: ns,
      labelSelector: 'paged=yes',
      limit: 2,
      ...(cont ? { _continue: cont } : {}),
    });
    seen.push(...l.items.map((c) => c.metadata!.name!));
    cont = l.metadata?._continue || undefined;
    // A selector makes the real server page without counting what is left: no remainingItemCount.
    if (cont) t.equal(l.metadata?.remainingItemCount, undefined, 'no remainingItemCount under a label selector');
    pages++;
  } while (cont);
  t.equal(pages, 3);
  t.same(seen, ['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  const unfiltered = await core.listNamespacedConfigMap({ namespace: ns, limit: 2 });
  t.ok(unfiltered.metadata?._continue, 'more than one page');
  t.equal(
    unfiltered.metadata?.remainingItemCount,
    (await core.listNamespacedConfigMap({ namespace: ns })).items.length - 2,
    'remainingItemCount counts the rest when nothing filters',
  );
});

t.test('a watch from a resourceVersion delivers later changes in order, framed one JSON per line', async (t) => {
  const cm = await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'w1', labels: { w: 'yes' } } },
  });
  const rv = cm.metadata!.resourceVersion!;
  await core.replaceNamespacedConfigMap({ name: 'w1', namespace: ns, body: { ...cm, data: { x: '1' } } });
  await core.deleteNamespacedConfigMap({ name: 'w1', namespace: ns });
  const w = target.rawWatch(`/api/v1/namespaces/${ns}/configmaps?watch=1&labelSelector=w%3Dyes&resourceVersion=${rv}`);
  t.teardown(() => w.close());
  const headers = await w.headers;
  t.match(headers['content-type'], /^application\/json/);
  t.equal(headers['transfer-encoding'], 'chunked');
  const events = await w.waitFor(2);
  t.same(
    events.map((e) => e.type),
    ['MODIFIED', 'DELETED'],
  );
  t.equal(events[0]!.object.kind, 'ConfigMap', 'watch objects carry kind');
  t.equal(events[0]!.object.apiVersion, 'v1');
  t.same(events[0]!.object.data, { x: '1' });
  t.ok(
    Number(events[1]!.object.metadata.resourceVersion) > Number(events[0]!.object.metadata.resourceVersion),
    'resourceVersions increase',
  );
  for (const line of w.lines) t.doesNotThrow(() => JSON.parse(line), 'each line is one JSON event');
});

t.test('a watch without resourceVersion starts with ADDED for existing objects', async (t) => {
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'init-1', labels: { init: 'yes' } } },
  });
  const w = target.rawWatch(`/api/v1/namespaces/${ns}/configmaps?watch=true&labelSelector=init%3Dyes`);
  t.teardown(() => w.close());
  const [first] = await w.waitFor(1);
  t.equal(first!.type, 'ADDED');
  t.equal(first!.object.metadata.name, 'init-1');
  await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'init-2', labels: { init: 'yes' } } },
  });
  const evs = await w.waitFor(2);
  t.equal(evs[1]!.object.metadata.name, 'init-2');
});

// On a real server RV 1 is "compacted" only once etcd has compacted and the watch cache moved past it: the
// envtest pair started for this file still holds it (its cache began at a lower resourceVersion), and answers
// ADDED. The embedded server's history starts after bootstrap; a long-running external cluster has compacted.
const compactedRv1 =
  target.kind === 'envtest'
    ? 'a fresh etcd has compacted nothing yet: resourceVersion 1 is still served from the watch cache'
    : false;
t.test(
  'watch from a compacted resourceVersion gets an ERROR event with a 410 Expired Status',
  { skip: compactedRv1 },
  async (t) => {
    const w = target.rawWatch(`/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=1`);
    t.teardown(() => w.close());
    const [ev] = await w.waitFor(1);
    t.equal(ev!.type, 'ERROR');
    t.match(ev!.object, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 });
    t.match(ev!.object.message, /^too old resource version: 1 \(\d+\)$/);
  },
);

t.test('label selector transitions show as ADDED and DELETED on a filtered watch', async (t) => {
  const cm = await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'tr', labels: { phase: 'a' } } },
  });
  const w = target.rawWatch(
    `/api/v1/namespaces/${ns}/configmaps?watch=1&labelSelector=phase%3Db&resourceVersion=${cm.metadata!.resourceVersion}`,
  );
  t.teardown(() => w.close());
  const moved = await core.replaceNamespacedConfigMap({
    name: 'tr',
    namespace: ns,
    body: { ...cm, metadata: { ...cm.metadata, labels: { phase: 'b' } } },
  });
  await core.replaceNamespacedConfigMap({
    name: 'tr',
    namespace: ns,
    body: { ...moved, metadata: { ...moved.metadata, labels: { phase: 'c' } } },
  });
  const evs = await w.waitFor(2);
  t.same(
    evs.map((e) => e.type),
    ['ADDED', 'DELETED'],
  );
});

t.test('client-node Watch receives events and the done callback after timeoutSeconds', async (t) => {
  // The watch starts from the resourceVersion before the write, so the write's event is delivered however
  // late the watch connects (no pause hoping it is open first, no race with its 2 s timeout).
  const from = (await core.listNamespacedConfigMap({ namespace: ns })).metadata!.resourceVersion!;
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cn-1', labels: { cn: 'yes' } } } });
  const watch = new Watch(target.kc);
  const got: string[] = [];
  let doneErr: unknown = 'not called';
  const done = new Promise<void>((resolve) => {
    void watch.watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      { timeoutSeconds: 2, labelSelector: 'cn=yes', resourceVersion: from },
      (type, obj) => got.push(`${type}:${obj.metadata.name}`),
      (err) => {
        doneErr = err;
        resolve();
      },
    );
  });
  await done;
  t.same(got, ['ADDED:cn-1']);
  t.equal(doneErr, null, 'the server closed the stream cleanly');
});

t.test('allowWatchBookmarks is accepted and bookmarks carry only a resourceVersion', async (t) => {
  const cm = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'bm' } } });
  const w = target.rawWatch(
    `/api/v1/namespaces/${ns}/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion=${cm.metadata!.resourceVersion}&timeoutSeconds=3`,
  );
  t.teardown(() => w.close());
  await core.deleteNamespacedConfigMap({ name: 'bm', namespace: ns });
  await w.waitFor(1);
  await w.ended;
  t.equal(w.events[0]!.type, 'DELETED');
  for (const b of w.events.filter((e) => e.type === 'BOOKMARK')) {
    t.equal(b.object.kind, 'ConfigMap');
    t.match(b.object.metadata.resourceVersion, /^\d+$/);
  }
});
