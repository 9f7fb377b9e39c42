// The in-memory Raft log: the latest snapshot, then every entry after it. Entries up to `stable` are
// known to be in Storage; the rest ("unstable") are handed to the caller by ready() to persist.
// Keeping persisted entries in memory lets the synchronous core never wait on the async Storage.
import type { Entry, Snapshot } from './types.ts';

/** The in-memory log: the latest snapshot and every entry after it, with the stable, committed and applied marks. */
export class RaftLog {
  snapshot: Snapshot;
  /** ents[k] has index snapshot.index + 1 + k. */
  private ents: Entry[];
  /** Highest index known durable in Storage. */
  stable: number;
  committed: number;
  /** Entries up to here were handed to the application and acknowledged by advance(). */
  applied: number;

  constructor(snapshot: Snapshot, entries: Entry[], committed: number, applied: number) {
    this.snapshot = snapshot;
    this.ents = entries;
    this.stable = snapshot.index + entries.length;
    this.committed = committed;
    this.applied = applied;
  }

  firstIndex(): number {
    return this.snapshot.index + 1;
  }

  lastIndex(): number {
    return this.snapshot.index + this.ents.length;
  }

  /** Term of entry i, or undefined when i is compacted away or beyond the log. */
  term(i: number): number | undefined {
    if (i === this.snapshot.index) return this.snapshot.term;
    if (i < this.snapshot.index) return undefined;
    return this.ents[i - this.snapshot.index - 1]?.term;
  }

  lastTerm(): number {
    return this.term(this.lastIndex())!;
  }

  entry(i: number): Entry | undefined {
    return this.ents[i - this.snapshot.index - 1];
  }

  matchTerm(i: number, term: number): boolean {
    return this.term(i) === term;
  }

  /** Figure 2 / 5.4.1: is a candidate's log (lastIndex, lastTerm) at least as up-to-date as ours? */
  isUpToDate(index: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && index >= this.lastIndex());
  }

  /** Entries [lo, hi), clamped to what is in memory. */
  slice(lo: number, hi: number): Entry[] {
    const from = Math.max(lo, this.firstIndex()) - this.snapshot.index - 1;
    const to = Math.min(hi, this.lastIndex() + 1) - this.snapshot.index - 1;
    return from < to ? this.ents.slice(from, to) : [];
  }

  /** Index of the first entry that is new or conflicts with ours; 0 if all are already present. */
  findConflict(entries: readonly Entry[]): number {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /** Append contiguous entries, truncating any of ours at or after entries[0].index. */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (!first) return;
    this.ents.length = first.index - this.snapshot.index - 1;
    for (const e of entries) this.ents.push(e);
    this.stable = Math.min(this.stable, first.index - 1);
  }

  unstable(): Entry[] {
    return this.slice(this.stable + 1, this.lastIndex() + 1);
  }

  /** The caller persisted everything up to (index, term): mark it stable unless it was since replaced. */
  stableTo(index: number, term: number): void {
    if (this.matchTerm(index, term) && index > this.stable) this.stable = index;
  }

  commitTo(i: number): boolean {
    if (i <= this.committed) return false;
    this.committed = i;
    return true;
  }

  /** Committed entries not yet handed to the application, starting after `from`. */
  committedAfter(from: number): Entry[] {
    return this.slice(Math.max(from, this.snapshot.index) + 1, this.committed + 1);
  }

  /** Replace the whole log with a snapshot from the leader (entries after it kept if they match). */
  restore(s: Snapshot): void {
    const keep = this.matchTerm(s.index, s.term) ? this.slice(s.index + 1, this.lastIndex() + 1) : [];
    this.snapshot = s;
    this.ents = keep;
    this.stable = s.index;
    this.committed = Math.max(this.committed, s.index);
  }

  /** Drop entries up to s.index after a local snapshot (s.index must be applied, hence stable). */
  compact(s: Snapshot): void {
    this.ents = this.slice(s.index + 1, this.lastIndex() + 1);
    this.snapshot = s;
  }

  /** All entries in memory (tests and invariant checkers). */
  all(): readonly Entry[] {
    return this.ents;
  }
}
