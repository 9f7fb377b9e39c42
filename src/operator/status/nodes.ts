// status.raftNodes[]: one entry per member, from its agent's report, else from its Raft ConfigMap.
import type { RaftNodeStatus } from '../../api/types.ts';
import { podName } from '../../api/names.ts';
import type { AgentReport } from './agent-report.ts';
import type { FoldInput, PodView, RaftStateView } from './inputs.ts';

const RAFT_ROLE: Record<NonNullable<AgentReport['role']>, string> = {
  primary: 'leader',
  replica: 'follower',
  candidate: 'candidate',
  unknown: 'unknown',
};

/** Healthy: the pod is ready (the agent's /readyz), its mysqld is up and it holds no errant transaction. */
export function isHealthy(p: PodView | undefined): boolean {
  if (!p || p.deleting || !p.running || !p.ready) return false;
  return p.report?.mysqldUp !== false && p.report?.errant !== true;
}

function drop<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** What the agent's report says of its node (all undefined without a report). */
function reported(r: AgentReport | undefined): Partial<RaftNodeStatus> {
  if (!r) return {};
  return {
    role: r.role ? RAFT_ROLE[r.role] : undefined,
    term: r.term,
    commitIndex: r.commit,
    lastApplied: r.applied,
    gtidExecuted: r.gtid,
    lag: typeof r.lagSeconds === 'number' ? r.lagSeconds : undefined,
    errant: r.errant,
    lastHeartbeatTime: r.at,
  };
}

function node(name: string, pod: PodView | undefined, raft: RaftStateView | undefined): RaftNodeStatus {
  const r = reported(pod?.report);
  return drop({
    ...r,
    name,
    term: r.term ?? raft?.term,
    commitIndex: r.commitIndex ?? raft?.commit,
    healthy: isHealthy(pod),
  });
}

/** Members 0..replicas-1, then any other pod of the cluster, in ordinal order. */
export function raftNodes(input: FoldInput): RaftNodeStatus[] {
  const ordinals = new Set<number>(Array.from({ length: input.replicas }, (_, i) => i));
  for (const p of input.pods) ordinals.add(p.ordinal);
  return [...ordinals]
    .sort((a, b) => a - b)
    .map((i) =>
      node(
        podName(input.name, i),
        input.pods.find((p) => p.ordinal === i),
        input.raftStates.find((s) => s.ordinal === i),
      ),
    );
}
