// decide: a pure function from one observation of this node (Raft and MySQL) to the ONE action the
// agent takes next (MOCO's DecideState). observe.ts builds the observation, act.ts carries the action
// out; the safety argument each rule serves is in docs/failover.md, and the rules are tested as a
// table of named states in test/agent/decide.test.ts.
import type { Role } from '../raft/types.ts';

/** The primary the replicated state machine names (the last committed `primary` entry). */
export interface PrimaryRecord {
  pod: string;
  term: number;
}

/** What the agent sees of its own mysqld. */
export type MysqlView =
  | {
      up: false;
      detail: string;
      /** The connection was refused: the process is gone and cannot write (a hung one might again). */
      gone: boolean;
    }
  | {
      up: true;
      /** read_only is OFF. */
      writable: boolean;
      /** The pod whose mysqld this one receives from (IO thread running or connecting). */
      replicatingFrom: string | null;
      /** Holds transactions the primary does not have (found before re-attaching). */
      errant: boolean;
    };

/** One observation of this node. */
export interface Observation {
  self: string;
  role: Role;
  term: number;
  /** The leader this node knows of in its term. */
  lead: string | null;
  /** This node is leader and leaseValidUntil() is further than the fence margin away. */
  leaseHeld: boolean;
  /** An entry of the current term is committed (thesis 3.6.2: a new leader's no-op). */
  ownTermCommitted: boolean;
  /** A leadership transfer is under way from this node. */
  transferring: boolean;
  primary: PrimaryRecord | null;
  mysql: MysqlView;
  /** A graceful stop (SIGTERM, GET /prestop) asked this node to hand over. */
  stopping: boolean;
  /** The MysqlCluster's `mysql.ryansu.com/switchover-to` annotation (a pod or `any`), or null. */
  switchoverTo: string | null;
  /** ms since the last message from `lead` (Infinity when never heard). */
  leaderSilentMs: number;
  /** The election timeout (ms): a follower stops receiving early after half of it (earlyStop()). */
  electionTimeoutMs: number;
  /** A STOP of our IO thread is running (started early or by the vote guard). */
  ioStopInFlight: boolean;
}

/** The one next step. */
export type Action =
  | { kind: 'none'; reason: string }
  | { kind: 'fence-self'; reason: string }
  | { kind: 'promote'; reason: string }
  | { kind: 'repoint'; to: string; reason: string }
  | { kind: 'step-down'; reason: string }
  | { kind: 'handover'; reason: string }
  | { kind: 'switchover'; to: string; reason: string };

/** The action for this observation; never throws. */
export function decide(o: Observation): Action {
  return o.role === 'leader' ? decideLeader(o) : decideFollower(o);
}

function decideLeader(o: Observation): Action {
  const m = o.mysql;
  if (!m.up) return { kind: 'step-down', reason: `own mysqld is down (${m.detail}): hand over at once` };
  if (o.stopping) return { kind: 'handover', reason: 'graceful stop: demote, then hand leadership over' };
  if (!o.leaseHeld || o.transferring) {
    const why = o.transferring ? 'leadership is being transferred' : 'no leader lease (or it ends within the margin)';
    return m.writable ? { kind: 'fence-self', reason: `${why}: stop writes` } : { kind: 'none', reason: why };
  }
  if (m.errant) return { kind: 'step-down', reason: 'own mysqld holds errant transactions: never promoted' };
  if (!o.ownTermCommitted) return { kind: 'none', reason: 'waiting for an entry of our term to commit' };
  return decidePrimary(o, m.writable);
}

/** A leader with its lease, an entry of its term committed, a healthy mysqld: be (or stay) primary. */
function decidePrimary(o: Observation, writable: boolean): Action {
  const mine = o.primary?.pod === o.self && o.primary.term === o.term;
  if (mine && writable && o.switchoverTo)
    return { kind: 'switchover', to: o.switchoverTo, reason: `switchover to ${o.switchoverTo} requested` };
  if (mine && writable) return { kind: 'none', reason: `healthy primary of term ${o.term}` };
  return {
    kind: 'promote',
    reason: mine ? 'primary of this term but read-only: make writable' : `leader of term ${o.term}: become primary`,
  };
}

