import t from 'tap';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { Informer, type InformerEvent } from '../../src/kube/informer.ts';
import { Resources } from '../../src/kube/resources.ts';
import { startKube, eventually } from '../support/kube.ts';

const ns = 'default';
const cm = (name: string, v = '1'): V1ConfigMap => ({
  metadata: { name, namespace: ns, labels: { app: 'inf' } },
  data: { v },
});

t.test('list then watch: the cache holds existing objects and follows adds, updates and deletes', async (t) => {
  const k = await startKube();
  t.teardown(() => k.close());
  await k.core.createNamespacedConfigMap({ namespace: ns, body: cm('a') });
  const inf = new Informer<V1ConfigMap>(k.kc, Resources.ConfigMap, { namespace: ns, labelSelector: 'app=inf' });
  const seen: string[] = [];
  inf.on((e: InformerEvent, o) => seen.push(`${e}:${o.metadata?.name}`));
  await inf.start();
  t.teardown(() => inf.stop());
  t.ok(inf.hasSynced);
  t.same(
    inf.list().map((o) => o.metadata?.name),
    ['a'],
  );
  await k.core.createNamespacedConfigMap({ namespace: ns, body: cm('b') });
  await k.core.replaceNamespacedConfigMap({ name: 'a', namespace: ns, body: cm('a', '2') });
  await k.core.deleteNamespacedConfigMap({ name: 'b', namespace: ns });
  await eventually(() => seen.length >= 4, 'four events');
  t.same(seen, ['add:a', 'add:b', 'update:a', 'delete:b']);
  t.equal(inf.get(`${ns}/a`)?.data?.['v'], '2');
});

t.test('a cut connection is resumed from the last resourceVersion without a relist', async (t) => {
  const k = await startKube();
  t.teardown(() => k.close());
  const inf = new Informer<V1ConfigMap>(k.kc, Resources.ConfigMap, { namespace: ns, backoffInitialMs: 50 });
  await inf.start();
  t.teardown(() => inf.stop());
  await eventually(() => k.proxy.connections > 0, 'watch connected');
  k.proxy.cut();
  await k.core.createNamespacedConfigMap({ namespace: ns, body: cm('after-cut') });
  await eventually(() => inf.get(`${ns}/after-cut`), 'object created during the cut');
  t.equal(inf.stats.lists, 1, 'resumed by watch, no second list');
  t.ok(inf.stats.watches >= 2, 'a new watch was opened');
});

t.test('410 Gone after missing compacted history: the informer relists and emits the difference', async (t) => {
  const k = await startKube({ historyLimit: 5 });
  t.teardown(() => k.close());
  await k.core.createNamespacedConfigMap({ namespace: ns, body: cm('doomed') });
  const inf = new Informer<V1ConfigMap>(k.kc, Resources.ConfigMap, { namespace: ns, backoffInitialMs: 50 });
  const deletes: string[] = [];
  inf.on((e, o) => {
    if (e === 'delete') deletes.push(o.metadata?.name ?? '');
  });
  await inf.start();
  t.teardown(() => inf.stop());
  await eventually(() => k.proxy.connections > 0, 'watch connected');
  k.proxy.mode = 'refuse';
  k.proxy.cut();
  await k.core.deleteNamespacedConfigMap({ name: 'doomed', namespace: ns });
  for (let i = 0; i < 10; i++) await k.core.createNamespacedConfigMap({ namespace: ns, body: cm(`n${i}`) });
  k.proxy.mode = 'forward';
  await eventually(() => inf.stats.relistsOnGone > 0, 'a 410 relist');
  await eventually(() => inf.list().length === 10, 'the cache matches the server after relist');
  t.same(deletes, ['doomed'], 'the delete missed during the outage is emitted from the relist diff');
  t.equal(inf.get(`${ns}/doomed`), undefined);
});

t.test('a watch that goes silent (connection open, no bytes) is restarted by the watchdog', async (t) => {
  const k = await startKube({ bookmarkIntervalMs: 60_000 });
  t.teardown(() => k.close());
  const inf = new Informer<V1ConfigMap>(k.kc, Resources.ConfigMap, {
    namespace: ns,
    watchdogMs: 800,
    backoffInitialMs: 50,
  });
  await inf.start();
  t.teardown(() => inf.stop());
  await eventually(() => k.proxy.connections > 0, 'watch connected');
  k.proxy.mode = 'stall';
  await k.core.createNamespacedConfigMap({ namespace: ns, body: cm('while-silent') });
  await eventually(() => inf.stats.watchdogRestarts > 0, 'watchdog fired');
  k.proxy.cut();
  k.proxy.mode = 'forward';
  await eventually(() => inf.get(`${ns}/while-silent`), 'the event lost to the silent stream arrives after restart');
  t.pass('recovered');
});
