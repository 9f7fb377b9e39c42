// decide(): a table of named states (as MOCO's clustering tests), each with the one action expected.
// The names read <role>-<what is true>; the builder starts from a healthy node and changes one thing.
import t from 'tap';
import { decide, earlyStop, type Action, type EarlyStop, type Observation } from '../../src/agent/decide.ts';

const healthyPrimary: Observation = {
  self: 'db-0',
  role: 'leader',
  term: 3,
  lead: 'db-0',
  leaseHeld: true,
  ownTermCommitted: true,
  transferring: false,
  primary: { pod: 'db-0', term: 3 },
  mysql: { up: true, writable: true, replicatingFrom: null, errant: false },
  stopping: false,
  switchoverTo: null,
  leaderSilentMs: 0,
  electionTimeoutMs: 3000,
  ioStopInFlight: false,
};

const healthyReplica: Observation = {
  ...healthyPrimary,
  self: 'db-1',
  role: 'follower',
  leaseHeld: false,
  mysql: { up: true, writable: false, replicatingFrom: 'db-0', errant: false },
};

type Change = Partial<Omit<Observation, 'mysql'>> & { mysql?: Partial<Observation['mysql']> };
const state = (base: Observation, c: Change): Observation =>
  ({ ...base, ...c, mysql: { ...base.mysql, ...(c.mysql ?? {}) } }) as Observation;
const down = { up: false, detail: 'connect ECONNREFUSED', gone: true } as const;

