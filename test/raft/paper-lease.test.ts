// Thesis 6.4 (leader lease) and 4.2.3 (leader stickiness, on which the lease rests).
import t from 'tap';
import { Net } from '../support/raft/net.ts';
import { Simulator } from '../support/raft/sim.ts';

const ids = ['a', 'b', 'c'];
// baseConfig: electionTick 10, tickMs 100, leaseDriftMs 50 -> a lease spans 9 * 100 - 50 = 850 ms.
const SPAN = 850;

t.test(
  '6.4 no lease until a quorum acknowledges a heartbeat round; then sentAt + (electionTick-1)*tickMs - leaseDriftMs',
  async (t) => {
    const net = await Net.create(ids);
    await net.tick(10);
    net.cut.add('b>a');
    net.cut.add('c>a');
    net.get('a').node.campaign();
    const a = net.get('a').node;
    // Votes cannot come back: a is candidate, no lease.
    await net.settle();
    t.equal(a.hasLease(net.clock.now), false);
    net.heal();
    await net.tick(1, ['a']); // re-sends nothing to voters in this harness; campaign again
    a.campaign();
    await net.settle();
    t.equal(a.status().role, 'leader');
    const electedAt = net.clock.now;
    t.equal(a.leaseValidUntil(electedAt), electedAt + SPAN, 'the election heartbeat round was acknowledged at once');
    t.ok(a.hasLease(electedAt + SPAN - 1));
    t.notOk(a.hasLease(electedAt + SPAN), 'expires exactly at the bound');
  },
);

t.test('6.4 the lease rests on the newest round a quorum acknowledged, not the newest sent', async (t) => {
  const net = await Net.create(ids);
  await net.elect('a');
  const a = net.get('a').node;
  const t0 = net.clock.now;
  t.equal(a.leaseValidUntil(t0), t0 + SPAN);
  net.isolate('a');
  await net.tick(5, ['a']); // rounds go out, nothing comes back
  t.equal(a.leaseValidUntil(net.clock.now), t0 + SPAN, 'unacknowledged rounds do not extend it');
  net.heal();
  net.cut.add('c>a'); // one follower's acks suffice for a quorum of 3
  await net.tick(1, ['a']);
  t.equal(a.leaseValidUntil(net.clock.now), net.clock.now + SPAN, 'a round acked by b (with a) is a quorum');
});

t.test('6.4 the lease is void for a follower, after stepping down, and once a transfer starts', async (t) => {
  const net = await Net.create(ids);
  await net.elect('a');
  const now = () => net.clock.now;
  t.ok(net.get('a').node.hasLease(now()));
  t.equal(net.get('b').node.leaseValidUntil(now()), Number.NEGATIVE_INFINITY, 'followers hold no lease');
  net.get('a').node.transferLeadership('b');
  t.equal(net.get('a').node.leaseValidUntil(now()), Number.NEGATIVE_INFINITY, 'void as soon as a transfer starts');
  await net.tick(9); // the instant handed out above must pass before b may win
  t.equal(net.get('b').node.status().role, 'leader');
  t.equal(net.get('a').node.leaseValidUntil(now()), Number.NEGATIVE_INFINITY, 'void after stepping down');
  t.ok(net.get('b').node.hasLease(now()), 'the new leader holds it');
});

t.test('6.4 a clock that went backwards voids the lease', async (t) => {
  const net = await Net.create(ids);
  await net.elect('a');
  const a = net.get('a').node;
  t.ok(a.hasLease(net.clock.now));
  t.equal(a.leaseValidUntil(net.clock.now - 1), Number.NEGATIVE_INFINITY);
});

t.test(
  '4.2.3 stickiness: a follower that heard from its leader within electionTick ignores a higher-term RequestVote and PreVote',
  async (t) => {
    const net = await Net.create(ids);
    await net.elect('a');
    const b = net.get('b').node;
    for (const type of ['vote', 'preVote'] as const) {
      const r = b.step({ type, from: 'c', to: 'b', term: 7, index: 99, logTerm: 1, context: null, transfer: false });
      t.same(r, { ok: false, reason: 'vote request ignored: heard from a leader within the election timeout' }, type);
    }
    t.equal(b.status().term, 1, 'no term change');
    t.equal(b.status().lead, 'a');
    // After electionTick ticks without the leader, it votes.
    net.isolate('a');
    await net.tick(10, ['b']);
    t.same(
      b.step({ type: 'vote', from: 'c', to: 'b', term: 7, index: 99, logTerm: 1, context: null, transfer: false }),
      { ok: true },
    );
    t.equal(b.status().vote, 'c');
  },
);

