// Table tests of the pure status fold, with a small builder in the manner of moco's clustering tests:
// each case starts from a healthy cluster and breaks one thing; its name says what.
import t from 'tap';
import type { MysqlClusterStatusV1 } from '../../src/api/types.ts';
import { foldStatus, parseAgentReport, type FoldInput, type PodView } from '../../src/operator/status/index.ts';

const NOW = new Date('2026-11-30T05:00:00Z');
const NAME = 'db';

function report(o: Record<string, unknown>): string {
  return JSON.stringify({ mysqldUp: true, errant: false, at: '2026-11-30T04:59:58Z', elections: 1, ...o });
}

/** n ready members, pod `primary` leading in `term`. */
function healthy(n: number, primary = 0, term = 2): FoldInput {
  const pods: PodView[] = Array.from({ length: n }, (_, i) => {
    const name = `${NAME}-${i}`;
    const lead = i === primary;
    const r = report(
      lead
        ? {
            role: 'primary',
            term,
            leader: name,
            commit: 10,
            applied: 10,
            gtid: 'u:1-10',
            lagSeconds: null,
            writable: true,
          }
        : { role: 'replica', term, leader: `${NAME}-${primary}`, commit: 10, applied: 9, gtid: 'u:1-9', lagSeconds: 0 },
    );
    return {
      name,
      ordinal: i,
      roleLabel: lead ? 'primary' : 'replica',
      report: parseAgentReport(r),
      ready: true,
      running: true,
      deleting: false,
      revision: 'rev1',
    };
  });
  return {
    name: NAME,
    generation: 3,
    replicas: n,
    paused: false,
    previous: undefined,
    pods,
    raftStates: pods.map((p) => ({ ordinal: p.ordinal, term, vote: `${NAME}-${primary}`, commit: 10 })),
    lease: { holder: `${NAME}-${primary}`, term, renewTime: new Date(NOW.getTime() - 1000), durationSeconds: 2 },
    statefulSet: { updateRevision: 'rev1' },
    problems: [],
    selector: 'x=y',
    now: NOW,
  };
}

/** The status of a previous healthy fold: a cluster that has had a primary. */
function after(input: FoldInput): FoldInput {
  return { ...input, previous: foldStatus(healthy(input.replicas)) };
}

function pod(input: FoldInput, i: number, edit: (p: PodView) => void): FoldInput {
  const pods = input.pods.map((p) => ({ ...p }));
  edit(pods[i]!);
  return { ...input, pods };
}

const cond = (s: MysqlClusterStatusV1, type: string) => {
  const c = s.conditions?.find((x) => x.type === type);
  return c ? `${c.status}/${c.reason}` : 'absent';
};

interface Case {
  name: string;
  input: FoldInput;
  want: Partial<MysqlClusterStatusV1>;
  conditions: [ready: string, available: string, progressing: string, degraded: string];
}

