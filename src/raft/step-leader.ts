// Leader: track followers' progress, advance the commit index, feed the lease, finish transfers.
import type { Raft } from './raft.ts';
import type { Progress } from './progress.ts';
import type { AppendRespMsg, HeartbeatRespMsg, Message } from './messages.ts';
import { maybeCommit, sendAppend, sendAppendsWhileAllowed } from './replication.ts';

/** The leader's handling of a message: progress and commit from append answers, lease rounds from heartbeat answers. */
export function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case 'appResp':
      onAppendResp(r, m);
      return;
    case 'heartbeatResp':
      onHeartbeatResp(r, m);
      return;
    case 'app':
    case 'heartbeat':
    case 'snap':
      // Election safety (5.2) says this cannot happen; a hostile or buggy peer must not move us.
      r.logger.error(
        { id: r.id, from: m.from, term: m.term, type: m.type },
        'raft: another leader claims our term; dropped',
      );
      return;
    case 'timeoutNow':
    case 'voteResp':
    case 'preVoteResp':
    case 'vote':
    case 'preVote':
      return;
    default: {
      const never: never = m;
      return never;
    }
  }
}

function onAppendResp(r: Raft, m: AppendRespMsg): void {
  const pr = r.prs.get(m.from);
  if (!pr) return;
  if (m.index > r.log.lastIndex()) {
    r.logger.warn(
      { id: r.id, from: m.from, index: m.index, last: r.log.lastIndex() },
      'raft: dropped appResp beyond our log',
    );
    return;
  }
  pr.recentActive = true;
  if (m.reject) {
    if (pr.maybeDecrTo(m.index, m.hint)) {
      if (pr.state === 'replicate') pr.becomeProbe();
      sendAppend(r, m.from, true);
    }
    return;
  }
  const wasPaused = pr.isPaused(r.cfg.maxInflight);
  if (pr.maybeUpdate(m.index)) onAppendAccepted(r, m.from, pr);
  else if (wasPaused && !pr.isPaused(r.cfg.maxInflight)) sendAppendsWhileAllowed(r, m.from);
}

/** The follower's match advanced: leave probe (or a finished snapshot), commit what a quorum holds, send more. */
function onAppendAccepted(r: Raft, from: string, pr: Progress): void {
  if (pr.state === 'probe') pr.becomeReplicate();
  else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
    pr.becomeProbe();
    pr.becomeReplicate();
  }
  if (!maybeCommit(r) && r.role === 'leader') sendAppendsWhileAllowed(r, from);
  if (r.role !== 'leader') return;
  // Thesis 3.10: once the target holds our whole log (and every lease instant we handed out has
  // passed), tell it to campaign.
  if (from === r.leadTransferee) r.maybeSendTimeoutNow();
}

function onHeartbeatResp(r: Raft, m: HeartbeatRespMsg): void {
  const pr = r.prs.get(m.from);
  if (!pr) return;
  if (m.round > r.lease.currentRound()) {
    r.logger.warn({ id: r.id, from: m.from, round: m.round }, 'raft: dropped heartbeatResp for a round never sent');
    return;
  }
  pr.recentActive = true;
  if (!pr.isLearner) r.lease.ack(m.from, m.round);
  // A heartbeat answer proves the follower is reachable: retry a probe, free a pipeline slot.
  if (pr.state === 'probe') pr.probeSent = false;
  else if (pr.state === 'replicate' && pr.inflight.length >= r.cfg.maxInflight) pr.inflight.shift();
  if (pr.match < r.log.lastIndex()) sendAppend(r, m.from, true);
}