t.test('4.2.3 / 3.10 a TimeoutNow election overrides stickiness', async (t) => {
  const net = await Net.create(ids);
  await net.elect('a');
  const b = net.get('b').node;
  t.same(b.step({ type: 'vote', from: 'c', to: 'b', term: 2, index: 1, logTerm: 1, context: null, transfer: true }), {
    ok: true,
  });
  t.equal(b.status().vote, 'c');
});

t.test(
  '6.4 a restarted node refuses votes for electionTick ticks (it may have acknowledged a lease just before)',
  async (t) => {
    const net = await Net.create(ids);
    await net.elect('a');
    const b = (await net.restart('b')).node;
    const vote = (term: number) => ({
      type: 'vote' as const,
      from: 'c',
      to: 'b',
      term,
      index: 1,
      logTerm: 1,
      context: null,
      transfer: false,
    });
    net.isolate('a');
    await net.tick(9, ['b']);
    t.equal(b.step(vote(5)).ok, false, 'refused within electionTick of restarting');
    await net.tick(1, ['b']);
    t.equal(b.step(vote(5)).ok, true, 'granted afterwards');
  },
);

t.test(
  '6.4 simulator: a follower restarted right after acknowledging the old leader cannot help elect a rival inside the lease',
  async (t) => {
    for (let seed = 1; seed <= 16; seed++) {
      const sim = await Simulator.create({ seed, voters: 3, maxClockSkew: 0 });
      await sim.runUntil(() => sim.leader() !== undefined, 10_000);
      const a = sim.leader()!.id;
      const [b, c] = sim.ids.filter((x) => x !== a) as [string, string];
      sim.split([a], [c]); // c loses the leader and starts PreVoting; b still hears from a
      await sim.run(1500);
      await sim.runUntil(() => false, 20); // b has just acknowledged some round of a
      sim.crash(b);
      await sim.restart(b);
      sim.split([a], [b]); // a never learns of a new term (its lease only expires) and b never hears a again
      await sim.run(6000); // every event checks "at most one valid lease"
      const l = sim.leader();
      t.ok(l && l.id !== a, `seed ${seed}: ${l?.id} leads after the old lease ran out`);
    }
  },
);

t.test('6.4 + 3.10 a transfer target never wins before an instant the old leader was already promised', async (t) => {
  const net = await Net.create(ids, { preVote: true, checkQuorum: true });
  await net.elect('a');
  const a = net.get('a').node;
  const b = net.get('b').node;
  const promised = a.leaseValidUntil(net.clock.now);
  t.equal(promised, net.clock.now + SPAN, 'a was handed a lease');
  t.ok(a.transferLeadership('b').ok, 'b is caught up: the transfer starts');
  await net.settle();
  t.equal(net.delivered.filter((m) => m.type === 'timeoutNow').length, 0, 'no TimeoutNow inside the promise');
  let wonAt: number | undefined;
  for (let i = 0; i < 20 && wonAt === undefined; i++) {
    await net.tick(1);
    if (b.status().role === 'leader') wonAt = net.clock.now;
  }
  t.ok(wonAt !== undefined, 'b won once the promise had passed');
  t.ok(wonAt! >= promised, `b became leader at ${wonAt}, not before a's promised ${promised}`);
  t.equal(net.leaders().length, 1);
});

t.test('3.10 a leader that fenced itself first waives its promises: TimeoutNow goes at once', async (t) => {
  const net = await Net.create(ids, { preVote: true, checkQuorum: true });
  await net.elect('a');
  const a = net.get('a').node;
  t.ok(a.hasLease(net.clock.now));
  t.ok(a.transferLeadership('b', { fenced: true }).ok);
  await net.settle();
  t.equal(net.get('b').node.status().role, 'leader', 'b won without waiting');
});
