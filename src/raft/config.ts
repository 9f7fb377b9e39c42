// Configuration of one Raft node, validated up front so a bad value fails loudly at start.
import type { RaftLogger } from './logger.ts';
import type { JsonValue, NodeId } from './types.ts';
import { ConfigError } from './raft-errors.ts';

/** Vote predicate: true to allow the vote, or a reason string to refuse it (logged and sent back). */
export type VotePredicate = (candidateId: NodeId, candidateContext: JsonValue) => true | string;

/** A node's Raft settings in ticks and milliseconds, its clock and randomness, and the application's hooks. */
export interface Config {
  /** This node's id (its pod name). */
  id: NodeId;
  /** Ticks without hearing from a leader before a follower campaigns; the actual timeout is drawn
   * from [electionTick, electionTick + electionJitterTick). Also the leader-stickiness window. */
  electionTick: number;
  /** Spread of the randomised election timeout, 1..electionTick (default electionTick: etcd's
   * [electionTick, 2*electionTick)). Smaller detects a silent leader sooner; the lease does not depend
   * on it (it rests on electionTick alone), but two nodes timing out in the same tick split the vote
   * more often. */
  electionJitterTick?: number;
  /** Ticks between leader heartbeats; must be < electionTick. */
  heartbeatTick: number;
  /** Most entries in one AppendEntries message (`logBatchSize`). */
  maxBatchEntries: number;
  /** Most unacknowledged AppendEntries messages in flight to one follower (pipelining window). */
  maxInflight: number;
  /** Run a PreVote round before a real election (thesis 9.6). */
  preVote: boolean;
  /** A leader steps down when it has not heard from a quorum for electionTick ticks (thesis 6.2). */
  checkQuorum: boolean;
  /** Nominal tick length in the units of `now()` (ms); used only by the leader lease. */
  tickMs: number;
  /** Bound on how far clocks may drift apart over one lease (ms); subtracted from the lease. */
  leaseDriftMs: number;
  /** Monotonic clock (ms). Read when a heartbeat round is sent; injected so the simulator controls it. */
  now: () => number;
  /** Uniform random number in [0, 1): randomises election timeouts. Seeded in tests. */
  random: () => number;
  /** Allow or refuse a vote for a candidate, given the context it attached. Default: allow. */
  votePredicate?: VotePredicate;
  /** May this node campaign now? (An agent whose mysqld is down says no.) Default: yes. */
  canCampaign?: () => boolean;
  /** Context attached to this node's (Pre)Vote requests (the agent: its GTID set). Default: null. */
  candidateContext?: () => JsonValue;
  /** Last index the application has already applied (restart); defaults to the snapshot index. */
  applied?: number;
  logger?: RaftLogger;
}

/** A Config that passed resolveConfig: the optional hooks filled in with their defaults. */
export type ResolvedConfig = Required<Omit<Config, 'applied' | 'logger'>> & Pick<Config, 'applied' | 'logger'>;

function posInt(field: string, v: unknown, min: number): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new ConfigError(`raft config: ${field}=${String(v)} must be an integer >= ${min}`);
  }
}

/** The config with its defaults, or a ConfigError naming the first field out of range and what is allowed. */
export function resolveConfig(c: Config): ResolvedConfig {
  if (typeof c.id !== 'string' || c.id.length === 0 || c.id.length > 253) {
    throw new ConfigError(
      `raft config: id=${JSON.stringify(c.id)} must be a non-empty string of at most 253 characters`,
    );
  }
  checkTicks(c);
  checkTiming(c);
  if (c.applied !== undefined) posInt('applied', c.applied, 0);
  return {
    ...c,
    electionJitterTick: c.electionJitterTick ?? c.electionTick,
    votePredicate: c.votePredicate ?? (() => true),
    canCampaign: c.canCampaign ?? (() => true),
    candidateContext: c.candidateContext ?? (() => null),
  };
}

/** Tick counts and batch limits: positive integers, the heartbeat shorter than the election timeout. */
function checkTicks(c: Config): void {
  posInt('electionTick', c.electionTick, 2);
  posInt('heartbeatTick', c.heartbeatTick, 1);
  if (c.heartbeatTick >= c.electionTick) {
    throw new ConfigError(`raft config: heartbeatTick=${c.heartbeatTick} must be < electionTick=${c.electionTick}`);
  }
  if (c.electionJitterTick !== undefined) {
    posInt('electionJitterTick', c.electionJitterTick, 1);
    if (c.electionJitterTick > c.electionTick)
      throw new ConfigError(
        `raft config: electionJitterTick=${c.electionJitterTick} must be <= electionTick=${c.electionTick}`,
      );
  }
  posInt('maxBatchEntries', c.maxBatchEntries, 1);
  posInt('maxInflight', c.maxInflight, 1);
}

/** Wall-clock settings: the tick length, a lease drift within the election span, and the injected clocks. */
function checkTiming(c: Config): void {
  if (typeof c.tickMs !== 'number' || !(c.tickMs > 0) || !Number.isFinite(c.tickMs)) {
    throw new ConfigError(`raft config: tickMs=${String(c.tickMs)} must be a finite number > 0`);
  }
  const span = (c.electionTick - 1) * c.tickMs;
  if (typeof c.leaseDriftMs !== 'number' || !(c.leaseDriftMs >= 0) || !(c.leaseDriftMs < span)) {
    throw new ConfigError(
      `raft config: leaseDriftMs=${String(c.leaseDriftMs)} must be >= 0 and < (electionTick-1)*tickMs=${span}`,
    );
  }
  if (typeof c.now !== 'function') throw new ConfigError('raft config: now must be a function returning monotonic ms');
  if (typeof c.random !== 'function') throw new ConfigError('raft config: random must be a function returning [0, 1)');
}
