// Paper tests for leader election: Figure 2 ("Rules for Servers", RequestVote) and section 5.2.
// Each test names the rule it checks.
import t from 'tap';
import { Net, baseConfig } from '../support/raft/net.ts';
import { RawNode } from '../../src/raft/rawnode.ts';
import { MemoryStorage } from '../../src/raft/memory-storage.ts';
import type { Message } from '../../src/raft/messages.ts';

const ids = ['a', 'b', 'c'];

async function lone(id = 'a', over = {}) {
  const clock = { now: 0 };
  const storage = new MemoryStorage({ voters: ids, learners: [] });
  const node = await RawNode.start(storage, baseConfig(id, clock, over));
  return { node, storage, clock };
}

function vote(from: string, term: number, index = 0, logTerm = 0): Message {
  return { type: 'vote', from, to: 'a', term, index, logTerm, context: null, transfer: false };
}

t.test(
  '5.2 "If election timeout elapses without receiving AppendEntries ... convert to candidate": follower campaigns after its randomized timeout',
  async (t) => {
    const { node } = await lone('a', { random: () => 0 });
    for (let i = 0; i < 9; i++) node.tick();
    t.equal(node.status().role, 'follower', 'not before electionTick');
    node.tick();
    t.equal(node.status().role, 'candidate');
    t.equal(node.status().term, 1, '"increment currentTerm"');
    t.equal(node.status().vote, 'a', '"vote for self"');
    const rd = node.ready();
    t.same(
      rd.messages.map((m) => [m.type, m.to, m.term]).sort(),
      [
        ['vote', 'b', 1],
        ['vote', 'c', 1],
      ],
      '"send RequestVote RPCs to all other servers"',
    );
    t.same(rd.hardState, { term: 1, vote: 'a', commit: 0 }, 'the vote is handed out to persist');
  },
);

t.test('5.2 randomized election timeouts fall in [electionTick, 2*electionTick)', async (t) => {
  for (const r of [0, 0.25, 0.5, 0.999999]) {
    const { node } = await lone('a', { random: () => r });
    let ticks = 0;
    while (node.status().role === 'follower' && ticks < 100) {
      node.tick();
      ticks++;
    }
    t.ok(ticks >= 10 && ticks < 20, `random=${r}: campaigned after ${ticks} ticks`);
  }
});

t.test(
  'electionJitterTick narrows the draw to [electionTick, electionTick + jitter); out of range is refused',
  async (t) => {
    for (const r of [0, 0.5, 0.999999]) {
      const { node } = await lone('a', { random: () => r, electionJitterTick: 4 });
      let ticks = 0;
      while (node.status().role === 'follower' && ticks < 100) {
        node.tick();
        ticks++;
      }
      t.ok(ticks >= 10 && ticks < 14, `random=${r}: campaigned after ${ticks} ticks`);
    }
    await t.rejects(lone('a', { electionJitterTick: 11 }), /electionJitterTick=11 must be <= electionTick=10/);
    await t.rejects(lone('a', { electionJitterTick: 0 }), /electionJitterTick=0 must be an integer >= 1/);
  },
);

t.test('5.2 "A candidate wins an election if it receives votes from a majority of the servers"', async (t) => {
  const cases: [string, boolean[], string][] = [
    ['3 nodes, both grant', [true, true], 'leader'],
    ['3 nodes, one grants', [true, false], 'leader'],
    ['3 nodes, both refuse', [false, false], 'follower'],
  ];
  for (const [name, grants, role] of cases) {
    const { node } = await lone('a', { random: () => 0 });
    for (let i = 0; i < 10; i++) node.tick();
    node.ready();
    node.advance();
    grants.forEach((g, k) => node.step({ type: 'voteResp', from: ids[k + 1]!, to: 'a', term: 1, reject: !g }));
    t.equal(node.status().role, role, name);
  }
});

t.test('5.2 "each server will vote for at most one candidate in a given term, first-come-first-served"', async (t) => {
  const { node } = await lone('a');
  for (let i = 0; i < 10; i++) node.tick(); // stickiness lapses (timeout is 19)
  node.step(vote('b', 1));
  node.step(vote('c', 1));
  const msgs = node.ready().messages;
  t.same(
    msgs.map((m) => [m.to, m.type, (m as { reject?: boolean }).reject]),
    [
      ['b', 'voteResp', false],
      ['c', 'voteResp', true],
    ],
  );
  t.match((msgs[1] as { reason?: string }).reason, /already voted for b/);
  t.equal(node.status().vote, 'b');
});

t.test('Figure 2 RequestVote: "Reply false if term < currentTerm"; a stale message changes nothing', async (t) => {
  const { node } = await lone('a');
  for (let i = 0; i < 10; i++) node.tick();
  node.step(vote('b', 3));
  node.ready();
  node.advance();
  const before = node.status();
  node.step(vote('c', 2, 100, 2));
  t.same(node.status(), before);
  t.same(node.ready().messages, [], 'a stale RequestVote gets no answer');
});

