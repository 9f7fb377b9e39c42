// The refused-connection fast path (src/agent/leader-watch.ts, docs/failover.md): the pure step
// table, and, on the real Raft core with in-memory storage, that forgetLeader() lets the followers
// elect a new leader without waiting out the election timeout only once both have forgotten it,
// while a follower that has not (a merely slow leader) keeps refusing: stickiness still protects the
// old leader's lease.
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { fastPathStep, LeaderWatch, type FastPathFacts } from '../../src/agent/leader-watch.ts';
import type { RaftHost } from '../../src/agent/raft-host.ts';
import type { PeerState, PeerTransport } from '../../src/agent/transport.ts';
import type { MysqlSide } from '../../src/agent/mysql-side.ts';
import { Net } from '../support/raft/net.ts';

const follower: FastPathFacts = { role: 'follower', lead: 'db-0', silentMs: 1000, heartbeatMs: 300 };

t.test('fast path: one step per named state', async (t) => {
  const cases: [string, FastPathFacts, string][] = [
    ['leader-itself', { ...follower, role: 'leader' }, 'idle'],
    ['candidate', { ...follower, role: 'preCandidate' }, 'idle'],
    ['no-leader-known', { ...follower, lead: null }, 'idle'],
    ['leader-spoke-recently', { ...follower, silentMs: 100 }, 'idle'],
    ['leader-silent', follower, 'probe'],
    ['probe-accepted-slow-or-stopped-leader', { ...follower, probe: 'ok' }, 'idle'],
    ['probe-timed-out-partition', { ...follower, probe: 'timeout' }, 'idle'],
    ['probe-error-no-address', { ...follower, probe: 'error' }, 'idle'],
    ['probe-refused-agent-gone', { ...follower, probe: 'refused' }, 'fence'],
    ['refused-and-mysqld-fenced', { ...follower, probe: 'refused', fence: 'fenced' }, 'campaign'],
    ['refused-and-mysqld-gone', { ...follower, probe: 'refused', fence: 'gone' }, 'campaign'],
    ['refused-but-fence-failed', { ...follower, probe: 'refused', fence: 'failed' }, 'idle'],
    ['refused-but-leader-spoke-since', { ...follower, silentMs: 50, probe: 'refused', fence: 'fenced' }, 'idle'],
  ];
  for (const [name, f, next] of cases) t.equal(fastPathStep(f).next, next, name);
  t.match(fastPathStep({ ...follower, probe: 'ok' }), { reason: /slow, not gone/ });
  t.match(fastPathStep({ ...follower, probe: 'refused', fence: 'failed' }), { reason: /could not be fenced/ });
});

t.test('forgetLeader: an early election needs every voter of its quorum to have forgotten the leader', async (t) => {
  const net = await Net.create(['a', 'b', 'c'], { preVote: true, checkQuorum: true });
  await net.elect('a');
  t.same(net.leaders(), ['a']);
  const b = net.get('b').node;
  const c = net.get('c').node;
  net.isolate('a'); // a's agent is gone: nothing from or to it
  b.forgetLeader();
  b.campaign();
  await net.settle();
  t.equal(b.status().role, 'preCandidate', 'b asked for pre-votes at once');
  t.equal(c.status().lead, 'a', 'c, which still heard from a within the election timeout, ignored it');
  t.same(net.leaders(), ['a'], 'no new leader: the old lease is protected by c');
  c.forgetLeader();
  c.campaign();
  await net.settle();
  const leaders = net.leaders().filter((id) => id !== 'a');
  t.equal(leaders.length, 1, `a new leader (${leaders.join()}) without a single tick`);
  t.ok(net.get(leaders[0]!).node.status().term > net.get('a').node.status().term);
});

t.test('forgetLeader on a leader or candidate changes nothing', async (t) => {
  const net = await Net.create(['a', 'b', 'c'], { preVote: true, checkQuorum: true });
  await net.elect('a');
  const a = net.get('a').node;
  a.forgetLeader();
  t.equal(a.status().role, 'leader');
  t.equal(a.status().lead, 'a');
});

t.test(
  'addressSilent: the latest probe of the leader got no answer, and nothing was heard from it since',
  async (t) => {
    let answer: PeerState = 'timeout';
    const w = new LeaderWatch({
      // Below the seam under test: the Raft status and the probe's answer.
      raft: { status: () => ({ role: 'follower', lead: 'db-0' }) } as unknown as RaftHost,
      transport: { probe: () => Promise.resolve(answer) } as unknown as PeerTransport,
      side: { peer: () => undefined } as unknown as MysqlSide, // no mysqld to fence: the watch stops there
      heartbeatMs: 10,
      timeoutMs: 100,
      log: pino({ level: 'silent' }),
      onCampaign: () => {},
      campaign: () => Promise.resolve(),
    });
    t.notOk(w.addressSilent('db-0', 60_000), 'never probed');
    w.heardFrom('db-0');
    await sleep(30); // silent for more than 1.5 heartbeats: the watch probes
    await w.check();
    t.ok(w.addressSilent('db-0', 60_000), 'the probe timed out');
    t.notOk(w.addressSilent('db-1', 60_000), 'another pod was not probed');
    await sleep(5);
    t.notOk(w.addressSilent('db-0', 1), 'too old for the caller');
    w.heardFrom('db-0');
    t.notOk(w.addressSilent('db-0', 60_000), 'heard from it after the probe');
    answer = 'refused';
    await sleep(30);
    await w.check();
    t.notOk(w.addressSilent('db-0', 60_000), 'a refusal is an answer: the address is there');
  },
);
