// Thesis 9.6 (PreVote), 6.2 (CheckQuorum) and 3.10 (leadership transfer).
import t from 'tap';
import { Net } from '../support/raft/net.ts';

const ids = ['a', 'b', 'c'];

t.test('9.6 PreVote: a pre-candidate asks with term+1 but changes neither its term nor its vote', async (t) => {
  const net = await Net.create(ids, { preVote: true, random: () => 0 });
  net.isolate('a');
  await net.tick(10, ['a']);
  const a = net.get('a').node;
  t.equal(a.status().role, 'preCandidate');
  t.equal(a.status().term, 0);
  t.equal(a.status().vote, null);
  await net.tick(50, ['a']);
  t.equal(a.status().term, 0, 'an isolated node never inflates its term');
});

t.test('9.6 PreVote: a partitioned node rejoining does not disrupt the leader', async (t) => {
  const net = await Net.create(ids, { preVote: true, checkQuorum: true });
  await net.elect('a');
  net.isolate('c');
  await net.tick(60);
  t.equal(net.get('c').node.status().term, 1, 'c stayed at term 1 while cut off');
  net.heal();
  await net.tick(5);
  t.same(net.leaders(), ['a']);
  t.equal(net.get('a').node.status().term, 1, 'no election after c came back');
});

t.test(
  '9.6 PreVote: refused when the candidate log is behind; granted otherwise; a real election follows',
  async (t) => {
    const net = await Net.create(ids, { preVote: true });
    await net.elect('a');
    net.isolate('a');
    const b = net.get('b').node;
    await net.tick(10, ['b', 'c']);
    const behind = b.step({
      type: 'preVote',
      from: 'c',
      to: 'b',
      term: 2,
      index: 0,
      logTerm: 0,
      context: null,
      transfer: false,
    });
    t.same(behind, { ok: true });
    const rd = b.ready();
    t.match(rd.messages[0], { type: 'preVoteResp', reject: true, term: 1, reason: /behind/ });
    b.advance();
    b.step({ type: 'preVote', from: 'c', to: 'b', term: 2, index: 1, logTerm: 1, context: null, transfer: false });
    const rd2 = b.ready();
    t.match(rd2.messages[0], { type: 'preVoteResp', reject: false, term: 2 });
    t.equal(rd2.hardState, undefined, 'granting a PreVote persists nothing');
    b.advance();
    t.equal(b.status().term, 1);
    net.get('c').node.campaign();
    await net.settle();
    t.equal(net.get('c').node.status().role, 'leader');
    t.equal(net.get('c').node.status().term, 2);
  },
);

t.test('6.2 CheckQuorum: a leader that has not heard from a quorum within electionTick steps down', async (t) => {
  const net = await Net.create(ids, { checkQuorum: true });
  await net.elect('a');
  await net.tick(25, ['a']);
  t.equal(net.get('a').node.status().role, 'leader', 'stays while followers answer');
  net.isolate('a');
  await net.tick(20, ['a']);
  t.equal(net.get('a').node.status().role, 'follower');
  t.equal(net.get('a').node.status().term, 1, 'stepping down does not change the term');
});

t.test(
  '6.2 without CheckQuorum an isolated leader stays leader (and holds no lease once its rounds go unanswered)',
  async (t) => {
    const net = await Net.create(ids, { checkQuorum: false });
    await net.elect('a');
    net.isolate('a');
    await net.tick(30, ['a']);
    t.equal(net.get('a').node.status().role, 'leader');
    t.notOk(net.get('a').node.hasLease(net.clock.now));
  },
);

