// Follower: accept the leader's log (Figure 2 AppendEntries receiver rules), heartbeats and
// snapshots; start an election on TimeoutNow.
import type { Raft } from './raft.ts';
import type { AppendMsg, HeartbeatMsg, Message, SnapshotMsg } from './messages.ts';

/** The follower's handling of a message: appends, heartbeats and snapshots from the leader, TimeoutNow. */
export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case 'app':
      r.heardFromLeader(m.from);
      handleAppend(r, m);
      return;
    case 'heartbeat':
      r.heardFromLeader(m.from);
      handleHeartbeat(r, m);
      return;
    case 'snap':
      r.heardFromLeader(m.from);
      handleSnapshot(r, m);
      return;
    case 'timeoutNow':
      // Thesis 3.10: the leader says we are up to date; campaign now, skipping PreVote.
      r.logger.info({ id: r.id, from: m.from }, 'raft: TimeoutNow received, campaigning');
      r.hup(true);
      return;
    case 'appResp':
    case 'heartbeatResp':
    case 'voteResp':
    case 'preVoteResp':
    case 'vote':
    case 'preVote':
      return; // answers to a role we no longer hold; votes are handled before the role step
    default: {
      const never: never = m;
      return never;
    }
  }
}

/**
 * Follower: appends a leader's entries when the log matches at `m.index` (Figure 2) and answers; never overwrites a
 * committed entry.
 */
export function handleAppend(r: Raft, m: AppendMsg): void {
  const respond = (index: number, reject: boolean, hint = 0) =>
    r.msgs.push({ type: 'appResp', from: r.id, to: m.from, term: r.term, index, reject, hint });
  if (m.index < r.log.committed) {
    respond(r.log.committed, false);
    return;
  }
  if (!r.log.matchTerm(m.index, m.logTerm)) {
    respond(m.index, true, Math.min(m.index, r.log.lastIndex()));
    return;
  }
  const ci = r.log.findConflict(m.entries);
  if (ci !== 0 && ci <= r.log.committed) {
    r.logger.error(
      { id: r.id, from: m.from, index: ci, committed: r.log.committed },
      'raft: dropped append that would overwrite a committed entry',
    );
    return;
  }
  const lastNew = m.index + m.entries.length;
  if (ci !== 0) {
    const fresh = m.entries.slice(ci - m.index - 1);
    const touchesConf = r.confIndex >= ci || fresh.some((e) => e.type === 'conf');
    r.log.append(fresh);
    if (touchesConf) r.recomputeConf();
  }
  r.log.commitTo(Math.min(m.commit, lastNew));
  respond(lastNew, false);
}

/** Follower: learns the commit index a heartbeat carries (up to its own last index) and echoes its round. */
export function handleHeartbeat(r: Raft, m: HeartbeatMsg): void {
  r.log.commitTo(Math.min(m.commit, r.log.lastIndex()));
  r.msgs.push({ type: 'heartbeatResp', from: r.id, to: m.from, term: r.term, round: m.round });
}

/**
 * Follower: installs a leader's snapshot unless it already holds those entries or has committed past them; answers
 * with the index it now matches.
 */
export function handleSnapshot(r: Raft, m: SnapshotMsg): void {
  const s = m.snapshot;
  const respond = (index: number) =>
    r.msgs.push({ type: 'appResp', from: r.id, to: m.from, term: r.term, index, reject: false, hint: 0 });
  if (s.index <= r.log.committed) {
    respond(r.log.committed);
    return;
  }
  if (r.log.matchTerm(s.index, s.term)) {
    // We already hold the entries: just learn that they are committed.
    r.log.commitTo(s.index);
    respond(s.index);
    return;
  }
  r.logger.info({ id: r.id, index: s.index, term: s.term }, 'raft: installing snapshot from leader');
  r.log.restore(s);
  r.pendingSnapshot = s;
  r.pendingCompaction = null;
  r.recomputeConf();
  respond(s.index);
}
