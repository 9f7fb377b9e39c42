// The leader's view of one follower's log (Figure 2's nextIndex/matchIndex) plus flow control:
// 'probe' sends one AppendEntries at a time until the match point is found, 'replicate' pipelines up
// to maxInflight batches, 'snapshot' waits for an InstallSnapshot to land.

/** The leader's flow-control mode for one follower (see the top of this file). */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** The leader's view of one follower: match and next index, flow-control state and in-flight batches. */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** probe: one message is out, wait for its answer (or a heartbeat answer). */
  probeSent = false;
  /** snapshot: the index of the snapshot sent, and the tick it was sent at (to retry if lost). */
  pendingSnapshot = 0;
  snapshotSentTick = 0;
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  /** Last index of each AppendEntries in flight, oldest first. */
  inflight: number[] = [];

  constructor(
    next: number,
    public isLearner: boolean,
  ) {
    this.next = next;
  }

  becomeProbe(): void {
    // After a snapshot the follower has at least the snapshot index.
    this.next = this.state === 'snapshot' ? Math.max(this.match, this.pendingSnapshot) + 1 : this.match + 1;
    this.state = 'probe';
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflight = [];
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.probeSent = false;
    this.inflight = [];
  }

  becomeSnapshot(index: number, tick: number): void {
    this.state = 'snapshot';
    this.pendingSnapshot = index;
    this.snapshotSentTick = tick;
    this.inflight = [];
  }

  /** A successful reply up to `index`; false if it tells us nothing new (stale or duplicate). */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    while (this.inflight.length > 0 && this.inflight[0]! <= index) this.inflight.shift();
    return updated;
  }

  /** A rejection of AppendEntries at `rejected`; the follower's last index is `hint`.
   * False if the rejection is stale (answers an older message than the one we now care about). */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  isPaused(maxInflight: number): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflight.length >= maxInflight;
      case 'snapshot':
        return true;
      default: {
        const never: never = this.state;
        return never;
      }
    }
  }
}