const CASES: Case[] = [
  {
    name: 'healthy3-primary0',
    input: healthy(3),
    want: {
      phase: 'Running',
      raftLeader: 'db-0',
      raftTerm: 2,
      master: 'db-0',
      slaves: ['db-1', 'db-2'],
      readyReplicas: 3,
      replicas: 3,
    },
    conditions: ['True/AllMembersReady', 'True/PrimaryAvailable', 'False/Stable', 'False/AsExpected'],
  },
  {
    name: 'creating: nothing exists yet',
    input: { ...healthy(3), pods: [], raftStates: [], lease: undefined, statefulSet: undefined },
    want: { phase: 'Pending', raftLeader: '', raftTerm: 0, master: '', slaves: [], replicas: 0, readyReplicas: 0 },
    conditions: ['False/Creating', 'False/Bootstrapping', 'True/Creating', 'False/AsExpected'],
  },
  {
    name: 'bootstrapping3: pods up, no leader yet',
    input: {
      ...healthy(3),
      pods: healthy(3).pods.map((p) => ({
        ...p,
        roleLabel: undefined,
        ready: false,
        report: parseAgentReport(report({ role: 'candidate', term: 1 })),
      })),
      lease: undefined,
      raftStates: [],
    },
    want: { phase: 'Bootstrapping', raftLeader: '', raftTerm: 1, master: '', slaves: [], readyReplicas: 0 },
    conditions: ['False/NoPrimary', 'False/Bootstrapping', 'True/Bootstrapping', 'False/AsExpected'],
  },
  {
    name: 'bootstrapping3-primary-up: replicas still starting is progress, not damage',
    input: {
      ...pod(
        pod(healthy(3), 1, (p) => (p.ready = false)),
        2,
        (p) => (p.ready = false),
      ),
      previous: foldStatus({ ...healthy(3), pods: [], statefulSet: undefined }),
    },
    want: { phase: 'Bootstrapping', master: 'db-0', readyReplicas: 1 },
    conditions: ['False/MembersNotReady', 'True/PrimaryAvailable', 'True/Bootstrapping', 'False/AsExpected'],
  },
  {
    name: 'failed3-primary-down: no primary after having one',
    input: after(
      pod({ ...healthy(3), lease: undefined }, 0, (p) => {
        p.ready = false;
        p.running = false;
        p.roleLabel = undefined;
        p.report = undefined;
      }),
    ),
    want: { phase: 'Failover', raftLeader: 'db-0', master: '', slaves: ['db-1', 'db-2'] },
    conditions: ['False/NoPrimary', 'False/NoPrimary', 'False/Stable', 'True/NoPrimary'],
  },
  {
    name: 'failover3-new-term: db-1 leads term 3, the old Lease holder lost its term',
    input: after({
      ...pod(
        pod(healthy(3), 1, (p) => {
          p.roleLabel = 'primary';
          p.report = parseAgentReport(
            report({
              role: 'primary',
              term: 3,
              leader: 'db-1',
              lastFailover: {
                from: 'db-0',
                to: 'db-1',
                reason: 'PrimaryUnreachable',
                at: '2026-11-30T04:59:50Z',
                durationMs: 1800,
              },
              elections: 2,
            }),
          );
        }),
        0,
        (p) => {
          p.roleLabel = 'replica';
          p.report = parseAgentReport(report({ role: 'replica', term: 3, leader: 'db-1' }));
        },
      ),
    }),
    want: {
      phase: 'Running',
      raftLeader: 'db-1',
      raftTerm: 3,
      master: 'db-1',
      slaves: ['db-0', 'db-2'],
      electionCount: 2,
      lastFailover: {
        from: 'db-0',
        to: 'db-1',
        reason: 'PrimaryUnreachable',
        at: '2026-11-30T04:59:50Z',
        durationMs: 1800,
      },
    },
    conditions: ['True/AllMembersReady', 'True/PrimaryAvailable', 'False/Stable', 'False/AsExpected'],
  },
  {
    name: 'degraded3-replica-down',
    input: after(
      pod(
        healthy(3),
        2,
        (p) => (
          (p.ready = false),
          (p.report = parseAgentReport(report({ role: 'replica', term: 2, mysqldUp: false })))
        ),
      ),
    ),
    want: { phase: 'Degraded', master: 'db-0', readyReplicas: 2 },
    conditions: ['False/MembersNotReady', 'True/PrimaryAvailable', 'False/Stable', 'True/MembersUnhealthy'],
  },
  {
    name: 'failed3-1-replica-errant',
    input: after(
      pod(
        healthy(3),
        1,
        (p) => ((p.ready = false), (p.report = parseAgentReport(report({ role: 'replica', term: 2, errant: true })))),
      ),
    ),
    want: { phase: 'Degraded', master: 'db-0' },
    conditions: ['False/ErrantReplica', 'True/PrimaryAvailable', 'False/Stable', 'True/ErrantReplica'],
  },
  {
    name: 'rolling3: one pod on an old revision, one terminating',
    input: after(
      pod(
        pod(healthy(3), 1, (p) => (p.revision = 'rev0')),
        2,
        (p) => ((p.deleting = true), (p.ready = false)),
      ),
    ),
    want: { phase: 'Running', replicas: 2, readyReplicas: 2, slaves: ['db-1'] },
    conditions: ['False/MembersNotReady', 'True/PrimaryAvailable', 'True/RollingUpdate', 'False/AsExpected'],
  },
  {
    name: 'paused3: status still folds, Progressing says Paused',
    input: { ...healthy(3), paused: true },
    want: { phase: 'Running', master: 'db-0' },
    conditions: ['True/AllMembersReady', 'True/PrimaryAvailable', 'False/Paused', 'False/AsExpected'],
  },
  {
    name: 'user-secret-missing: fatal problem',
    input: {
      ...healthy(3),
      pods: [],
      statefulSet: undefined,
      lease: undefined,
      raftStates: [],
      problems: [{ reason: 'CredentialsSecretMissing', message: 'Secret "mine" not found', fatal: true }],
    },
    want: { phase: 'Failed' },
    conditions: [
      'False/CredentialsSecretMissing',
      'False/Bootstrapping',
      'True/Creating',
      'True/CredentialsSecretMissing',
    ],
  },
  {
    name: 'stale-lease: expired Lease of term 5 names nobody; its term still counts',
    input: {
      ...healthy(3),
      lease: { holder: 'db-2', term: 5, renewTime: new Date(NOW.getTime() - 60_000), durationSeconds: 2 },
    },
    want: { raftLeader: 'db-0', raftTerm: 5 },
    conditions: ['True/AllMembersReady', 'True/PrimaryAvailable', 'False/Stable', 'False/AsExpected'],
  },
  {
    name: 'two-labelled-primaries: the leader is the master',
    input: pod(healthy(3), 2, (p) => (p.roleLabel = 'primary')),
    want: { master: 'db-0', slaves: ['db-1'] },
    conditions: ['True/AllMembersReady', 'True/PrimaryAvailable', 'False/Stable', 'False/AsExpected'],
  },
];