t.test(
  '3.10 leadership transfer: the leader catches the target up, sends TimeoutNow, the target wins at once',
  async (t) => {
    const net = await Net.create(ids, { preVote: true, checkQuorum: true });
    await net.elect('a');
    net.isolate('b');
    for (let i = 0; i < 3; i++) net.get('a').node.propose(`v${i}`);
    await net.settle();
    net.heal();
    const r = net.get('a').node.transferLeadership('b');
    t.ok(r.ok);
    t.match(
      net.get('a').node.propose('during'),
      { ok: false, reason: 'transferring' },
      'proposals are refused during a transfer',
    );
    await net.settle();
    const sent = net.delivered.filter((m) => m.type === 'timeoutNow');
    t.equal(sent.length, 1);
    t.equal(sent[0]!.to, 'b');
    t.equal(net.get('b').node.status().role, 'leader');
    t.equal(net.get('b').node.status().term, 2);
    t.same(
      net
        .get('b')
        .node.logEntries()
        .slice(0, 4)
        .map((e) => e.data),
      [null, 'v0', 'v1', 'v2'],
      'no committed entry was lost',
    );
  },
);

t.test('3.10 a transfer that does not complete within electionTick is aborted', async (t) => {
  const net = await Net.create(ids, { checkQuorum: true });
  await net.elect('a');
  net.isolate('b');
  net.get('a').node.propose('x');
  await net.settle();
  t.ok(net.get('a').node.transferLeadership('b').ok);
  await net.tick(10, ['a']);
  const s = net.get('a').node.status();
  t.equal(s.role, 'leader', 'no TimeoutNow went out, so the leader stays');
  t.equal(s.leadTransferee, null);
  t.ok(net.get('a').node.propose('after').ok, 'and accepts proposals again');
  t.ok(net.get('a').node.hasLease(net.clock.now), 'and its lease comes back');
});

t.test(
  '3.10 if the TimeoutNow went out but no election followed, the old leader steps down (its lease stays void)',
  async (t) => {
    const net = await Net.create(ids, { checkQuorum: false });
    await net.elect('a');
    net.cut.add('a>b'); // b is up to date, but the TimeoutNow will be lost
    const a = net.get('a').node;
    // b is caught up: the TimeoutNow is sent at once (and lost).
    t.ok(a.transferLeadership('b').ok);
    await net.settle();
    await net.tick(10, ['a']);
    t.equal(a.status().role, 'follower');
    t.equal(a.leaseValidUntil(net.clock.now), Number.NEGATIVE_INFINITY);
  },
);

t.test('3.10 transfer refusals name the reason', async (t) => {
  const net = await Net.create(ids);
  await net.elect('a');
  const a = net.get('a').node;
  t.match(a.transferLeadership('a'), { ok: false, reason: 'transfer-refused', detail: /already the leader/ });
  t.match(a.transferLeadership('zz'), { ok: false, reason: 'transfer-refused', detail: /not a voter/ });
  t.match(net.get('b').node.transferLeadership('c'), { ok: false, reason: 'not-leader' });
});

t.test(
  '9.6 with stickiness: a pre-candidate asked by another pre-candidate that ignored it asks again, so the better one wins at once',
  async (t) => {
    // b holds a write c lacks (c's predicate grants b, b's refuses c), as when an agent's fast path fires
    // on both followers of a gone leader within milliseconds.
    const net = await Net.create(['a', 'b', 'c'], (id) => ({
      preVote: true,
      checkQuorum: true,
      votePredicate: (cand: string) => (id === 'b' && cand === 'c' ? 'candidate lacks a write b received' : true),
    }));
    await net.elect('a');
    const b = net.get('b').node;
    const c = net.get('c').node;
    net.isolate('a');
    b.forgetLeader();
    b.campaign();
    await net.settle();
    t.equal(b.status().role, 'preCandidate', 'b asked for pre-votes');
    t.equal(c.status().lead, 'a', 'c still heard a within the election timeout: it ignored the request');
    c.forgetLeader();
    c.campaign();
    await net.settle();
    t.equal(b.status().role, 'leader', 'b asked c again when c pre-voted, and won without a single tick');
    t.equal(c.status().role, 'follower');
  },
);
