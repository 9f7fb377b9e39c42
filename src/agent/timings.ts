// From the MysqlCluster's raft settings to the Raft core's tick counts: a pure function, so the
// arithmetic that the lease rests on is tested without a cluster (docs/agent.md, "Timings").
import { DEFAULTS } from '../api/defaults.ts';
import { parseDuration } from '../api/duration.ts';
import type { RaftSpec } from '../api/types.ts';
import { AgentConfigError } from './config.ts';

/** Tick counts and lengths for the Raft core. */
export interface Timings {
  tickMs: number;
  electionTick: number;
  /** Spread of the randomised election timeout (ticks): a third of electionTick, so a silent leader is
   * replaced within ~1.33 election timeouts rather than etcd's up to 2 (docs/agent.md, "Timings"). */
  electionJitterTick: number;
  heartbeatTick: number;
  leaseDriftMs: number;
  electionTimeoutMs: number;
  maxBatchEntries: number;
}

/** spec.raft (defaults filled in) with the agent's tick and drift bound; throws naming a bad field. */
export function timingsFrom(raft: RaftSpec | undefined, tickMs: number, leaseDriftMs: number): Timings {
  const parse = (field: string, v: string): number => {
    try {
      return parseDuration(v);
    } catch (err) {
      throw new AgentConfigError(`spec.raft.${field} = ${JSON.stringify(v)}: ${(err as Error).message}`);
    }
  };
  const election = parse('electionTimeout', raft?.electionTimeout ?? DEFAULTS.electionTimeout);
  const heartbeat = parse('heartbeatInterval', raft?.heartbeatInterval ?? DEFAULTS.heartbeatInterval);
  const electionTick = Math.max(2, Math.round(election / tickMs));
  const heartbeatTick = Math.min(electionTick - 1, Math.max(1, Math.round(heartbeat / tickMs)));
  const span = (electionTick - 1) * tickMs;
  if (leaseDriftMs >= span)
    throw new AgentConfigError(
      `--lease-drift = ${leaseDriftMs}ms must be below (electionTimeout - tick) = ${span}ms (spec.raft.electionTimeout ${election}ms)`,
    );
  return {
    tickMs,
    electionTick,
    electionJitterTick: Math.max(1, Math.round(electionTick / 3)),
    heartbeatTick,
    leaseDriftMs,
    electionTimeoutMs: electionTick * tickMs,
    maxBatchEntries: raft?.logBatchSize ?? DEFAULTS.logBatchSize,
  };
}
