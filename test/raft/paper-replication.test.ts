// Paper tests for log replication and safety: Figure 2 (AppendEntries, leader rules) and 5.3-5.4.
import t from 'tap';
import { Net, baseConfig } from '../support/raft/net.ts';
import { RawNode } from '../../src/raft/rawnode.ts';
import { MemoryStorage } from '../../src/raft/memory-storage.ts';
import type { Entry } from '../../src/raft/types.ts';

const ids = ['a', 'b', 'c'];
const e = (index: number, term: number, data: string | null = `${term}.${index}`): Entry => ({
  index,
  term,
  type: 'normal',
  data,
});

async function follower(entries: Entry[], term: number) {
  const storage = new MemoryStorage({ voters: ids, learners: [] });
  await storage.append(entries);
  await storage.setHardState({ term, vote: null, commit: 0 });
  const node = await RawNode.start(storage, baseConfig('b', { now: 0 }));
  return { node, storage };
}

t.test('5.4.2 / thesis 3.6.2: a new leader appends a no-op entry of its term', async (t) => {
  const net = await Net.create(ids);
  await net.elect('a');
  const log = net.get('a').node.logEntries();
  t.same(
    log.map((x) => [x.index, x.term, x.type]),
    [[1, 1, 'noop']],
  );
  t.equal(net.get('a').node.status().commit, 1, 'committed once a majority holds it');
});

t.test(
  '5.3 "the leader appends the command to its log ... issues AppendEntries ... when replicated it is committed and applied"',
  async (t) => {
    const net = await Net.create(ids);
    await net.elect('a');
    const r = net.get('a').node.propose({ op: 'set', v: 1 });
    t.ok(r.ok);
    await net.settle();
    for (const id of ids) {
      const applied = net.get(id).applied.filter((x) => x.type === 'normal');
      t.same(
        applied.map((x) => x.data),
        [{ op: 'set', v: 1 }],
        `${id} applied it`,
      );
    }
  },
);

t.test('5.3 a proposal to a follower is refused with the leader hint', async (t) => {
  const net = await Net.create(ids);
  await net.elect('a');
  const r = net.get('b').node.propose('x');
  t.same(r, { ok: false, reason: 'not-leader', detail: 'b is follower', leader: 'a' });
});

t.test('5.3 leader commits only with a majority: an isolated leader does not commit', async (t) => {
  const net = await Net.create(ids);
  await net.elect('a');
  net.isolate('a');
  net.get('a').node.propose('lonely');
  await net.settle();
  t.equal(net.get('a').node.status().commit, 1);
  t.equal(net.get('a').node.status().lastIndex, 2);
  net.heal();
  await net.tick(1, ['a']);
  t.equal(net.get('a').node.status().commit, 2, 'commits once the followers are reachable');
});

t.test(
  'Figure 2 AppendEntries: "Reply false if log doesn\'t contain an entry at prevLogIndex whose term matches prevLogTerm"',
  async (t) => {
    const { node } = await follower([e(1, 1), e(2, 1)], 2);
    node.step({ type: 'app', from: 'a', to: 'b', term: 2, index: 2, logTerm: 2, entries: [e(3, 2)], commit: 0 });
    const m = node.ready().messages[0];
    t.same(m, { type: 'appResp', from: 'b', to: 'a', term: 2, index: 2, reject: true, hint: 2 });
    t.equal(node.status().lastIndex, 2, 'nothing appended');
  },
);

t.test(
  'Figure 2 AppendEntries: "If an existing entry conflicts with a new one, delete the existing entry and all that follow"',
  async (t) => {
    const { node, storage } = await follower([e(1, 1), e(2, 1), e(3, 1)], 2);
    node.step({ type: 'app', from: 'a', to: 'b', term: 2, index: 1, logTerm: 1, entries: [e(2, 2)], commit: 0 });
    const rd = node.ready();
    t.same(rd.entries, [e(2, 2)], 'the replacement is handed out to persist');
    await storage.append(rd.entries);
    node.advance();
    t.same(node.logEntries(), [e(1, 1), e(2, 2)]);
    t.equal(await storage.lastIndex(), 2, 'storage truncated the conflicting suffix');
  },
);

