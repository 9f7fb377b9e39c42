// What the agent publishes about its node, as pure functions of one observation: the role label
// (moved only after the fence or promotion it describes), the compact status annotation the
// reconciler folds (docs/agent.md; src/operator/status/agent-report.ts parses it) and the readiness
// answer of GET /readyz. publisher.ts writes them; test/agent/publication.test.ts tables them.
import type { Role } from '../raft/types.ts';
import type { StatusSnapshot } from '../mysql/index.ts';
import type { MysqlView, PrimaryRecord } from './decide.ts';
import { Roles } from '../api/names.ts';

/** The last failover this node carried out. */
export interface FailoverRecord {
  from: string;
  to: string;
  reason: string;
  at: string;
  durationMs: number;
}

/** Everything the publications are computed from. */
export interface NodeFacts {
  self: string;
  role: Role;
  term: number;
  /** The leader this node knows in its term. */
  lead: string | null;
  commit: number;
  applied: number;
  /** The primary the replicated log names. */
  primary: PrimaryRecord | null;
  /** This node is leader and made itself primary in its current term. */
  promotedThisTerm: boolean;
  mysql: MysqlView;
  snapshot: StatusSnapshot | null;
  lastFailover: FailoverRecord | undefined;
  /** Primary records in the replicated log (every term that got a primary). */
  elections: number;
}

/** The `mysql.ryansu.com/agent-status` annotation, field for field as docs/agent.md lists it. */
export interface AgentStatusReport {
  role: 'primary' | 'replica' | 'candidate' | 'unknown';
  term: number;
  leader: string;
  commit: number;
  applied: number;
  gtid: string;
  lagSeconds: number | null;
  semiSync: { source: boolean; replica: boolean };
  errant: boolean;
  mysqldUp: boolean;
  writable: boolean;
  at: string;
  lastFailover?: FailoverRecord;
  elections: number;
}

const REPORT_ROLE: Record<Role, AgentStatusReport['role']> = {
  leader: 'primary',
  follower: 'replica',
  candidate: 'candidate',
  preCandidate: 'candidate',
};

/** The status report of this node at `now`. */
export function agentReport(f: NodeFacts, now: Date): AgentStatusReport {
  const s = f.snapshot;
  const up = f.mysql.up;
  return {
    role: REPORT_ROLE[f.role] ?? 'unknown',
    term: f.term,
    leader: f.role === 'leader' ? f.self : (f.lead ?? ''),
    commit: f.commit,
    applied: f.applied,
    gtid: s ? s.executed.toString() : '',
    lagSeconds: s?.replica?.lagSeconds ?? null,
    semiSync: { source: s?.semiSync.sourceActive ?? false, replica: s?.semiSync.replicaActive ?? false },
    errant: up ? f.mysql.errant : false,
    mysqldUp: up,
    writable: up ? f.mysql.writable : false,
    at: now.toISOString(),
    ...(f.lastFailover ? { lastFailover: f.lastFailover } : {}),
    elections: f.elections,
  };
}

/** The annotation value: compact JSON. */
export function formatAgentStatus(r: AgentStatusReport): string {
  return JSON.stringify(r);
}

/** Two reports say the same (their `at` aside): nothing to write. */
export function sameReport(a: AgentStatusReport | undefined, b: AgentStatusReport): boolean {
  return a !== undefined && formatAgentStatus({ ...a, at: '' }) === formatAgentStatus({ ...b, at: '' });
}

/** A value of the role label. */
export type RoleLabel = (typeof Roles)[keyof typeof Roles];

/**
 * The role label this node should carry, or undefined to leave it as it is. `primary` only once the
 * node is the writable primary of its own term (after its promotion); `replica` only once its mysqld is
 * read-only (after a fence) or gone (a refused connection: the process cannot write). A writable node
 * that is not primary of its term, or a mysqld that does not answer, keeps the label it has: the
 * fence it waits for has not happened yet.
 */
export function roleLabel(f: Pick<NodeFacts, 'promotedThisTerm' | 'role' | 'mysql'>): RoleLabel | undefined {
  const m = f.mysql;
  if (!m.up) return m.gone ? Roles.replica : undefined;
  if (!m.writable) return Roles.replica;
  return f.role === 'leader' && f.promotedThisTerm ? Roles.primary : undefined;
}

/** What GET /readyz answers. */
export interface Readiness {
  ready: boolean;
  reason: string;
}

type ReadinessFacts = Pick<NodeFacts, 'self' | 'role' | 'term' | 'primary' | 'promotedThisTerm' | 'mysql' | 'snapshot'>;

/** Ready = the writable primary of this term, or a read-only replica whose IO and SQL threads run
 * against the primary the log names. Anything else is not ready, with the reason. */
export function readiness(f: ReadinessFacts): Readiness {
  const m = f.mysql;
  if (!m.up) return { ready: false, reason: `mysqld is down (${m.detail})` };
  if (m.errant) return { ready: false, reason: 'mysqld holds errant transactions: not re-attached' };
  if (f.role === 'leader') {
    if (f.promotedThisTerm && m.writable) return { ready: true, reason: `writable primary of term ${f.term}` };
    return { ready: false, reason: `leader of term ${f.term}, not yet the writable primary` };
  }
  if (m.writable) return { ready: false, reason: `writable but ${f.role}: being fenced` };
  return replicaReadiness(f, m.replicatingFrom);
}

function replicaReadiness(f: ReadinessFacts, from: string | null): Readiness {
  const p = f.primary;
  if (!p || p.pod === f.self) return { ready: false, reason: 'no other primary known yet' };
  if (from !== p.pod)
    return { ready: false, reason: `not replicating from the primary ${p.pod} (source: ${from ?? 'none'})` };
  const r = f.snapshot?.replica;
  if (r?.ioRunning !== 'yes') return { ready: false, reason: `IO thread from ${p.pod} is ${r?.ioRunning ?? 'absent'}` };
  if (!r.sqlRunning) return { ready: false, reason: `SQL thread stopped: ${r.lastSqlError || 'no error given'}` };
  return { ready: true, reason: `replica of ${p.pod} (primary of term ${p.term})` };
}
