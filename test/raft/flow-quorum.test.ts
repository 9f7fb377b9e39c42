// Flow control (batching, pipelining window, probing), quorum arithmetic against a brute-force
// reference, the persist-before-send checker itself, and small-cluster edge cases.
import t from 'tap';
import fc from 'fast-check';
import { Net } from '../support/raft/net.ts';
import { quorumValue, tally } from '../../src/raft/quorum.ts';
import { Progress } from '../../src/raft/progress.ts';
import { InvariantChecker, InvariantViolation } from '../support/raft/invariants.ts';
import { MemoryStorage } from '../../src/raft/memory-storage.ts';
import type { AppendMsg } from '../../src/raft/messages.ts';

t.test('quorumValue and tally agree with a brute-force reference', async (t) => {
  const seed = Number(process.env['SEED'] ?? 99);
  t.comment(`SEED=${seed}`);
  fc.assert(
    fc.property(fc.array(fc.nat(20), { minLength: 1, maxLength: 9 }), (vals) => {
      const ids = vals.map((_, i) => `n${i}`);
      const got = quorumValue(ids, (id) => vals[Number(id.slice(1))]!);
      // Reference: the largest v held by more than half.
      let ref = 0;
      for (const v of [0, ...vals]) if (vals.filter((x) => x >= v).length * 2 > vals.length) ref = Math.max(ref, v);
      return got === ref;
    }),
    { seed, numRuns: 500 },
  );
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom<boolean | undefined>(true, false, undefined), { minLength: 1, maxLength: 9 }),
      (vs) => {
        const ids = vs.map((_, i) => `n${i}`);
        const votes = new Map<string, boolean>();
        vs.forEach((v, i) => v !== undefined && votes.set(ids[i]!, v));
        const yes = vs.filter((v) => v === true).length;
        const no = vs.filter((v) => v === false).length;
        const half = vs.length / 2;
        const ref = yes > half ? 'won' : no >= vs.length - Math.floor(half) ? 'lost' : 'pending';
        return tally(ids, votes) === ref;
      },
    ),
    { seed, numRuns: 500 },
  );
});

t.test(
  'Progress: probe sends one message at a time; replicate pipelines up to the window; stale rejections are ignored',
  async (t) => {
    const p = new Progress(5, false);
    t.notOk(p.isPaused(2));
    p.probeSent = true;
    t.ok(p.isPaused(2), 'probe waits for an answer');
    t.ok(p.maybeUpdate(4));
    p.becomeReplicate();
    t.equal(p.next, 5);
    p.inflight.push(6, 8);
    t.ok(p.isPaused(2), 'window of 2 is full');
    p.maybeUpdate(6);
    t.same(p.inflight, [8]);
    t.notOk(p.isPaused(2));
    p.next = 9;
    t.notOk(p.maybeDecrTo(5, 5), 'a rejection at or below match is stale');
    t.ok(p.maybeDecrTo(7, 6));
    t.equal(p.next, 7, 'back to match + 1');
    p.becomeProbe();
    t.notOk(p.maybeDecrTo(3, 3), 'in probe only the rejection of next-1 counts');
    p.becomeSnapshot(20, 0);
    t.ok(p.isPaused(8));
    p.becomeProbe();
    t.equal(p.next, 21, 'after a snapshot, probe from past it');
  },
);

t.test(
  'batching: no AppendEntries carries more than maxBatchEntries; a follower is sent at most maxInflight unacknowledged batches',
  async (t) => {
    const net = await Net.create(['a', 'b', 'c'], { maxBatchEntries: 3, maxInflight: 2 });
    await net.elect('a');
    net.hold('b');
    net.hold('c');
    const a = net.get('a');
    for (let i = 0; i < 20; i++) a.node.propose(i);
    await net.processReady(a);
    const toB = net.held.filter((m): m is AppendMsg => m.type === 'app' && m.to === 'b');
    t.equal(toB.length, 2, 'two batches in flight, then the window is full');
    t.ok(toB.every((m) => m.entries.length <= 3));
    t.same(
      toB.map((m) => m.entries.map((e) => e.index)),
      [
        [2, 3, 4],
        [5, 6, 7],
      ],
      'pipelined, contiguous',
    );
    net.release('b');
    net.release('c');
    await net.settle();
    t.ok(net.delivered.filter((m): m is AppendMsg => m.type === 'app').every((m) => m.entries.length <= 3));
    t.equal(net.get('b').node.status().commit, 21, 'everything committed through the window');
  },
);

t.test('a single-voter cluster elects itself and commits once its own log is durable', async (t) => {
  const net = await Net.create(['solo']);
  await net.tick(20);
  const n = net.get('solo');
  t.equal(n.node.status().role, 'leader');
  const r = n.node.propose('x');
  t.ok(r.ok);
  await net.settle();
  t.equal(n.node.status().commit, 2);
  t.same(
    n.applied.map((e) => e.data),
    [null, 'x'],
  );
});

t.test('a follower that lags a promotion still follows the promoted node once it leads', async (t) => {
  const net = await Net.create(['a', 'b', 'c']);
  await net.add('d', new MemoryStorage());
  await net.elect('a');
  const a = net.get('a').node;
  a.proposeConfChange({ type: 'addLearner', node: 'd' });
  await net.settle();
  net.isolate('c'); // c misses the promotion
  a.proposeConfChange({ type: 'promote', node: 'd' });
  await net.settle();
  t.same(net.get('c').node.status().conf.voters, ['a', 'b', 'c']);
  net.heal();
  net.isolate('c');
  t.ok(a.transferLeadership('d').ok);
  await net.settle();
  t.equal(net.get('d').node.status().role, 'leader');
  net.heal();
  await net.tick(1, ['d']);
  t.equal(net.get('c').node.status().lead, 'd', 'c accepted the leader it did not know as a voter');
  t.same(net.get('c').node.status().conf.voters, ['a', 'b', 'c', 'd'], 'and learned the promotion from it');
});

t.test('the persist-before-send checker flags a vote sent before it was durable', async (t) => {
  const chk = new InvariantChecker();
  const grant = { type: 'voteResp' as const, from: 'b', to: 'a', term: 2, reject: false };
  t.throws(() => chk.onSend('b', grant, { term: 2, vote: null, commit: 0 }, 0), InvariantViolation);
  t.throws(() => chk.onSend('b', grant, { term: 1, vote: 'a', commit: 0 }, 0), /persist before send/);
  chk.onSend('b', grant, { term: 2, vote: 'a', commit: 0 }, 0);
  t.throws(
    () =>
      chk.onSend(
        'b',
        { type: 'appResp', from: 'b', to: 'a', term: 2, index: 7, reject: false, hint: 0 },
        { term: 2, vote: 'a', commit: 0 },
        6,
      ),
    /acknowledged index 7 with only 6 durable/,
  );
  chk.onPersisted('b', { term: 2, vote: 'c', commit: 0 });
  t.throws(() => chk.onPersisted('b', { term: 2, vote: 'a', commit: 0 }), /votes at most once per term/);
  t.throws(() => chk.onPersisted('b', { term: 1, vote: null, commit: 0 }), /terms never decrease/);
});
