// Raft storage on the embedded API server: persisted appends per second (batched as one Ready is),
// hard-state write latency, informer event latency. Last line: one JSON object.
import type { V1ConfigMap } from '@kubernetes/client-node';
import { ConfigMapStorage } from '../src/kube/configmap-storage.ts';
import { Informer } from '../src/kube/informer.ts';
import { Resources } from '../src/kube/resources.ts';
import type { Entry } from '../src/raft/types.ts';
import { startKube } from '../test/support/kube.ts';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const round = (x: number) => Math.round(x * 100) / 100;

const k = await startKube();
try {
  const conf = { voters: ['b-0', 'b-1', 'b-2'], learners: [] };
  const s = await ConfigMapStorage.open(k.kc, { namespace: 'default', cluster: 'bench', ordinal: 0, bootstrap: conf });
  const batch = 100;
  const batches = 40;
  let index = 0;
  let t0 = performance.now();
  for (let b = 0; b < batches; b++) {
    const entries: Entry[] = Array.from({ length: batch }, () => ({
      index: ++index,
      term: 1,
      type: 'normal',
      data: { primary: 'b-0', term: 1 },
    }));
    await s.persist({ entries, hardState: { term: 1, vote: 'b-0', commit: index } });
    if (s.sizeBytes > 256 * 1024) await s.persist({ compaction: { index, term: 1, conf, data: { primary: 'b-0' } } });
  }
  const appendsPerS = (batch * batches) / ((performance.now() - t0) / 1000);

  const hs: number[] = [];
  for (let i = 0; i < 200; i++) {
    t0 = performance.now();
    await s.persist({ hardState: { term: 2 + i, vote: 'b-1', commit: index } });
    hs.push(performance.now() - t0);
  }

  const inf = new Informer<V1ConfigMap>(k.kc, Resources.ConfigMap, {
    namespace: 'default',
    labelSelector: 'bench=informer',
  });
  const created = new Map<string, number>();
  const lat: number[] = [];
  inf.on((e, o) => {
    const at = created.get(o.metadata?.name ?? '');
    if (e === 'add' && at !== undefined) lat.push(performance.now() - at);
  });
  await inf.start();
  for (let i = 0; i < 200; i++) {
    const name = `inf-${i}`;
    created.set(name, performance.now());
    await k.core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name, labels: { bench: 'informer' } } },
    });
  }
  while (lat.length < 200) await new Promise((r) => setTimeout(r, 10));
  await inf.stop();

  const out = {
    appends_per_s: Math.round(appendsPerS),
    hardstate_p50_ms: round(pct(hs, 50)),
    hardstate_p99_ms: round(pct(hs, 99)),
    informer_p50_ms: round(pct(lat, 50)),
  };
  console.log(`batch=${batch} entries per write, ${batches} writes; 200 hard-state writes; 200 informer events`);
  console.log(JSON.stringify(out));
} finally {
  await k.close();
}
