// Leader lease (Ongaro's thesis 6.4), from heartbeat rounds.
//
// The leader numbers each heartbeat broadcast (a round) and records when it was sent, by its own
// monotonic clock. A follower that acknowledges a round had heard from the leader when it got it, so
// by leader stickiness it will not vote for anyone else until it has counted electionTick of its own
// ticks, i.e. at least (electionTick - 1) * tickMs of its time after receipt (the first tick may come
// at once). Receipt is after the send. So once a quorum has acknowledged round r, no other leader can
// be elected before sentAt(r) + (electionTick - 1) * tickMs, measured on the followers' clocks;
// subtracting leaseDriftMs converts that to the leader's clock under the drift bound.
import type { NodeId } from './types.ts';
import { quorumValue } from './quorum.ts';

/** The leader's heartbeat rounds and their acks: when the latest round a quorum acknowledged was sent. */
export class LeaseTracker {
  private round = 0;
  private readonly sentAt = new Map<number, number>();
  private readonly acked = new Map<NodeId, number>();

  /** Start a heartbeat round sent at `now`; returns its number. */
  startRound(now: number): number {
    this.round++;
    this.sentAt.set(this.round, now);
    return this.round;
  }

  currentRound(): number {
    return this.round;
  }

  ack(from: NodeId, round: number): void {
    if (round > this.round || round <= (this.acked.get(from) ?? 0)) return;
    this.acked.set(from, round);
  }

  /** Send time of the newest round acknowledged by a quorum of voters (self counts as acking every
   * round it sent), or undefined when no round has a quorum yet. */
  quorumSentAt(self: NodeId, voters: readonly NodeId[]): number | undefined {
    const r = quorumValue(voters, (id) => (id === self ? this.round : (this.acked.get(id) ?? 0)));
    if (r === 0) return undefined;
    this.prune(r);
    return this.sentAt.get(r);
  }

  private prune(below: number): void {
    for (const k of this.sentAt.keys()) {
      if (k < below) this.sentAt.delete(k);
      else break;
    }
  }
}
