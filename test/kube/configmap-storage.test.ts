import t from 'tap';
import fc from 'fast-check';
import {
  ConfigMapStorage,
  DuplicateIdentityError,
  StorageStoppedError,
  StorageFullError,
  raftConfigMapName,
} from '../../src/kube/configmap-storage.ts';
import { MemoryStorage } from '../../src/raft/memory-storage.ts';
import { CorruptStorageError } from '../../src/raft/raft-errors.ts';
import type { Storage } from '../../src/raft/storage.ts';
import type { ConfState, Entry } from '../../src/raft/types.ts';
import { startKube } from '../support/kube.ts';

const conf: ConfState = { voters: ['db-0', 'db-1', 'db-2'], learners: [] };
const opts = (ordinal: number, extra = {}) => ({
  namespace: 'default',
  cluster: 'db',
  ordinal,
  bootstrap: conf,
  ...extra,
});
const entry = (index: number, term: number, data: unknown = { n: index }): Entry => ({
  index,
  term,
  type: 'normal',
  data: data as Entry['data'],
});

async function dump(s: Storage) {
  const first = await s.firstIndex();
  const last = await s.lastIndex();
  return {
    hs: (await s.initialState()).hardState,
    snap: await s.snapshot(),
    entries: last >= first ? await s.entries(first, last + 1, Number.MAX_SAFE_INTEGER) : [],
  };
}

t.test(
  'a new node gets its ConfigMap, labelled, with the bootstrap configuration, readable as JSON lines',
  async (t) => {
    const k = await startKube();
    t.teardown(() => k.close());
    const s = await ConfigMapStorage.open(k.kc, opts(0));
    await s.persist({ entries: [entry(1, 1), entry(2, 1)], hardState: { term: 1, vote: 'db-0', commit: 1 } });
    const cm = await k.core.readNamespacedConfigMap({ name: raftConfigMapName('db', 0), namespace: 'default' });
    t.equal(cm.metadata?.labels?.['raft.ryansu.com/cluster'], 'db');
    t.same(JSON.parse(cm.data?.['hardstate.json'] ?? ''), { term: 1, vote: 'db-0', commit: 1 });
    t.same(JSON.parse(cm.data?.['snapshot.json'] ?? '').conf, conf);
    t.same(
      cm.data?.['log.jsonl']
        ?.trim()
        .split('\n')
        .map((l) => JSON.parse(l).index),
      [1, 2],
    );
    const again = await ConfigMapStorage.open(k.kc, opts(0));
    t.same(await dump(again), await dump(s), 'reopening reads back the same state');
  },
);

t.test(
  'ConfigMap storage behaves exactly like the in-memory reference, and survives a reopen (property)',
  async (t) => {
    const k = await startKube();
    t.teardown(() => k.close());
    const seed = Number(process.env['SEED'] ?? Date.now() % 2 ** 31);
    t.comment(`seed=${seed} (replay with SEED=${seed})`);
    type Op =
      | { kind: 'append'; at: number; n: number; term: number }
      | { kind: 'hs'; term: number; commit: number }
      | { kind: 'compact'; at: number }
      | { kind: 'snapshot'; at: number; term: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant('append' as const),
        at: fc.integer({ min: -1, max: 12 }),
        n: fc.integer({ min: 1, max: 4 }),
        term: fc.integer({ min: 1, max: 4 }),
      }),
      fc.record({
        kind: fc.constant('hs' as const),
        term: fc.integer({ min: 0, max: 5 }),
        commit: fc.integer({ min: 0, max: 5 }),
      }),
      fc.record({ kind: fc.constant('compact' as const), at: fc.integer({ min: -1, max: 12 }) }),
      fc.record({
        kind: fc.constant('snapshot' as const),
        at: fc.integer({ min: 0, max: 14 }),
        term: fc.integer({ min: 1, max: 4 }),
      }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 8 }), async (ops) => {
        const ordinal = run++;
        const ref = new MemoryStorage(conf);
        const cms = await ConfigMapStorage.open(k.kc, opts(ordinal));
        for (const o of ops) {
          const last = await ref.lastIndex();
          const apply = async (s: Storage) => {
            try {
              switch (o.kind) {
                case 'append': {
                  const from = last + o.at - 2 + 1;
                  await s.append(Array.from({ length: o.n }, (_, i) => entry(from + i, o.term)));
                  break;
                }
                case 'hs':
                  await s.setHardState({ term: o.term, vote: null, commit: Math.min(o.commit, last) });
                  break;
                case 'compact':
                  await s.compact({ index: last - o.at, term: 1, conf, data: { at: last - o.at } });
                  break;
                case 'snapshot':
                  await s.applySnapshot({ index: o.at, term: o.term, conf, data: null });
                  break;
              }
              return 'ok';
            } catch (err) {
              return (err as Error).constructor.name;
            }
          };
          const a = await apply(ref);
          if (a !== 'ok') continue; // a refused op stops a ConfigMap storage by contract; skip it on both
          const b = await apply(cms);
          if (b !== 'ok')
            throw new Error(`${JSON.stringify(o)}: the reference accepted it, ConfigMap storage said ${b}`);
        }
        const reopened = await ConfigMapStorage.open(k.kc, opts(ordinal));
        const want = await dump(ref);
        return (
          JSON.stringify(await dump(cms)) === JSON.stringify(want) &&
          JSON.stringify(await dump(reopened)) === JSON.stringify(want)
        );
      }),
      { seed, numRuns: 40 },
    );
    t.pass('40 random operation sequences agreed with the reference, before and after reopening');
  },
);

