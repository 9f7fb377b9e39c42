// The agent's compact status, published as the `mysql.ryansu.com/agent-status` annotation on its own
// Pod (docs/agent.md). Parsed defensively: a malformed or partial report is treated field by field,
// never trusted as a whole and never an exception in the reconciler.

/** The last change of primary as one agent saw it. */
export interface FailoverReport {
  from: string;
  to: string;
  reason: string;
  at: string;
  durationMs: number;
}

/** What one agent says about its node. Absent fields mean the agent did not say. */
export interface AgentReport {
  role?: 'primary' | 'replica' | 'candidate' | 'unknown';
  term?: number;
  leader?: string;
  commit?: number;
  applied?: number;
  gtid?: string;
  lagSeconds?: number | null;
  semiSync?: { source: boolean; replica: boolean };
  errant?: boolean;
  mysqldUp?: boolean;
  writable?: boolean;
  at?: string;
  lastFailover?: FailoverReport;
  elections?: number;
}

const ROLES = new Set(['primary', 'replica', 'candidate', 'unknown']);
type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const nat = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const flag = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const time = (v: unknown): string | undefined =>
  typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? v : undefined;

function failover(v: unknown): FailoverReport | undefined {
  if (!isObj(v)) return undefined;
  const from = text(v['from']);
  const to = text(v['to']);
  const at = time(v['at']);
  if (from === undefined || !to || !at) return undefined;
  return { from, to, reason: text(v['reason']) ?? '', at, durationMs: nat(v['durationMs']) ?? 0 };
}

function lag(v: unknown): number | null | undefined {
  if (v === null) return null;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function drop<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The report in an annotation value; undefined when absent or not a JSON object. */
export function parseAgentReport(annotation: string | undefined): AgentReport | undefined {
  if (!annotation) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(annotation);
  } catch {
    return undefined;
  }
  if (!isObj(v)) return undefined;
  const role = text(v['role']);
  const semi = isObj(v['semiSync']) ? v['semiSync'] : undefined;
  return drop({
    role: role && ROLES.has(role) ? (role as AgentReport['role']) : undefined,
    term: nat(v['term']),
    leader: text(v['leader']),
    commit: nat(v['commit']),
    applied: nat(v['applied']),
    gtid: text(v['gtid']),
    lagSeconds: lag(v['lagSeconds']),
    semiSync: semi ? { source: semi['source'] === true, replica: semi['replica'] === true } : undefined,
    errant: flag(v['errant']),
    mysqldUp: flag(v['mysqldUp']),
    writable: flag(v['writable']),
    at: time(v['at']),
    lastFailover: failover(v['lastFailover']),
    elections: nat(v['elections']),
  });
}
