// Informers against the target: client-node 1.4.0's own makeInformer/ListWatch and our
// src/kube/informer.ts. The initial list arrives as adds, later writes as ordered events carrying the
// writes' resourceVersions, selectors filter, and a watch the server ends is resumed from the last
// resourceVersion without a second list.
import '../support/apiserver/node20-shim.ts';
import t, { type Test } from 'tap';
import { CoreV1Api, ListWatch, Watch, makeInformer, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { startTarget, type Target } from '../support/apiserver/target.ts';
import { Informer } from '../../src/kube/informer.ts';
import { Resources } from '../../src/kube/resources.ts';

const target = await startTarget();
t.teardown(() => target.close());
const core = target.kc.makeApiClient(CoreV1Api);
const ns = await target.namespace('informer');
const path = `/api/v1/namespaces/${ns}/configmaps`;

type Seen = { event: string; name: string; rv: string };

/** Collects every add/update/delete of an informer, in arrival order. */
function record(inf: Pick<ClientInformer, 'on'>): Seen[] {
  const seen: Seen[] = [];
  for (const event of ['add', 'update', 'delete'] as const) {
    inf.on(event, (o) => seen.push({ event, name: o.metadata?.name ?? '', rv: o.metadata?.resourceVersion ?? '' }));
  }
  return seen;
}

const summary = (seen: Seen[]) => seen.map((s) => `${s.event}:${s.name}`);
const mk = (name: string, labels: Record<string, string>) =>
  core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name, labels } } });

t.test(
  'makeInformer: initial list as adds, then create/update/delete in order with their resourceVersions',
  async (t) => {
    const a = await mk('order-a', { suite: 'order' });
    const b = await mk('order-b', { suite: 'order' });
    let lists = 0;
    const inf = makeInformer<V1ConfigMap>(
      target.kc,
      path,
      () => {
        lists++;
        return core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'suite=order' });
      },
      'suite=order',
    );
    const seen = record(inf);
    await inf.start();
    t.teardown(() => inf.stop());
    await target.eventually(() => seen.length >= 2, 'initial adds');
    t.same(seen.map((s) => [s.event, s.name, s.rv]).sort(), [
      ['add', 'order-a', a.metadata!.resourceVersion],
      ['add', 'order-b', b.metadata!.resourceVersion],
    ]);

    const c = await mk('order-c', { suite: 'order' });
    const a2 = await core.replaceNamespacedConfigMap({
      name: 'order-a',
      namespace: ns,
      body: { ...a, data: { v: '2' } },
    });
    await core.deleteNamespacedConfigMap({ name: 'order-b', namespace: ns });
    await target.eventually(() => seen.length >= 5, 'three more events');
    t.same(summary(seen.slice(2)), ['add:order-c', 'update:order-a', 'delete:order-b']);
    t.equal(seen[2]!.rv, c.metadata!.resourceVersion, 'the add carries the created resourceVersion');
    t.equal(seen[3]!.rv, a2.metadata!.resourceVersion, 'the update carries the updated resourceVersion');
    t.ok(BigInt(seen[4]!.rv) > BigInt(seen[3]!.rv), 'the delete carries a later resourceVersion');
    // makeInformer's declared type hides it, but what it returns is a ListWatch.
    t.equal(
      (inf as unknown as ListWatch<V1ConfigMap>).latestResourceVersion(),
      seen[4]!.rv,
      'the informer resumes from the last event',
    );
    t.same(
      inf
        .list(ns)
        .map((o) => o.metadata?.name)
        .sort(),
      ['order-a', 'order-c'],
      'the cache matches the server',
    );
    t.equal(inf.get('order-a', ns)?.data?.['v'], '2');
    t.equal(lists, 1, 'one list');
    // A barrier, not a pause: events arrive in order, so once a later write is seen, any duplicate or
    // stray event of the writes above is already in `seen`.
    await mk('order-fence', { suite: 'order' });
    await target.eventually(() => seen.some((s) => s.name === 'order-fence'), 'the fence write');
    t.same(summary(seen.slice(5)), ['add:order-fence'], 'no duplicate or stray events');
  },
);

t.test('makeInformer with a label selector sees only matching objects, and selector transitions', async (t) => {
  const inf = makeInformer<V1ConfigMap>(
    target.kc,
    path,
    () => core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'tier=db' }),
    'tier=db',
  );
  const seen = record(inf);
  await inf.start();
  t.teardown(() => inf.stop());
  await mk('sel-web', { tier: 'web' });
  const db = await mk('sel-db', { tier: 'db' });
  await target.eventually(() => seen.length >= 1, 'the matching add');
  await core.replaceNamespacedConfigMap({
    name: 'sel-db',
    namespace: ns,
    body: { ...db, metadata: { ...db.metadata, labels: { tier: 'web' } } },
  });
  const web = await core.readNamespacedConfigMap({ name: 'sel-web', namespace: ns });
  await core.replaceNamespacedConfigMap({
    name: 'sel-web',
    namespace: ns,
    body: { ...web, metadata: { ...web.metadata, labels: { tier: 'db' } } },
  });
  await target.eventually(() => seen.length >= 3, 'transition events');
  // A barrier, not a pause: once this later matching write is seen, every earlier event is in `seen`.
  await mk('sel-fence', { tier: 'db' });
  await target.eventually(() => seen.some((s) => s.name === 'sel-fence'), 'the fence write');
  t.same(
    summary(seen),
    ['add:sel-db', 'delete:sel-db', 'add:sel-web', 'add:sel-fence'],
    'leaving the selector is a delete, entering it an add',
  );
  t.same(
    inf
      .list(ns)
      .map((o) => o.metadata?.name)
      .sort(),
    ['sel-fence', 'sel-web'],
  );
});

