// decide(): a table of named states (as MOCO's clustering tests), each with the one action expected.
// The names read <role>-<what is true>; the builder starts from a healthy node and changes one thing.
import t from 'tap';
import { decide, type Action, type Observation } from '../../src/agent/decide.ts';

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