const cases: [string, Observation, Partial<Action>][] = [
  ['leader-healthy-primary', healthyPrimary, { kind: 'none', reason: 'healthy primary of term 3' }],
  [
    'leader-new-term-old-primary-elsewhere',
    state(healthyPrimary, { primary: { pod: 'db-2', term: 2 }, mysql: { writable: false } }),
    { kind: 'promote' },
  ],
  [
    'leader-reelected-still-writable',
    state(healthyPrimary, { primary: { pod: 'db-0', term: 2 } }),
    { kind: 'promote' },
  ],
  [
    'leader-primary-of-term-but-read-only',
    state(healthyPrimary, { mysql: { writable: false } }),
    { kind: 'promote', reason: /make writable/ } as never,
  ],
  [
    'leader-noop-not-committed',
    state(healthyPrimary, { ownTermCommitted: false, primary: null, mysql: { writable: false } }),
    { kind: 'none', reason: 'waiting for an entry of our term to commit' },
  ],
  ['leader-lease-lost-writable', state(healthyPrimary, { leaseHeld: false }), { kind: 'fence-self' }],
  [
    'leader-lease-lost-read-only',
    state(healthyPrimary, { leaseHeld: false, mysql: { writable: false } }),
    { kind: 'none' },
  ],
  [
    'leader-transferring-writable',
    state(healthyPrimary, { transferring: true }),
    { kind: 'fence-self', reason: /transferred/ } as never,
  ],
  [
    'leader-mysqld-down',
    state(healthyPrimary, { mysql: down }),
    { kind: 'step-down', reason: /own mysqld is down/ } as never,
  ],
  ['leader-mysqld-down-while-stopping', state(healthyPrimary, { mysql: down, stopping: true }), { kind: 'step-down' }],
  ['leader-stopping', state(healthyPrimary, { stopping: true }), { kind: 'handover' }],
  ['leader-switchover-requested', state(healthyPrimary, { switchoverTo: 'db-2' }), { kind: 'switchover', to: 'db-2' }],
  [
    'leader-switchover-requested-while-stopping',
    state(healthyPrimary, { switchoverTo: 'db-2', stopping: true }),
    { kind: 'handover' },
  ],
  [
    'leader-switchover-requested-before-promotion',
    state(healthyPrimary, { switchoverTo: 'any', primary: { pod: 'db-2', term: 2 }, mysql: { writable: false } }),
    { kind: 'promote' },
  ],
  [
    'leader-switchover-requested-without-lease',
    state(healthyPrimary, { switchoverTo: 'any', leaseHeld: false }),
    { kind: 'fence-self' },
  ],
  ['replica-switchover-requested', state(healthyReplica, { switchoverTo: 'db-1' }), { kind: 'none' }],
  [
    'leader-errant',
    state(healthyPrimary, { primary: { pod: 'db-2', term: 2 }, mysql: { writable: false, errant: true } }),
    { kind: 'step-down', reason: /errant/ } as never,
  ],
  ['replica-healthy', healthyReplica, { kind: 'none', reason: 'healthy replica of db-0' }],
  ['replica-writable', state(healthyReplica, { mysql: { writable: true } }), { kind: 'fence-self' }],
  [
    'candidate-writable',
    state(healthyReplica, { role: 'candidate', mysql: { writable: true } }),
    { kind: 'fence-self' },
  ],
  [
    'replica-pointing-at-old-primary',
    state(healthyReplica, { term: 4, lead: 'db-2', primary: { pod: 'db-2', term: 4 } }),
    { kind: 'repoint', to: 'db-2' },
  ],
  [
    'replica-voted-in-newer-term',
    state(healthyReplica, { term: 4, lead: null, mysql: { replicatingFrom: null } }),
    { kind: 'none', reason: /waiting for the primary of term 4/ } as never,
  ],
  [
    'replica-campaigning-not-replicating',
    state(healthyReplica, { role: 'preCandidate', lead: null, mysql: { replicatingFrom: null } }),
    { kind: 'none', reason: /an election is under way/ } as never,
  ],
  [
    'replica-newer-term-leader-is-the-primary',
    state(healthyReplica, { term: 4, lead: 'db-0', mysql: { replicatingFrom: null } }),
    { kind: 'repoint', to: 'db-0' },
  ],
  [
    'replica-not-replicating',
    state(healthyReplica, { mysql: { replicatingFrom: null } }),
    { kind: 'repoint', to: 'db-0' },
  ],
  [
    'replica-errant-rejoining',
    state(healthyReplica, { mysql: { replicatingFrom: null, errant: true } }),
    { kind: 'none', reason: 'errant transactions: not re-attached' },
  ],
  [
    // IO thread stopped to apply the relay log before mysqld stops: repointing would refill it.
    'replica-stopping-gracefully-detached',
    state(healthyReplica, { stopping: true, mysql: { replicatingFrom: null } }),
    { kind: 'none', reason: /graceful stop: applying the relay log/ } as never,
  ],
  [
    'replica-stopping-gracefully-but-writable',
    state(healthyReplica, { stopping: true, mysql: { writable: true } }),
    { kind: 'fence-self' },
  ],
  ['replica-mysqld-down', state(healthyReplica, { mysql: down }), { kind: 'none', reason: /mysqld is down/ } as never],
  [
    'replica-no-primary-yet',
    state(healthyReplica, { primary: null, mysql: { replicatingFrom: null } }),
    { kind: 'none' },
  ],
  [
    // The early stop (below) stopped the IO thread: re-attaching would undo it just before a vote.
    'replica-leader-silent-io-stopped-early',
    state(healthyReplica, { leaderSilentMs: 1600, mysql: { replicatingFrom: null } }),
    { kind: 'none', reason: /leader db-0 silent for 1600 ms: not re-attaching/ } as never,
  ],
  [
    // The leader is heard again: the normal follower path restarts replication.
    'replica-leader-heard-again-io-stopped-early',
    state(healthyReplica, { leaderSilentMs: 100, mysql: { replicatingFrom: null } }),
    { kind: 'repoint', to: 'db-0' },
  ],
  ['replica-leader-silent-still-receiving', state(healthyReplica, { leaderSilentMs: 1600 }), { kind: 'none' }],
  [
    'replica-leader-silent-but-writable',
    state(healthyReplica, { leaderSilentMs: 1600, mysql: { writable: true, replicatingFrom: null } }),
    { kind: 'fence-self' },
  ],
  [
    'replica-named-primary-itself',
    state(healthyReplica, { primary: { pod: 'db-1', term: 2 }, mysql: { replicatingFrom: null } }),
    { kind: 'none' },
  ],
];

