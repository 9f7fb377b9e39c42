// The Storage contract (MemoryStorage, the reference implementation), restart from storage,
// log compaction and InstallSnapshot (Figure 13 / thesis chapter 5).
import t from 'tap';
import { MemoryStorage, MemoryStorageStoppedError } from '../../src/raft/memory-storage.ts';
import { RawNode } from '../../src/raft/rawnode.ts';
import {
  CompactedError,
  CorruptStorageError,
  SnapshotOutOfDateError,
  UnavailableError,
  UsageError,
  ConfigError,
} from '../../src/raft/raft-errors.ts';
import { Net, baseConfig } from '../support/raft/net.ts';
import type { Entry } from '../../src/raft/types.ts';

const conf = { voters: ['a', 'b', 'c'], learners: [] };
const e = (index: number, term: number): Entry => ({ index, term, type: 'normal', data: `${term}.${index}` });

t.test('Storage contract: a fresh storage', async (t) => {
  const s = new MemoryStorage(conf);
  t.same(await s.initialState(), { hardState: { term: 0, vote: null, commit: 0 } });
  t.equal(await s.firstIndex(), 1);
  t.equal(await s.lastIndex(), 0);
  t.equal(await s.term(0), 0);
  t.same((await s.snapshot()).conf, conf, 'the bootstrap snapshot holds the initial configuration');
});

t.test('Storage contract: append overwrites a suffix; gaps and compacted indexes are errors', async (t) => {
  const s = new MemoryStorage(conf);
  await s.append([e(1, 1), e(2, 1), e(3, 1)]);
  await s.append([e(2, 2)]);
  t.same(await s.entries(1, 3, Infinity), [e(1, 1), e(2, 2)]);
  t.equal(await s.lastIndex(), 2);
  await t.rejects(s.append([e(4, 2)]), UnavailableError);
  await s.compact({ index: 1, term: 1, conf, data: 'sm' });
  await t.rejects(s.append([e(1, 3)]), CompactedError);
  await t.rejects(s.entries(1, 2, Infinity), CompactedError);
  await t.rejects(s.entries(2, 4, Infinity), UnavailableError);
  await t.rejects(s.term(0), CompactedError);
  t.equal(await s.term(1), 1, 'the snapshot index answers with the snapshot term');
  await t.rejects(s.term(3), UnavailableError);
});

t.test('Storage contract: entries honours maxSize but returns at least one entry', async (t) => {
  const s = new MemoryStorage(conf);
  await s.append([e(1, 1), e(2, 1), e(3, 1)]);
  t.equal((await s.entries(1, 4, 1)).length, 1);
  t.equal((await s.entries(1, 4, Infinity)).length, 3);
});

t.test('Storage contract: compact and applySnapshot', async (t) => {
  const s = new MemoryStorage(conf);
  await s.append([e(1, 1), e(2, 1), e(3, 1)]);
  await s.compact({ index: 2, term: 1, conf, data: 'x' });
  t.equal(await s.firstIndex(), 3);
  t.same(await s.entries(3, 4, Infinity), [e(3, 1)], 'later entries are kept');
  await t.rejects(s.compact({ index: 2, term: 1, conf, data: 'x' }), SnapshotOutOfDateError);
  await t.rejects(s.compact({ index: 9, term: 1, conf, data: 'x' }), UnavailableError);
  await s.applySnapshot({ index: 3, term: 1, conf, data: 'y' });
  t.equal(await s.lastIndex(), 3, 'nothing follows a snapshot at the last index');
  await s.append([e(4, 1), e(5, 1)]);
  await s.applySnapshot({ index: 4, term: 1, conf, data: 'z' });
  t.same(await s.entries(5, 6, Infinity), [e(5, 1)], 'entries after a matching snapshot index survive');
  await s.applySnapshot({ index: 9, term: 3, conf, data: 'w' });
  t.equal(await s.lastIndex(), 9);
  t.equal(await s.firstIndex(), 10);
  await t.rejects(s.applySnapshot({ index: 9, term: 3, conf, data: 'w' }), SnapshotOutOfDateError);
});

t.test('restart from storage restores term, vote, commit, log and configuration', async (t) => {
  const net = await Net.create(['a', 'b', 'c']);
  await net.elect('a');
  for (let i = 0; i < 5; i++) net.get('a').node.propose(i);
  await net.settle();
  const before = net.get('b').node.status();
  const log = net.get('b').node.logEntries();
  const b = (await net.restart('b')).node;
  const after = b.status();
  t.same({ ...after, role: before.role, lead: before.lead, applied: before.applied }, before);
  t.equal(after.lead, null, 'volatile state is gone');
  t.same(b.logEntries(), log);
  const rd = b.ready();
  t.same(
    rd.committedEntries.map((x) => x.index),
    log.map((x) => x.index),
    'committed entries are re-applied from the snapshot on',
  );
});

