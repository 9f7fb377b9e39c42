// Plain data shared by every part of the Raft core. Everything here is JSON-serialisable so that the
// agent can ship it over HTTP and the ConfigMap storage can keep it as readable JSON lines.
// Design note: docs/raft.md.

/** A Raft node id: the pod name. */
export type NodeId = string;

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** 'noop' is the empty entry a new leader appends at the start of its term (thesis 3.6.2). */
export type EntryType = 'normal' | 'noop' | 'conf';

/** A Raft log entry. */
export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  /** Application payload; for 'conf' entries a ConfEntryData; null for 'noop'. */
  readonly data: JsonValue;
}

/** The part of a node's state that must be durable before it answers anyone (Figure 2). */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId | null;
  readonly commit: number;
}

/** A configuration: the voters, and the learners that receive the log without voting. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/** Single-server membership changes (thesis 4.1): learner first, then promote, or remove. */
export type ConfChangeType = 'addLearner' | 'promote' | 'remove';

/** One membership change of one node. */
export interface ConfChange {
  readonly type: ConfChangeType;
  readonly node: NodeId;
}

/** A conf entry carries the change and the full configuration it produces, so that the latest conf
 * entry in a log alone tells the configuration (thesis 4.1: a server uses the latest one in its log). */
export interface ConfEntryData {
  readonly change: ConfChange;
  readonly conf: ConfState;
}

/** The state machine's state up to `index`, with the term and configuration there. */
export interface Snapshot {
  /** Last index covered by the snapshot; 0 for the bootstrap snapshot. */
  readonly index: number;
  readonly term: number;
  /** Configuration as of `index`. */
  readonly conf: ConfState;
  readonly data: JsonValue;
}

/** A node's Raft role; 'preCandidate' is PreVote's probe before a real campaign. */
export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** The configuration with no members, frozen. */
export const EMPTY_CONF: ConfState = Object.freeze({ voters: Object.freeze([]), learners: Object.freeze([]) });