t.test(
  'Figure 2 AppendEntries: "Append any new entries not already in the log" (duplicates are idempotent)',
  async (t) => {
    const { node } = await follower([e(1, 1), e(2, 1)], 1);
    node.step({ type: 'app', from: 'a', to: 'b', term: 1, index: 0, logTerm: 0, entries: [e(1, 1)], commit: 0 });
    t.same(node.logEntries(), [e(1, 1), e(2, 1)], 'an old, shorter append does not truncate');
  },
);

t.test(
  'Figure 2 AppendEntries: "If leaderCommit > commitIndex, set commitIndex = min(leaderCommit, index of last new entry)"',
  async (t) => {
    const { node } = await follower([], 1);
    node.step({
      type: 'app',
      from: 'a',
      to: 'b',
      term: 1,
      index: 0,
      logTerm: 0,
      entries: [e(1, 1), e(2, 1)],
      commit: 5,
    });
    t.equal(node.status().commit, 2);
    const rd = node.ready();
    t.same(
      rd.committedEntries.map((x) => x.index),
      [1, 2],
    );
    t.same(
      rd.entries.map((x) => x.index),
      [1, 2],
      'entries to apply are also in the same Ready to persist first',
    );
  },
);

t.test(
  "5.3 the leader decrements nextIndex after a rejection and brings a divergent follower's log in line",
  async (t) => {
    const net = await Net.create(ids);
    await net.elect('a');
    net.isolate('c');
    for (let i = 0; i < 5; i++) net.get('a').node.propose(`v${i}`);
    await net.settle();
    // c is behind by 5 entries; on heal it is repaired by probing.
    net.heal();
    await net.tick(2, ['a']);
    const a = net.get('a').node.logEntries();
    t.same(net.get('c').node.logEntries(), a);
    t.equal(net.get('c').node.status().commit, net.get('a').node.status().commit);
  },
);

t.test('5.4.2 Figure 8: a leader does not commit an entry from a previous term by counting replicas', async (t) => {
  // s1 (leader term 2) holds an entry of term 2 at index 2 that it replicated to s2 only; then s1 is
  // elected again in term 4 with s3 which lacks it: the old entry must not be committed until an
  // entry of term 4 is replicated on a majority.
  const storage = (ents: Entry[], term: number) => {
    const s = new MemoryStorage({ voters: ids, learners: [] });
    void s.append(ents);
    void s.setHardState({ term, vote: null, commit: 1 });
    return s;
  };
  const net = new Net();
  await net.add('a', storage([e(1, 1), e(2, 2)], 3));
  await net.add('b', storage([e(1, 1), e(2, 2)], 3));
  await net.add('c', storage([e(1, 1)], 3));
  net.cut.add('a>b');
  net.cut.add('b>a');
  net.hold('c');
  await net.elect('a');
  t.equal(net.get('a').node.status().role, 'candidate');
  net.release('c');
  await net.settle();
  // a is leader in term 4 with votes from c; a's noop (index 3, term 4) may only be held by a and c.
  t.equal(net.get('a').node.status().role, 'leader');
  t.equal(net.get('a').node.status().term, 4);
  const log = net.get('a').node.logEntries();
  t.same(
    log.map((x) => [x.index, x.term]),
    [
      [1, 1],
      [2, 2],
      [3, 4],
    ],
  );
  t.equal(net.get('a').node.status().commit, 3, 'index 2 commits only together with the term-4 no-op');
});

t.test('5.4.2 counting replicas of an old-term entry alone never commits it', async (t) => {
  const s = new MemoryStorage({ voters: ids, learners: [] });
  await s.append([e(1, 1), e(2, 2)]);
  await s.setHardState({ term: 3, vote: null, commit: 1 });
  const node = await RawNode.start(s, baseConfig('a', { now: 0 }, { random: () => 0 }));
  for (let i = 0; i < 10; i++) node.tick();
  node.step({ type: 'voteResp', from: 'b', to: 'a', term: 4, reject: false });
  t.equal(node.status().role, 'leader');
  let rd = node.ready();
  await s.append(rd.entries);
  node.advance();
  // b acknowledges index 2 only (not the no-op at 3): a majority holds index 2, but it is term 2.
  node.step({ type: 'appResp', from: 'b', to: 'a', term: 4, index: 2, reject: false, hint: 0 });
  t.equal(node.status().commit, 1);
  node.step({ type: 'appResp', from: 'b', to: 'a', term: 4, index: 3, reject: false, hint: 0 });
  t.equal(node.status().commit, 3);
  rd = node.ready();
  t.same(
    rd.committedEntries.map((x) => x.index),
    [2, 3],
  );
});
