// Malformed and hostile messages are dropped without a state change, and thousands of random ones
// fed into a running simulated cluster leave every invariant intact. Seeded: SEED=... replays.
import t from 'tap';
import { validateMessage } from '../../src/raft/validate-message.ts';
import { Simulator } from '../support/raft/sim.ts';
import { Rng } from '../support/rng.ts';
import type { Message } from '../../src/raft/messages.ts';
import type { RawNode } from '../../src/raft/rawnode.ts';

const seed = Number(process.env['SEED'] ?? Date.now() % 2 ** 31);
const FUZZ = Number(process.env['RAFT_FUZZ'] ?? 6000);

const good: Message = {
  type: 'app',
  from: 'b',
  to: 'a',
  term: 3,
  index: 1,
  logTerm: 1,
  entries: [{ index: 2, term: 3, type: 'normal', data: 'x' }],
  commit: 1,
};

t.test('validation rejects each kind of malformed message, naming the field', async (t) => {
  const cases: [unknown, RegExp][] = [
    [null, /message must be an object/],
    ['app', /message must be an object/],
    [[good], /message must be an object/],
    [{ ...good, type: 'append' }, /type="append" must be one of/],
    [{ ...good, to: 'z' }, /to=z is not this node/],
    [{ ...good, from: 'a' }, /from is this node itself/],
    [{ ...good, from: '' }, /from must be a non-empty string/],
    [{ ...good, from: 7 }, /from must be a non-empty string/],
    [{ ...good, term: -1 }, /term=-1 must be an integer/],
    [{ ...good, term: Number.NaN }, /term=NaN must be an integer/],
    [{ ...good, term: 1.5 }, /term=1.5/],
    [{ ...good, term: 2 ** 60 }, /term=\d+ must be an integer in/],
    [{ ...good, term: '3' }, /term=3 must be an integer/],
    [{ ...good, index: -2 }, /index=-2/],
    [{ ...good, commit: Infinity }, /commit=Infinity/],
    [{ ...good, logTerm: 9 }, /logTerm=9 is above the message term 3/],
    [{ ...good, entries: 'x' }, /entries must be an array/],
    [{ ...good, entries: [{ index: 3, term: 3, type: 'normal', data: 1 }] }, /entries\[0\].index=3 must be 2/],
    [{ ...good, entries: [{ index: 2, term: 4, type: 'normal', data: 1 }] }, /entries\[0\].term=4 must be in \[1, 3\]/],
    [{ ...good, entries: [{ index: 2, term: 3, type: 'weird', data: 1 }] }, /entries\[0\].type=weird/],
    [{ ...good, entries: [{ index: 2, term: 3, type: 'normal' }] }, /entries\[0\].data must be a JSON value/],
    [
      {
        ...good,
        entries: [
          {
            index: 2,
            term: 3,
            type: 'conf',
            data: { change: { type: 'remove', node: 'c' }, conf: { voters: [], learners: [] } },
          },
        ],
      },
      /has no voters/,
    ],
    [
      {
        ...good,
        entries: [
          {
            index: 2,
            term: 3,
            type: 'conf',
            data: { change: { type: 'nuke', node: 'c' }, conf: { voters: ['a'], learners: [] } },
          },
        ],
      },
      /conf change type=nuke/,
    ],
    [{ type: 'appResp', from: 'b', to: 'a', term: 1, index: 1, reject: 'no', hint: 0 }, /reject must be a boolean/],
    [{ type: 'vote', from: 'b', to: 'a', term: 1, index: 1, logTerm: 1, context: null }, /transfer must be a boolean/],
    [
      { type: 'voteResp', from: 'b', to: 'a', term: 1, reject: true, reason: 'x'.repeat(2000) },
      /reason must be a string/,
    ],
    [{ type: 'heartbeat', from: 'b', to: 'a', term: 1, commit: 0, round: 0 }, /round=0/],
    [
      {
        type: 'snap',
        from: 'b',
        to: 'a',
        term: 1,
        snapshot: { index: 5, term: 2, conf: { voters: ['a'], learners: [] }, data: null },
      },
      /snapshot.term=2 is above/,
    ],
    [
      {
        type: 'snap',
        from: 'b',
        to: 'a',
        term: 1,
        snapshot: { index: 5, term: 1, conf: { voters: ['a', 'a'], learners: [] }, data: null },
      },
      /duplicate node id/,
    ],
    [
      { type: 'app', from: 'b', to: 'a', term: 0, index: 0, logTerm: 0, entries: [], commit: 0 },
      /term=0 must be an integer in \[1,/,
    ],
  ];
  for (const [raw, re] of cases) {
    const v = validateMessage(raw, 'a');
    t.equal(v.ok, false, JSON.stringify(raw)?.slice(0, 80));
    if (!v.ok) t.match(v.reason, re);
  }
  t.ok(validateMessage(good, 'a').ok, 'the unmodified message is valid');
});

function fingerprint(n: RawNode): string {
  const s = n.status();
  return JSON.stringify([
    s.term,
    s.vote,
    s.commit,
    s.lastIndex,
    s.firstIndex,
    s.conf,
    s.role,
    s.lead,
    n.logEntries().at(-1),
  ]);
}

function hard(n: RawNode): string {
  const s = n.status();
  return JSON.stringify([s.term, s.vote, s.commit, s.lastIndex, n.logEntries().at(-1)]);
}

const junk = [null, undefined, -1, 0.5, Number.NaN, Infinity, 2 ** 60, '', 'x', true, [], {}, [1, 2], { a: 1 }];

/** A message that validation must reject. */
function malformed(rng: Rng, base: Message): unknown {
  const m: Record<string, unknown> = { ...base };
  const keys = Object.keys(m);
  switch (rng.int(0, 4)) {
    case 0:
      m[rng.pick(keys)] = rng.pick(junk);
      if (validateMessage(m, String(base.to)).ok) return rng.pick([null, 42, 'garbage']);
      return m;
    case 1:
      delete m[rng.pick(keys.filter((k) => k !== 'context' && k !== 'reason'))];
      return validateMessage(m, String(base.to)).ok ? null : m;
    case 2:
      return rng.pick(junk);
    case 3:
      return { ...m, type: rng.pick(['APP', 'vote ', 'append', 42, null]) };
    default:
      return { ...m, to: 'someone-else' };
  }
}

type Counts = Record<'malformed' | 'unknownSender' | 'stale' | 'absurd' | 'replay', number>;

/** One hostile message's setting: the node it goes to, a recent message to start from, and its state before. */
interface Shot {
  sim: Simulator;
  rng: Rng;
  counts: Counts;
  fail: (why: string) => void;
  target: ReturnType<Simulator['up']>[number];
  base: Message;
  before: string;
  beforeHard: string;
}

async function injectMalformed(x: Shot): Promise<void> {
  x.counts.malformed++;
  const r = await x.sim.inject(x.target.id, malformed(x.rng, { ...x.base, to: x.target.id } as Message));
  if (r && r.ok) x.fail(`a malformed message was accepted (SEED=${seed})`);
  if (x.target.node && fingerprint(x.target.node) !== x.before)
    x.fail(`a malformed message changed state (SEED=${seed})`);
}

async function injectUnknownSender(x: Shot): Promise<void> {
  x.counts.unknownSender++;
  const from = x.rng.pick(['intruder', 'n99']);
  const m = { ...x.base, from, to: x.target.id } as Message;
  if (m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap') return; // leaders are taken from anyone (see raft.ts)
  const r = await x.sim.inject(x.target.id, m);
  if (r && r.ok) x.fail(`a message from ${from} was accepted (SEED=${seed})`);
  if (x.target.node && fingerprint(x.target.node) !== x.before)
    x.fail(`a non-member's message changed state (SEED=${seed})`);
}

async function injectStale(x: Shot): Promise<void> {
  x.counts.stale++;
  const term = x.target.node!.status().term;
  if (term < 2) return;
  const m = {
    ...x.base,
    from: x.base.from === x.target.id ? x.base.to : x.base.from,
    to: x.target.id,
    term: x.rng.int(0, term - 1),
  } as Message;
  if (m.from === x.target.id) return;
  await x.sim.inject(x.target.id, m);
  if (x.target.node && hard(x.target.node) !== x.beforeHard)
    x.fail(`a stale-term ${m.type} changed durable state (SEED=${seed})`);
}

/** A response to the leader claiming an index or heartbeat round far beyond anything it sent. */
async function injectAbsurd(x: Omit<Shot, 'base'>): Promise<void> {
  x.counts.absurd++;
  const l = x.sim.leader();
  if (!l || l.paused) return;
  const s = l.node!.status();
  const from = x.rng.pick(s.conf.voters.filter((v) => v !== l.id));
  if (!from) return;
  const lb = hard(l.node!);
  const m: Message = x.rng.chance(0.5)
    ? {
        type: 'appResp',
        from,
        to: l.id,
        term: s.term,
        index: s.lastIndex + x.rng.int(1, 1e9),
        reject: x.rng.chance(0.5),
        hint: x.rng.int(0, 1e9),
      }
    : { type: 'heartbeatResp', from, to: l.id, term: s.term, round: 1e12 + x.rng.int(0, 1e6) };
  await x.sim.inject(l.id, m);
  if (l.node && hard(l.node) !== lb) x.fail(`an absurd ${m.type} changed the leader's state (SEED=${seed})`);
}

/** One of the five kinds of hostile message (`kind` 0-4) at a random live node. */
async function injectOne(x: Omit<Shot, 'base'> & { base: Message | undefined }, kind: number): Promise<void> {
  const { base } = x;
  if (kind === 3) return injectAbsurd(x);
  if (!base) return;
  const shot = { ...x, base };
  if (kind === 0) return injectMalformed(shot);
  if (kind === 1) return injectUnknownSender(shot);
  if (kind === 2) return injectStale(shot);
  // Replaying any old message is only delay plus duplication: Raft must absorb it.
  x.counts.replay++;
  await x.sim.inject(base.to, JSON.parse(JSON.stringify(base)));
}

t.test(`fuzz: ${FUZZ} random hostile messages into a running cluster (SEED=${seed})`, async (t) => {
  const rng = new Rng(seed);
  const counts: Counts = { malformed: 0, unknownSender: 0, stale: 0, absurd: 0, replay: 0 };
  const fail = (why: string): void => void t.fail(why);
  for (const voters of [3, 5]) {
    const sim = await Simulator.create({ seed: seed + voters, voters, spares: 1, compactAfter: 20 });
    await sim.runUntil(() => sim.leader() !== undefined, 10_000);
    for (let i = 0; i < FUZZ / 2; i++) {
      if (i % 20 === 0) {
        await sim.propose();
        await sim.run(rng.int(10, 120));
      }
      const target = rng.pick(sim.up());
      const node = target.node!;
      const base = sim.recent.length > 0 ? rng.pick(sim.recent) : undefined;
      const kind = rng.int(0, 4);
      await injectOne(
        { sim, rng, counts, fail, target, base, before: fingerprint(node), beforeHard: hard(node) },
        kind,
      );
    }
    const live = await sim.healAndCommit(30_000);
    sim.finalCheck();
    t.ok(live.ok, `${voters} voters: still live after the fuzzing`);
  }
  t.comment(JSON.stringify(counts));
  t.ok(
    counts.malformed > FUZZ / 10 &&
      counts.unknownSender > FUZZ / 20 &&
      counts.stale > FUZZ / 20 &&
      counts.absurd > FUZZ / 20 &&
      counts.replay > FUZZ / 20,
    `every kind was exercised: ${JSON.stringify(counts)}`,
  );
});