t.test('restart honours Config.applied', async (t) => {
  const s = new MemoryStorage(conf);
  await s.append([e(1, 1), e(2, 1), e(3, 1)]);
  await s.setHardState({ term: 1, vote: 'a', commit: 3 });
  const n = await RawNode.start(s, baseConfig('b', { now: 0 }, { applied: 2 }));
  t.same(
    n.ready().committedEntries.map((x) => x.index),
    [3],
  );
});

t.test('restart refuses corrupt storage', async (t) => {
  const s = new MemoryStorage(conf);
  await s.append([e(1, 1)]);
  await s.setHardState({ term: 1, vote: null, commit: 5 });
  await t.rejects(RawNode.start(s, baseConfig('b', { now: 0 })), CorruptStorageError);
});

t.test('config errors name the field and what is allowed', async (t) => {
  const s = new MemoryStorage(conf);
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ electionTick: 1 }, /electionTick=1 must be an integer >= 2/],
    [{ heartbeatTick: 10 }, /heartbeatTick=10 must be < electionTick=10/],
    [{ maxInflight: 0 }, /maxInflight=0/],
    [{ tickMs: Number.NaN }, /tickMs=NaN/],
    [{ leaseDriftMs: 900 }, /leaseDriftMs=900 must be >= 0 and < \(electionTick-1\)\*tickMs=900/],
    [{ id: '' }, /id=""/],
  ];
  for (const [over, re] of bad) {
    await t.rejects(RawNode.start(s, { ...baseConfig('b', { now: 0 }), ...over }), ConfigError);
    await t.rejects(RawNode.start(s, { ...baseConfig('b', { now: 0 }), ...over }), re);
  }
});

t.test(
  'compaction: compact() hands a snapshot to Storage.compact through Ready and drops the log prefix',
  async (t) => {
    const net = await Net.create(['a', 'b', 'c']);
    await net.elect('a');
    for (let i = 0; i < 6; i++) net.get('a').node.propose(i);
    await net.settle();
    const a = net.get('a');
    t.throws(() => a.node.compact(99, null), UsageError, 'beyond applied');
    const snap = a.node.compact(5, { state: 'at5' });
    t.same(snap, { index: 5, term: 1, conf, data: { state: 'at5' } });
    t.equal(a.node.status().firstIndex, 6);
    const rd = a.node.ready();
    t.same(rd.compaction, snap);
    await a.storage.compact(rd.compaction!);
    a.node.advance();
    t.equal(await a.storage.firstIndex(), 6);
    t.throws(() => a.node.compact(5, null), UsageError, 'not beyond the snapshot');
  },
);

t.test(
  "InstallSnapshot: a follower behind the leader's compacted log receives the snapshot, then entries",
  async (t) => {
    const net = await Net.create(['a', 'b', 'c']);
    await net.elect('a');
    net.isolate('c');
    for (let i = 0; i < 10; i++) net.get('a').node.propose(i);
    await net.settle();
    const a = net.get('a');
    a.node.compact(a.node.status().applied, { upTo: a.node.status().applied });
    await net.settle();
    net.get('a').node.propose('after');
    await net.settle();
    net.heal();
    await net.tick(1, ['a']);
    const c = net.get('c');
    t.ok(
      net.delivered.some((m) => m.type === 'snap' && m.to === 'c'),
      'a snapshot was sent',
    );
    const snap = await c.storage.snapshot();
    t.equal(snap.index, 11);
    t.same(snap.data, { upTo: 11 });
    t.same(
      c.node.logEntries().map((x) => x.data),
      ['after'],
    );
    t.equal(c.node.status().commit, a.node.status().commit);
    const b = await net.restart('c');
    t.equal(b.node.status().firstIndex, 12, 'the installed snapshot survives a restart');
  },
);

t.test('ready()/advance() misuse is a UsageError', async (t) => {
  const n = await RawNode.start(new MemoryStorage(conf), baseConfig('a', { now: 0 }));
  t.throws(() => n.advance(), UsageError);
  n.ready();
  t.throws(() => n.ready(), UsageError);
});

t.test('Storage contract: persist applies a Ready in order, and a rejected persist stops the storage', async (t) => {
  const s = new MemoryStorage(conf);
  await s.persist({
    entries: [e(1, 1), e(2, 1), e(3, 1)],
    hardState: { term: 1, vote: 'a', commit: 3 },
    compaction: { index: 2, term: 1, conf, data: 'at2' },
  });
  t.same((await s.initialState()).hardState, { term: 1, vote: 'a', commit: 3 }, 'hard state after the entries');
  t.equal(await s.firstIndex(), 3, 'compaction last: it may cover entries of the same batch');
  await s.persist({ snapshot: { index: 5, term: 2, conf, data: 'snap' }, entries: [e(6, 2)] });
  t.equal(await s.lastIndex(), 6, 'snapshot first, then the entries that follow it');
  await t.rejects(s.persist({ entries: [e(9, 2)] }), UnavailableError, 'a gap is refused');
  await t.rejects(s.lastIndex(), MemoryStorageStoppedError, 'and the storage answers nothing more');
  await t.rejects(s.persist({ hardState: { term: 3, vote: null, commit: 6 } }), MemoryStorageStoppedError);
});
