// Wire messages between Raft nodes: plain JSON objects discriminated by `type`.
// Every message carries the sender's term; the receiver applies the term rules of Figure 2 first.
import type { Entry, JsonValue, NodeId, Snapshot } from './types.ts';

interface Base {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

/** AppendEntries (Figure 2). `index`/`logTerm` identify the entry preceding `entries`. */
export interface AppendMsg extends Base {
  readonly type: 'app';
  readonly index: number;
  readonly logTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

/** Reply to 'app' or 'snap'. On success `index` is the last index now known to match the leader;
 * on reject `index` is the rejected `app.index` and `hint` the follower's last index. */
export interface AppendRespMsg extends Base {
  readonly type: 'appResp';
  readonly index: number;
  readonly reject: boolean;
  readonly hint: number;
}

/** RequestVote, or its PreVote probe (thesis 9.6), which carries the term the sender would campaign in.
 * `context` is opaque application metadata for the vote predicate (the agent puts its GTID set there).
 * `transfer` marks an election started by TimeoutNow, which may override leader stickiness (3.10). */
export interface VoteMsg extends Base {
  readonly type: 'vote' | 'preVote';
  readonly index: number;
  readonly logTerm: number;
  readonly context: JsonValue;
  readonly transfer: boolean;
}

/** Reply to 'vote' or 'preVote': granted unless `reject`. */
export interface VoteRespMsg extends Base {
  readonly type: 'voteResp' | 'preVoteResp';
  readonly reject: boolean;
  /** Why the vote was refused (observability only; never used for decisions). */
  readonly reason?: string;
}

/** Heartbeat. `round` numbers the leader's heartbeat broadcasts; echoed acks feed the leader lease. */
export interface HeartbeatMsg extends Base {
  readonly type: 'heartbeat';
  readonly commit: number;
  readonly round: number;
}

/** Reply to 'heartbeat', echoing its round for the leader lease. */
export interface HeartbeatRespMsg extends Base {
  readonly type: 'heartbeatResp';
  readonly round: number;
}

/** InstallSnapshot, sent whole (the ConfigMap-backed state is small). */
export interface SnapshotMsg extends Base {
  readonly type: 'snap';
  readonly snapshot: Snapshot;
}

/** Leadership transfer: tells an up-to-date follower to start an election at once (thesis 3.10). */
export interface TimeoutNowMsg extends Base {
  readonly type: 'timeoutNow';
}

/** Any message between Raft nodes, discriminated by `type`. */
export type Message =
  AppendMsg | AppendRespMsg | VoteMsg | VoteRespMsg | HeartbeatMsg | HeartbeatRespMsg | SnapshotMsg | TimeoutNowMsg;

/** The `type` of a Message. */
export type MessageType = Message['type'];

/** Every message type, for validation. */
export const MESSAGE_TYPES: readonly MessageType[] = [
  'app',
  'appResp',
  'vote',
  'preVote',
  'voteResp',
  'preVoteResp',
  'heartbeat',
  'heartbeatResp',
  'snap',
  'timeoutNow',
];

/** Messages only a leader sends; a node that does not know its configuration yet accepts these. */
export function isLeaderMessage(m: Message): m is AppendMsg | HeartbeatMsg | SnapshotMsg {
  return m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap';
}
