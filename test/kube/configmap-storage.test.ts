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
import { RawNode } from '../../src/raft/rawnode.ts';
import { CorruptStorageError } from '../../src/raft/raft-errors.ts';
import type { PersistBatch, StorageReader } from '../../src/raft/storage.ts';
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

async function dump(s: StorageReader) {
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
        let ref = new MemoryStorage(conf);
        const cms = await ConfigMapStorage.open(k.kc, opts(ordinal));
        for (const o of ops) {
          const last = await ref.lastIndex();
          const batch = ((): PersistBatch => {
            switch (o.kind) {
              case 'append': {
                const from = last + o.at - 2 + 1;
                return { entries: Array.from({ length: o.n }, (_, i) => entry(from + i, o.term)) };
              }
              case 'hs':
                return { hardState: { term: o.term, vote: null, commit: Math.min(o.commit, last) } };
              case 'compact':
                return { compaction: { index: last - o.at, term: 1, conf, data: { at: last - o.at } } };
              case 'snapshot':
                return { snapshot: { index: o.at, term: o.term, conf, data: null } };
            }
          })();
          // A refused batch stops a storage by contract: try it on a copy of the reference first.
          const trial = ref.copy();
          try {
            await trial.persist(batch);
          } catch {
            continue;
          }
          ref = trial;
          try {
            await cms.persist(batch);
          } catch (err) {
            throw new Error(
              `${JSON.stringify(o)}: the reference accepted it, ConfigMap storage said ${(err as Error).constructor.name}`,
            );
          }
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
    await t.rejects(mine.persist({ entries: [entry(1, 2)] }), StorageStoppedError, 'stopped for good');
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
  // The muted PUT costs one writeTimeout; the read back that resolves it must fit in one too, on a loaded
  // machine as well (a read that times out would be retried as a write, and resolvedByRead would stay 0).
  const s = await ConfigMapStorage.open(k.kc, opts(2, { writeTimeoutMs: 3000 }));
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
  await t.rejects(s.persist({ entries: Array.from({ length: 10 }, (_, i) => entry(i + 1, 1, big)) }), StorageFullError);
  const cm = await k.core.readNamespacedConfigMap({ name: raftConfigMapName('db', 4), namespace: 'default' });
  t.equal(cm.data?.['log.jsonl'], '', 'nothing of the oversized write reached the server');
});

t.test(
  'a write that may not have landed stops the storage: every call fails, and a restart reads only what is stored',
  async (t) => {
    const k = await startKube({ tls: false });
    t.teardown(() => k.close());
    const s = await ConfigMapStorage.open(k.kc, opts(5, { writeTimeoutMs: 300 }));
    await s.persist({ hardState: { term: 4, vote: null, commit: 0 } });
    // The API server becomes unreachable while db-5 persists a vote for db-0 in term 5.
    k.proxy.mode = 'refuse';
    k.proxy.cut();
    await t.rejects(s.persist({ hardState: { term: 5, vote: 'db-0', commit: 0 } }), 'the write is not confirmed');
    // Before the fix, initialState() answered {term: 5, vote: 'db-0'} from memory: a node restarted from
    // this object would hold a vote the ConfigMap never got, and after a real restart could vote again.
    await t.rejects(s.initialState(), StorageStoppedError, 'initialState refuses');
    await t.rejects(s.snapshot(), StorageStoppedError, 'snapshot refuses');
    await t.rejects(s.lastIndex(), StorageStoppedError, 'lastIndex refuses');
    await t.rejects(s.firstIndex(), StorageStoppedError, 'firstIndex refuses');
    await t.rejects(s.term(0), StorageStoppedError, 'term refuses');
    await t.rejects(s.entries(1, 1, 1), StorageStoppedError, 'entries refuses');
    await t.rejects(s.persist({ hardState: { term: 6, vote: 'db-2', commit: 0 } }), StorageStoppedError);
    await t.rejects(
      RawNode.start(s, {
        id: 'db-5',
        electionTick: 10,
        heartbeatTick: 2,
        maxBatchEntries: 8,
        maxInflight: 4,
        preVote: true,
        checkQuorum: true,
        tickMs: 100,
        leaseDriftMs: 50,
        now: () => 0,
        random: () => 0.5,
      }),
      StorageStoppedError,
      'a node cannot be restarted from the stopped object',
    );
    k.proxy.mode = 'forward';
    const fresh = await ConfigMapStorage.open(k.kc, opts(5));
    t.same(
      (await fresh.initialState()).hardState,
      { term: 4, vote: null, commit: 0 },
      'the restart sees what is really stored: no vote in term 5',
    );
  },
);