function decideFollower(o: Observation): Action {
  const m = o.mysql;
  if (!m.up) return { kind: 'none', reason: `own mysqld is down (${m.detail})` };
  if (m.writable) return { kind: 'fence-self', reason: `writable but ${o.role}, not leader: stop writes` };
  if (m.errant) return { kind: 'none', reason: 'errant transactions: not re-attached' };
  // Stopping: the relay log is being applied with the IO thread stopped; re-attaching would refill it.
  if (o.stopping) return { kind: 'none', reason: 'graceful stop: applying the relay log, not re-attaching' };
  const p = o.primary;
  if (!p || p.pod === o.self) return { kind: 'none', reason: 'no other primary to replicate from yet' };
  if (m.replicatingFrom === p.pod) return { kind: 'none', reason: `healthy replica of ${p.pod}` };
  // The IO thread was stopped early (earlyStop()) because the leader went silent: re-attaching now
  // would undo that just before a vote. Once the leader is heard again, the rule below repoints.
  if (leaderSilent(o))
    return { kind: 'none', reason: `leader ${o.lead} silent for ${Math.round(o.leaderSilentMs)} ms: not re-attaching` };
  // Campaigning (the leader is gone or silent): re-attaching to the old primary now would undo the early
  // IO stop before our own vote, and a cut-off one holds the round for the errant check's timeout (2 s
  // of a silent-loss failover, seen in bench:failover). The new term's primary comes with the election.
  if (o.role === 'preCandidate' || o.role === 'candidate')
    return { kind: 'none', reason: `${o.role}: an election is under way, not re-attaching` };
  // After voting in a newer term (IO thread stopped) never re-attach to the old primary: it would get
  // acknowledgements again. Wait for the new term's primary record (or its leader being that pod).
  if (p.term !== o.term && o.lead !== p.pod)
    return { kind: 'none', reason: `waiting for the primary of term ${o.term} (log names ${p.pod}@${p.term})` };
  return { kind: 'repoint', to: p.pod, reason: `replicate from ${p.pod} (primary of term ${p.term})` };
}

/** A follower that has not heard from its leader for half the election timeout. */
export function leaderSilent(o: Observation): boolean {
  return o.role === 'follower' && o.lead !== null && o.lead !== o.self && o.leaderSilentMs >= o.electionTimeoutMs / 2;
}

/** Whether to stop the IO thread now, ahead of any vote (earlyStop()). */
export type EarlyStop = { stop: true; from: string; reason: string } | { stop: false; reason: string };

/**
 * Pure: a follower that replicates from its leader and has not heard from it for half the election
 * timeout stops its IO thread early, in the background, so that when a candidate asks for its vote
 * the vote guard finds the thread already stopped, and a vote never waits on a STOP. A slow STOP has
 * the thread killed after 200 ms (stopIo(); a plain STOP took 2 s on a silent source, longer than the
 * guard's deadline); started here, even a slow one has until the first vote request (at least the
 * other half of the election timeout).
 *
 * Why it is safe: stopping the IO thread only withholds this node's acknowledgements from that
 * primary (and stops this node receiving from it). With no fallback to async, a primary that lacks
 * acknowledgements blocks its writers: nothing acknowledged can be lost by it, and a primary that is
 * probably gone gets none anyway. The cost, when the leader was merely slow for half an election
 * timeout, is a pause of its writes until the leader is heard again and decide() repoints.
 */
export function earlyStop(o: Observation): EarlyStop {
  if (o.role !== 'follower' || !o.lead || o.lead === o.self) return { stop: false, reason: 'no leader to follow' };
  if (!leaderSilent(o)) return { stop: false, reason: `leader ${o.lead} heard recently` };
  if (o.stopping) return { stop: false, reason: 'graceful stop: the relay-log drain stops the IO thread' };
  if (!o.mysql.up) return { stop: false, reason: 'own mysqld is down' };
  if (o.mysql.replicatingFrom !== o.lead)
    return {
      stop: false,
      reason: `not receiving from the leader ${o.lead} (source: ${o.mysql.replicatingFrom ?? 'none'})`,
    };
  if (o.ioStopInFlight) return { stop: false, reason: 'a STOP of the IO thread is already running' };
  return {
    stop: true,
    from: o.lead,
    reason: `leader ${o.lead} silent for ${Math.round(o.leaderSilentMs)} ms (half the election timeout is ${o.electionTimeoutMs / 2} ms)`,
  };
}