for (const [name, obs, want] of cases) {
  t.test(name, async (t) => {
    t.match(decide(obs), want);
  });
}

// earlyStop(): when a follower stops its IO thread ahead of a vote. Half the election timeout is 1500 ms.
const earlyCases: [string, Observation, Partial<EarlyStop>][] = [
  ['replica-leader-heard-recently', state(healthyReplica, { leaderSilentMs: 300 }), { stop: false }],
  ['replica-leader-silent-just-under-half', state(healthyReplica, { leaderSilentMs: 1499 }), { stop: false }],
  ['replica-leader-silent-half-timeout', state(healthyReplica, { leaderSilentMs: 1500 }), { stop: true, from: 'db-0' }],
  ['replica-leader-never-heard', state(healthyReplica, { leaderSilentMs: Infinity }), { stop: true, from: 'db-0' }],
  [
    'replica-leader-silent-stop-in-flight',
    state(healthyReplica, { leaderSilentMs: 2000, ioStopInFlight: true }),
    { stop: false, reason: /already running/ } as never,
  ],
  [
    'replica-leader-silent-io-already-stopped',
    state(healthyReplica, { leaderSilentMs: 2000, mysql: { replicatingFrom: null } }),
    { stop: false, reason: /not receiving from the leader/ } as never,
  ],
  [
    // Receiving from another pod than the silent leader: that source is not the one that went quiet.
    'replica-leader-silent-receiving-from-another',
    state(healthyReplica, { leaderSilentMs: 2000, lead: 'db-2' }),
    { stop: false, reason: /not receiving from the leader db-2 \(source: db-0\)/ } as never,
  ],
  ['replica-leader-silent-mysqld-down', state(healthyReplica, { leaderSilentMs: 2000, mysql: down }), { stop: false }],
  [
    'replica-leader-silent-stopping-gracefully',
    state(healthyReplica, { leaderSilentMs: 2000, stopping: true }),
    { stop: false, reason: /graceful stop/ } as never,
  ],
  ['replica-no-leader-known', state(healthyReplica, { leaderSilentMs: 2000, lead: null }), { stop: false }],
  // A candidate keeps receiving: it wants everything the old primary sent before it is elected.
  ['candidate-leader-silent', state(healthyReplica, { role: 'candidate', leaderSilentMs: 4000 }), { stop: false }],
  [
    'preCandidate-leader-silent',
    state(healthyReplica, { role: 'preCandidate', leaderSilentMs: 4000 }),
    { stop: false },
  ],
  ['leader-never-stops-early', state(healthyPrimary, { leaderSilentMs: 4000 }), { stop: false }],
];

for (const [name, obs, want] of earlyCases) {
  t.test(`early stop: ${name}`, async (t) => {
    t.match(earlyStop(obs), want);
  });
}

/** Every combination of the given flags. */
function combinations<K extends string>(keys: readonly K[]): Record<K, boolean>[] {
  return keys.reduce<Record<K, boolean>[]>(
    (acc, k) =>
      acc.flatMap((c) => [
        { ...c, [k]: true },
        { ...c, [k]: false },
      ]),
    [{} as Record<K, boolean>],
  );
}

t.test('a leader never makes itself writable without its lease (every combination)', async (t) => {
  let n = 0;
  for (const role of ['leader', 'follower', 'candidate', 'preCandidate'] as const)
    for (const { leaseHeld, transferring, writable, stopping } of combinations([
      'leaseHeld',
      'transferring',
      'writable',
      'stopping',
    ] as const)) {
      const a = decide(state(healthyPrimary, { role, leaseHeld, transferring, stopping, mysql: { writable } }));
      n++;
      if (a.kind === 'promote') t.ok(role === 'leader' && leaseHeld && !transferring && !stopping, JSON.stringify(a));
      if (writable && (role !== 'leader' || !leaseHeld || transferring) && !stopping)
        t.equal(a.kind, 'fence-self', `${role} lease=${leaseHeld} transferring=${transferring}: fence`);
    }
  t.equal(n, 64);
});