/** A client-node Watch that asks the server to end each watch after `seconds` (every server honours it). */
class ShortWatch extends Watch {
  constructor(
    kc: KubeConfig,
    private readonly seconds: number,
  ) {
    super(kc);
  }
  override watch(
    p: string,
    query: Record<string, string | number | boolean | undefined>,
    cb: Parameters<Watch['watch']>[2],
    done: Parameters<Watch['watch']>[3],
  ) {
    return super.watch(p, { ...query, timeoutSeconds: this.seconds }, cb, done);
  }
}

/** What both client-node informer shapes offer (makeInformer's Informer and a bare ListWatch). */
interface ClientInformer {
  on(verb: 'add' | 'update' | 'delete', cb: (o: V1ConfigMap) => void): void;
  on(verb: 'connect', cb: () => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type ListFn = () => Promise<{ items: V1ConfigMap[]; metadata?: { resourceVersion?: string } }>;

async function resumesAfterServerEnd(
  t: Test,
  tgt: Target,
  nsName: string,
  informer: (path: string, list: ListFn) => ClientInformer,
): Promise<void> {
  const c = tgt.kc.makeApiClient(CoreV1Api);
  let lists = 0;
  let connects = 0;
  const inf = informer(`/api/v1/namespaces/${nsName}/configmaps`, () => {
    lists++;
    return c.listNamespacedConfigMap({ namespace: nsName, labelSelector: 'suite=resume' });
  });
  inf.on('connect', () => {
    connects++;
  });
  const seen = record(inf);
  await inf.start();
  t.teardown(() => inf.stop());
  await tgt.eventually(() => connects >= 3, 'the watch ended by the server and reopened twice', 15_000);
  await c.createNamespacedConfigMap({
    namespace: nsName,
    body: { metadata: { name: 'after-end', labels: { suite: 'resume' } } },
  });
  await tgt.eventually(() => seen.length >= 1, 'the object created after the reconnects');
  t.same(summary(seen), ['add:after-end']);
  t.equal(lists, 1, 'resumed from the resourceVersion, never relisted');
}

t.test('client-node ListWatch resumes when the server ends the watch (timeoutSeconds)', async (t) => {
  await resumesAfterServerEnd(
    t,
    target,
    ns,
    (p, list) => new ListWatch<V1ConfigMap>(p, new ShortWatch(target.kc, 1), list, false, 'suite=resume'),
  );
});

const embeddedOnly =
  target.kind === 'embedded'
    ? false
    : 'the server-side watch timeout is an embedded-server option; a real server ends watches after 30-60 minutes';
t.test(
  'makeInformer resumes when the server ends the watch on its own (embedded watchTimeoutMs)',
  { skip: embeddedOnly },
  async (t) => {
    const short = await startTarget({ watchTimeoutMs: 600 });
    t.teardown(() => short.close());
    const shortNs = await short.namespace('informer-short');
    await resumesAfterServerEnd(t, short, shortNs, (p, list) =>
      makeInformer<V1ConfigMap>(short.kc, p, list, 'suite=resume'),
    );
  },
);

t.test('our Informer: ordered events across server-ended watches, one list', async (t) => {
  const inf = new Informer<V1ConfigMap>(target.kc, Resources.ConfigMap, {
    namespace: ns,
    labelSelector: 'suite=ours',
    watchTimeoutSeconds: 1,
    backoffInitialMs: 20,
  });
  const seen: string[] = [];
  inf.on((e, o) => seen.push(`${e}:${o.metadata?.name}:${o.metadata?.resourceVersion}`));
  const pre = await mk('ours-a', { suite: 'ours' });
  await inf.start();
  t.teardown(() => inf.stop());
  await target.eventually(() => inf.stats.watches >= 3, 'two server-ended watches', 15_000);
  const b = await mk('ours-b', { suite: 'ours' });
  const a2 = await core.replaceNamespacedConfigMap({
    name: 'ours-a',
    namespace: ns,
    body: { ...pre, data: { v: '2' } },
  });
  await target.eventually(() => seen.length >= 3, 'events after the reconnects');
  t.same(seen, [
    `add:ours-a:${pre.metadata!.resourceVersion}`,
    `add:ours-b:${b.metadata!.resourceVersion}`,
    `update:ours-a:${a2.metadata!.resourceVersion}`,
  ]);
  t.equal(inf.stats.lists, 1, 'never relisted');
  t.equal(inf.stats.relistsOnGone, 0);
});