t.test('fold cases', async (t) => {
  for (const c of CASES) {
    const s = foldStatus(c.input);
    t.match(s, c.want, `${c.name}: fields`);
    t.same(
      ['Ready', 'Available', 'Progressing', 'Degraded'].map((k) => cond(s, k)),
      c.conditions,
      `${c.name}: conditions`,
    );
    t.equal(s.observedGeneration, 3, `${c.name}: observedGeneration`);
    for (const x of s.conditions ?? []) t.equal(x.observedGeneration, 3, `${c.name}: ${x.type} observedGeneration`);
  }
});

t.test('raftNodes: from reports, else from the Raft ConfigMaps; every member listed', async (t) => {
  const input = pod(healthy(3), 2, (p) => ((p.report = undefined), (p.ready = false)));
  const s = foldStatus(input);
  t.same(s.raftNodes, [
    {
      name: 'db-0',
      role: 'leader',
      term: 2,
      commitIndex: 10,
      lastApplied: 10,
      gtidExecuted: 'u:1-10',
      healthy: true,
      errant: false,
      lastHeartbeatTime: '2026-11-30T04:59:58Z',
    },
    {
      name: 'db-1',
      role: 'follower',
      term: 2,
      commitIndex: 10,
      lastApplied: 9,
      gtidExecuted: 'u:1-9',
      healthy: true,
      lag: 0,
      errant: false,
      lastHeartbeatTime: '2026-11-30T04:59:58Z',
    },
    { name: 'db-2', term: 2, commitIndex: 10, healthy: false },
  ]);
  const missing = foldStatus({ ...healthy(3), pods: healthy(3).pods.slice(0, 1) });
  t.same(
    missing.raftNodes?.map((n) => [n.name, n.healthy]),
    [
      ['db-0', true],
      ['db-1', false],
      ['db-2', false],
    ],
  );
});

t.test('a fold of its own output is a fixed point: same status, lastTransitionTime kept', async (t) => {
  const first = foldStatus(healthy(3));
  const later = { ...healthy(3), previous: first, now: new Date(NOW.getTime() + 60_000) };
  t.same(foldStatus(later), first);
  const broken = foldStatus(pod(later, 2, (p) => (p.ready = false)));
  const ready = broken.conditions!.find((c) => c.type === 'Ready')!;
  t.equal(ready.lastTransitionTime, '2026-11-30T05:01:00Z', 'moves when the status flips');
  const avail = broken.conditions!.find((c) => c.type === 'Available')!;
  t.equal(avail.lastTransitionTime, '2026-11-30T05:00:00Z', 'kept when the status stays');
});

t.test('electionCount never goes down; lastFailover keeps the newest', async (t) => {
  const prev = {
    ...foldStatus(healthy(3)),
    electionCount: 7,
    lastFailover: { from: 'a', to: 'b', reason: 'x', at: '2026-11-30T04:00:00Z', durationMs: 5 },
  };
  const s = foldStatus({ ...healthy(3), previous: prev });
  t.equal(s.electionCount, 7);
  t.same(s.lastFailover, prev.lastFailover);
});

t.test('agent reports are parsed defensively', async (t) => {
  t.equal(parseAgentReport(undefined), undefined);
  t.equal(parseAgentReport('not json'), undefined);
  t.equal(parseAgentReport('[1]'), undefined);
  t.same(parseAgentReport('{"role":"boss","term":-1,"commit":"7","at":"yesterday","lastFailover":{"to":""}}'), {});
  t.same(parseAgentReport('{"role":"replica","term":4,"lagSeconds":null,"semiSync":{"source":false,"replica":true}}'), {
    role: 'replica',
    term: 4,
    lagSeconds: null,
    semiSync: { source: false, replica: true },
  });
});