t.test(
  'a 409 that the ConfigMap shows is not ours means a duplicate identity: the node stops and writes nothing more',
  async (t) => {
    const k = await startKube();
    t.teardown(() => k.close());
    const mine = await ConfigMapStorage.open(k.kc, opts(1));
    const impostor = await ConfigMapStorage.open(k.kc, opts(1));
    await impostor.persist({ hardState: { term: 7, vote: 'db-2', commit: 0 } });
    await t.rejects(mine.persist({ hardState: { term: 2, vote: 'db-1', commit: 0 } }), DuplicateIdentityError);
    await t.rejects(mine.append([entry(1, 2)]), StorageStoppedError, 'stopped for good');
    const cm = await k.core.readNamespacedConfigMap({ name: raftConfigMapName('db', 1), namespace: 'default' });
    t.same(
      JSON.parse(cm.data?.['hardstate.json'] ?? ''),
      { term: 7, vote: 'db-2', commit: 0 },
      "the other writer's state is intact",
    );
  },
);

t.test('a write whose answer is lost is resolved by a fresh read, not assumed lost', async (t) => {
  const k = await startKube({ tls: false });
  t.teardown(() => k.close());
  const s = await ConfigMapStorage.open(k.kc, opts(2, { writeTimeoutMs: 700 }));
  k.proxy.muteReplyTo('PUT /api/v1/namespaces/default/configmaps/db-raft-2');
  await s.persist({ entries: [entry(1, 1)], hardState: { term: 1, vote: 'db-2', commit: 0 } });
  t.equal(s.stats.resolvedByRead, 1, 'resolved by reading the ConfigMap back');
  const cm = await k.core.readNamespacedConfigMap({ name: raftConfigMapName('db', 2), namespace: 'default' });
  t.same(JSON.parse(cm.data?.['hardstate.json'] ?? ''), { term: 1, vote: 'db-2', commit: 0 });
  await s.persist({ hardState: { term: 2, vote: 'db-2', commit: 1 } });
  t.pass('the next write carries the right resourceVersion (no false duplicate-identity stop)');
});

t.test('a damaged ConfigMap is refused with the key that is wrong', async (t) => {
  const k = await startKube();
  t.teardown(() => k.close());
  await ConfigMapStorage.open(k.kc, opts(3));
  const name = raftConfigMapName('db', 3);
  const cm = await k.core.readNamespacedConfigMap({ name, namespace: 'default' });
  await k.core.replaceNamespacedConfigMap({
    name,
    namespace: 'default',
    body: { ...cm, data: { ...cm.data, 'log.jsonl': '{"index":5,"term":1,"type":"normal","data":null}\n' } },
  });
  await t.rejects(
    ConfigMapStorage.open(k.kc, opts(3)),
    new CorruptStorageError('configmap db-raft-3: log.jsonl line 1 has index 5, expected 1'),
  );
  await k.core.replaceNamespacedConfigMap({
    name,
    namespace: 'default',
    body: {
      ...cm,
      metadata: { ...cm.metadata, resourceVersion: undefined },
      data: { ...cm.data, 'hardstate.json': '{' },
    },
  });
  await t.rejects(ConfigMapStorage.open(k.kc, opts(3)), /hardstate.json is not valid JSON/);
});

t.test('a log that would outgrow a ConfigMap is refused before it is sent, asking for compaction', async (t) => {
  const k = await startKube();
  t.teardown(() => k.close());
  const s = await ConfigMapStorage.open(k.kc, opts(4));
  const big = 'x'.repeat(100 * 1024);
  await t.rejects(s.append(Array.from({ length: 10 }, (_, i) => entry(i + 1, 1, big))), StorageFullError);
  const cm = await k.core.readNamespacedConfigMap({ name: raftConfigMapName('db', 4), namespace: 'default' });
  t.equal(cm.data?.['log.jsonl'], '', 'nothing of the oversized write reached the server');
});
