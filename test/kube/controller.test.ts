import t from 'tap';
import type { KubernetesObject } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { Controller, type ReconcilerPlugin } from '../../src/kube/controller.ts';
import { InformerFactory } from '../../src/kube/informer-factory.ts';
import { ControllerMetrics } from '../../src/kube/metrics.ts';
import { Resources } from '../../src/kube/resources.ts';
import { startKube, eventually } from '../support/kube.ts';

const ns = 'default';

t.test(
  'a plugin reconciles owned objects by key, is re-run for watched kinds, retries errors with backoff and honours requeueAfter',
  async (t) => {
    const k = await startKube();
    t.teardown(() => k.close());
    const calls: string[] = [];
    const inFlight = new Map<string, number>();
    let maxInFlight = 0;
    let failuresLeft = 2;
    let requeues = 1;
    const plugin: ReconcilerPlugin = {
      name: 'test-plugin',
      owns: Resources.ConfigMap,
      watches: [
        { resource: Resources.Secret, toKeys: (o: KubernetesObject) => [`${ns}/${o.metadata?.labels?.['for'] ?? ''}`] },
      ],
      async reconcile(key) {
        inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
        maxInFlight = Math.max(maxInFlight, inFlight.get(key)!);
        try {
          calls.push(key);
          await new Promise((r) => setTimeout(r, 20));
          if (key.endsWith('/flaky') && failuresLeft-- > 0) throw new Error('transient');
          if (key.endsWith('/poll') && requeues-- > 0) return { requeueAfterMs: 150 };
          return undefined;
        } finally {
          inFlight.set(key, inFlight.get(key)! - 1);
        }
      },
    };
    const registry = new Registry();
    const c = new Controller(k.kc, plugin, {
      namespace: ns,
      workers: 3,
      metrics: new ControllerMetrics(registry),
      rateLimiter: { baseDelayMs: 20, maxDelayMs: 200, qps: 100, burst: 100 },
    });
    await c.start();
    t.teardown(() => c.stop());
    for (const name of ['a', 'flaky', 'poll'])
      await k.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name } } });
    for (let i = 0; i < 10; i++) {
      await k.core.replaceNamespacedConfigMap({
        name: 'a',
        namespace: ns,
        body: { metadata: { name: 'a' }, data: { i: String(i) } },
      });
    }
    await eventually(() => calls.filter((c) => c === `${ns}/flaky`).length === 3, 'flaky retried until success');
    await eventually(() => calls.filter((c) => c === `${ns}/poll`).length === 2, 'poll requeued once after 150 ms');
    const before = calls.filter((c) => c === `${ns}/a`).length;
    await k.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 's', labels: { for: 'a' } } } });
    await eventually(
      () => calls.filter((c) => c === `${ns}/a`).length > before,
      'a watched Secret maps to its owner key',
    );
    t.equal(maxInFlight, 1, 'never two reconciles of one key at once');
    const metrics = await registry.getMetricsAsJSON();
    const errors = metrics.find((m) => m.name === 'controller_runtime_reconcile_errors_total');
    t.equal(errors?.values[0]?.value, 2, 'errors are counted');
  },
);

t.test('a burst of updates while a key is being reconciled yields exactly one more reconcile', async (t) => {
  // Deterministic: the first reconcile is held at a barrier until the informer has delivered every
  // update of the burst, so the queue's merging is checked without depending on the machine's speed.
  const k = await startKube();
  t.teardown(() => k.close());
  const factory = new InformerFactory(k.kc);
  t.teardown(() => factory.stop());
  const calls: string[] = [];
  let release!: () => void;
  const barrier = new Promise<void>((r) => (release = r));
  let finished = 0;
  const plugin: ReconcilerPlugin = {
    name: 'burst',
    owns: Resources.ConfigMap,
    async reconcile(key) {
      calls.push(key);
      if (calls.length === 1) await barrier;
      finished++;
    },
  };
  const c = new Controller(k.kc, plugin, { namespace: ns, workers: 2, informers: factory });
  await factory.start();
  await c.start();
  t.teardown(() => c.stop());
  await k.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'burst' } } });
  await eventually(() => calls.length === 1, 'the first reconcile started and is held');
  for (let i = 0; i < 10; i++) {
    await k.core.replaceNamespacedConfigMap({
      name: 'burst',
      namespace: ns,
      body: { metadata: { name: 'burst' }, data: { i: String(i) } },
    });
  }
  const cache = factory.informerFor(Resources.ConfigMap, { namespace: ns });
  // The cache is updated before handlers run, in event order: i=9 cached means every update was queued.
  await eventually(
    () => (cache.get(`${ns}/burst`) as { data?: Record<string, string> } | undefined)?.data?.['i'] === '9',
    'the informer delivered the whole burst',
  );
  t.equal(calls.length, 1, 'no second reconcile of a key while the first runs');
  release();
  await eventually(() => finished === 2, 'the merged burst is reconciled once more');
  t.same(calls, [`${ns}/burst`, `${ns}/burst`], 'ten updates during one reconcile merged into one more');
});

t.test(
  'controllers on one InformerFactory share one list and watch per kind; a late subscriber gets the cache replayed',
  async (t) => {
    const k = await startKube();
    t.teardown(() => k.close());
    await k.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'shared-1' } } });
    const factory = new InformerFactory(k.kc);
    t.teardown(() => factory.stop());
    const seen = { one: new Set<string>(), two: new Set<string>() };
    const plugin = (name: 'one' | 'two'): ReconcilerPlugin => ({
      name,
      owns: Resources.ConfigMap,
      watches: [{ resource: Resources.Secret }],
      async reconcile(key) {
        seen[name].add(key);
      },
    });
    const one = new Controller(k.kc, plugin('one'), { namespace: ns, informers: factory });
    await factory.start();
    await one.start();
    t.teardown(() => one.stop());
    // Made after the informers listed: it must still learn about shared-1 without any new event.
    const two = new Controller(k.kc, plugin('two'), { namespace: ns, informers: factory });
    await two.start();
    t.teardown(() => two.stop());
    t.equal(factory.size, 2, 'one informer for ConfigMaps and one for Secrets, not one per controller');
    await eventually(
      () => seen.one.has(`${ns}/shared-1`) && seen.two.has(`${ns}/shared-1`),
      'both reconcile the existing object',
    );
    await k.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'shared-2' } } });
    await eventually(() => seen.one.has(`${ns}/shared-2`) && seen.two.has(`${ns}/shared-2`), 'both see a new object');
    const cms = factory.informerFor(Resources.ConfigMap, { namespace: ns });
    t.equal(cms.stats.lists, 1, 'the ConfigMaps were listed once for both controllers');
    t.equal(cms.stats.watches, 1, 'and watched over one stream');
    await two.stop();
    const before = seen.two.size;
    await k.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'shared-3' } } });
    await eventually(() => seen.one.has(`${ns}/shared-3`), 'the running controller still gets events');
    t.equal(seen.two.size, before, 'a stopped controller is unsubscribed and reconciles nothing more');
    t.ok(cms.hasSynced, 'stopping one controller leaves the shared informer running');
  },
);
