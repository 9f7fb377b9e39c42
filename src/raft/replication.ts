// Leader-side log replication: batching (maxBatchEntries per message), pipelining (up to
// maxInflight batches per follower), probing after a rejection, snapshots for followers behind the
// compacted log, heartbeats (which carry the lease rounds), and the commit rule.
import type { Raft } from './raft.ts';
import type { Progress } from './progress.ts';
import type { NodeId } from './types.ts';
import { quorumValue } from './quorum.ts';

/** Leader: send what proposals appended since the last call, batched. */
export function flush(r: Raft): void {
  if (r.role !== 'leader' || !r.pendingBcast) return;
  r.pendingBcast = false;
  for (const id of r.prs.keys()) sendAppendsWhileAllowed(r, id);
}

/** Send one AppendEntries (or the snapshot when the entries it needs are compacted). */
export function sendAppend(r: Raft, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = r.prs.get(to);
  if (!pr || pr.isPaused(r.cfg.maxInflight)) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  if (prevTerm === undefined) return sendSnapshot(r, to, pr);
  const entries = r.log.slice(pr.next, pr.next + r.cfg.maxBatchEntries);
  if (entries.length === 0 && !sendIfEmpty) return false;
  r.msgs.push({
    type: 'app',
    from: r.id,
    to,
    term: r.term,
    index: prevIndex,
    logTerm: prevTerm,
    entries,
    commit: r.log.committed,
  });
  const last = entries[entries.length - 1];
  if (pr.state === 'replicate' && last) {
    pr.next = last.index + 1;
    pr.inflight.push(last.index);
  } else if (pr.state === 'probe') {
    pr.probeSent = true;
  }
  return true;
}

/** Leader: sends `to` as many AppendEntries as its flow control allows now. */
export function sendAppendsWhileAllowed(r: Raft, to: NodeId): void {
  // A probe or snapshot pauses after one send, a pipeline after maxInflight: bound it by that.
  for (let i = 0; i <= r.cfg.maxInflight && sendAppend(r, to, false); i++);
}

/** Leader: sends `to` the current snapshot and marks its progress as waiting for it; always true. */
export function sendSnapshot(r: Raft, to: NodeId, pr: Progress): boolean {
  const s = r.log.snapshot;
  pr.becomeSnapshot(s.index, r.ticks);
  r.logger.info({ id: r.id, to, index: s.index }, 'raft: sending snapshot');
  r.msgs.push({ type: 'snap', from: r.id, to, term: r.term, snapshot: s });
  return true;
}

/** Leader: sends every follower an AppendEntries, even an empty one, so all learn the commit index. */
export function bcastAppend(r: Raft): void {
  for (const id of r.prs.keys()) sendAppend(r, id, true);
}

/** Leader: sends every follower a heartbeat of a new lease round; the commit index sent is capped at its match. */
export function bcastHeartbeat(r: Raft): void {
  const round = r.lease.startRound(r.cfg.now());
  for (const [to, pr] of r.prs) {
    r.msgs.push({
      type: 'heartbeat',
      from: r.id,
      to,
      term: r.term,
      commit: Math.min(pr.match, r.log.committed),
      round,
    });
  }
}

/** Commit the highest index a quorum holds, but only by counting an entry of the current term
 * (5.4.2: older-term entries commit indirectly). */
export function maybeCommit(r: Raft): boolean {
  const mci = quorumValue(r.conf.voters, (id) => (id === r.id ? r.log.stable : (r.prs.get(id)?.match ?? 0)));
  if (mci <= r.log.committed || r.log.term(mci) !== r.term) return false;
  r.log.commitTo(mci);
  bcastAppend(r);
  // Thesis 4.2.2: a leader removed from the configuration steps down once that change commits.
  if (!r.promotable() && r.confIndex <= r.log.committed) {
    r.logger.info({ id: r.id, term: r.term }, 'raft: removed from the configuration, stepping down');
    r.becomeFollower(r.term, null);
  }
  return true;
}

/** Leader: tells `to` to campaign now (leadership transfer, thesis 3.10). */
export function sendTimeoutNow(r: Raft, to: NodeId): void {
  r.timeoutNowSent = true;
  r.msgs.push({ type: 'timeoutNow', from: r.id, to, term: r.term });
}
