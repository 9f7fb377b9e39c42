// Candidate and pre-candidate: count votes; yield to a leader of our term.
import type { Raft } from './raft.ts';
import type { Message } from './messages.ts';
import { stepFollower } from './step-follower.ts';

/** The (pre)candidate's handling of a message: a leader's message makes it a follower; votes are counted. */
export function stepCandidate(r: Raft, m: Message): void {
  switch (m.type) {
    case 'app':
    case 'heartbeat':
    case 'snap':
      // Figure 2: "If AppendEntries RPC received from new leader: convert to follower".
      r.becomeFollower(m.term, m.from);
      stepFollower(r, m);
      return;
    case 'voteResp':
    case 'preVoteResp':
      onVoteResp(r, m);
      return;
    case 'timeoutNow':
    case 'appResp':
    case 'heartbeatResp':
    case 'vote':
    case 'preVote':
      return;
    default: {
      const never: never = m;
      return never;
    }
  }
}

/** A (pre-)vote answer of the round in progress is counted: a quorum wins, a quorum of refusals loses. */
function onVoteResp(r: Raft, m: Extract<Message, { type: 'voteResp' | 'preVoteResp' }>): void {
  const expected = r.role === 'preCandidate' ? 'preVoteResp' : 'voteResp';
  if (m.type !== expected) return;
  if (m.reject) r.logger.info({ id: r.id, from: m.from, reason: m.reason }, `raft: ${m.type} refused`);
  const res = r.recordVote(m.from, !m.reject);
  if (res === 'won') r.wonVote();
  else if (res === 'lost') r.becomeFollower(r.term, null);
}