t.test(
  'Figure 2 "If RPC request or response contains term T > currentTerm: set currentTerm = T, convert to follower"',
  async (t) => {
    const net = await Net.create(ids);
    await net.elect('a');
    t.same(net.leaders(), ['a']);
    const a = net.get('a');
    a.node.step({ type: 'appResp', from: 'b', to: 'a', term: 5, index: 0, reject: true, hint: 0 });
    t.equal(a.node.status().role, 'follower');
    t.equal(a.node.status().term, 5);
  },
);

t.test('5.4.1 election restriction: a voter refuses a candidate whose log is less up-to-date', async (t) => {
  const net = await Net.create(ids);
  await net.elect('a');
  net.get('a').node.propose('x');
  await net.settle();
  const b = net.get('b').node;
  await net.tick(10, ['b']);
  // c's log: index 2 term 1. A candidate with (term 1, index 1) is behind.
  b.step({ type: 'vote', from: 'c', to: 'b', term: 9, index: 1, logTerm: 1, context: null, transfer: false });
  const rd = b.ready();
  const resp = rd.messages.find((m) => m.type === 'voteResp');
  t.ok(resp && resp.type === 'voteResp' && resp.reject, 'refused');
  t.match(resp && 'reason' in resp ? resp.reason : '', /behind/);
  b.advance();
  b.step({ type: 'vote', from: 'c', to: 'b', term: 10, index: 2, logTerm: 1, context: null, transfer: false });
  const ok = b.ready().messages.find((m) => m.type === 'voteResp');
  t.ok(ok && ok.type === 'voteResp' && !ok.reject, 'an equally up-to-date candidate gets the vote');
});

t.test('5.2 a candidate that receives AppendEntries from a leader of its term becomes follower', async (t) => {
  const { node } = await lone('a', { random: () => 0 });
  for (let i = 0; i < 10; i++) node.tick();
  t.equal(node.status().role, 'candidate');
  node.step({ type: 'app', from: 'b', to: 'a', term: 1, index: 0, logTerm: 0, entries: [], commit: 0 });
  t.equal(node.status().role, 'follower');
  t.equal(node.status().lead, 'b');
});

t.test('5.2 the leader sends heartbeats every heartbeatTick to prevent elections', async (t) => {
  const net = await Net.create(ids, { heartbeatTick: 3 });
  await net.elect('a');
  const before = net.delivered.filter((m) => m.type === 'heartbeat').length;
  await net.tick(9, ['a']);
  const hb = net.delivered.filter((m) => m.type === 'heartbeat').length - before;
  t.equal(hb, 6, 'three rounds to two followers');
  await net.tick(40);
  t.same(net.leaders(), ['a'], 'no follower timed out while heartbeats flowed');
  t.equal(net.get('b').node.status().term, 1);
});

t.test('5.2 split vote: with no majority, a new election starts after another timeout', async (t) => {
  const { node } = await lone('a', { random: () => 0 });
  for (let i = 0; i < 10; i++) node.tick();
  t.equal(node.status().term, 1);
  for (let i = 0; i < 10; i++) node.tick();
  t.equal(node.status().role, 'candidate');
  t.equal(node.status().term, 2);
});

t.test(
  'Figure 2 Leaders: "Upon election: send initial empty AppendEntries RPCs (heartbeat) to each server"',
  async (t) => {
    const { node } = await lone('a', { random: () => 0 });
    for (let i = 0; i < 10; i++) node.tick();
    node.ready();
    node.advance();
    node.step({ type: 'voteResp', from: 'b', to: 'a', term: 1, reject: false });
    t.equal(node.status().role, 'leader');
    const msgs = node.ready().messages;
    for (const to of ['b', 'c']) {
      t.ok(
        msgs.some((m) => m.type === 'heartbeat' && m.to === to),
        `heartbeat to ${to}`,
      );
      t.ok(
        msgs.some((m) => m.type === 'app' && m.to === to),
        `AppendEntries (with the term's no-op) to ${to}`,
      );
    }
  },
);

t.test(
  'Figure 2 AppendEntries: "Reply false if term < currentTerm" (with our term, so a deposed leader steps down)',
  async (t) => {
    const { node } = await lone('a', { preVote: true });
    for (let i = 0; i < 10; i++) node.tick();
    node.step(vote('b', 3));
    node.ready();
    node.advance();
    const before = node.status();
    const r = node.step({
      type: 'app',
      from: 'c',
      to: 'a',
      term: 2,
      index: 0,
      logTerm: 0,
      entries: [{ index: 1, term: 2, type: 'normal', data: 'x' }],
      commit: 1,
    });
    t.match(r, { ok: false, reason: /stale term 2 < 3/ });
    t.same(node.status(), before, 'nothing appended, nothing committed');
    t.match(node.ready().messages, [{ type: 'appResp', to: 'c', term: 3, reject: true }]);
  },
);
