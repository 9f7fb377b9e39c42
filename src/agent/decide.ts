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
  // After voting in a newer term (IO thread stopped) never re-attach to the old primary: it would get
  // acknowledgements again. Wait for the new term's primary record (or its leader being that pod).
  if (p.term !== o.term && o.lead !== p.pod)
    return { kind: 'none', reason: `waiting for the primary of term ${o.term} (log names ${p.pod}@${p.term})` };
  return { kind: 'repoint', to: p.pod, reason: `replicate from ${p.pod} (primary of term ${p.term})` };
}
