// The durable side of a Raft node. The core never calls the write side itself: the caller persists
// what ready() hands out (see rawnode.ts). The read side is used only when a node (re)starts, because
// the core keeps every persisted entry in memory (logs are kept small by compaction).
//
// Layout it must represent: one snapshot (index, term, conf, data; index 0 is the bootstrap
// snapshot holding the initial configuration), then the contiguous entries snapshot.index+1..lastIndex,
// then the hard state {term, vote, commit}.
//
// Every method may reject with an implementation-specific I/O error; the caller must then stop the
// node (and restart it from storage), never carry on as if the write happened.
import type { Entry, HardState, Snapshot } from './types.ts';

/** What a restarting node reads first. */
export interface InitialState {
  readonly hardState: HardState;
}

/**
 * The durable side of a node: reads used at (re)start, and the writes the caller makes from each Ready (see the top of
 * this file).
 */
export interface Storage {
  /** The saved hard state. A never-written storage returns {term: 0, vote: null, commit: 0}. */
  initialState(): Promise<InitialState>;

  /** Entries [lo, hi) in index order, stopping early once their JSON size would exceed maxSize bytes
   * (at least one entry is always returned when lo < hi). Rejects with CompactedError if
   * lo <= snapshot index, with UnavailableError if hi > lastIndex + 1. */
  entries(lo: number, hi: number, maxSize: number): Promise<Entry[]>;

  /** Term of entry i; for i == snapshot index, the snapshot's term. CompactedError if i < snapshot
   * index, UnavailableError if i > lastIndex. */
  term(i: number): Promise<number>;

  /** snapshot index + 1 (the first index that may hold an entry). */
  firstIndex(): Promise<number>;

  /** Index of the last entry, or the snapshot index when there is none. */
  lastIndex(): Promise<number>;

  /** The latest snapshot (the bootstrap snapshot, index 0, if none was taken). */
  snapshot(): Promise<Snapshot>;

  /** Write entries, which are contiguous. entries[0].index may be anywhere in
   * (snapshot index, lastIndex + 1]: every stored entry at or after it is discarded first (a follower's
   * log is overwritten by its leader's). CompactedError if entries[0].index <= snapshot index,
   * UnavailableError if it leaves a gap. An empty array is a no-op. Durable when the promise resolves. */
  append(entries: readonly Entry[]): Promise<void>;

  /** Replace the hard state. Durable when the promise resolves. */
  setHardState(hardState: HardState): Promise<void>;

  /** Replace everything with a snapshot received from the leader: entries are dropped, except that
   * entries after snapshot.index are kept when the entry at snapshot.index has snapshot.term.
   * SnapshotOutOfDateError if snapshot.index <= the held snapshot's index. */
  applySnapshot(snapshot: Snapshot): Promise<void>;

  /** Record a locally taken snapshot and drop the entries up to snapshot.index, keeping later ones.
   * SnapshotOutOfDateError if snapshot.index <= the held snapshot's index; UnavailableError if
   * snapshot.index > lastIndex. */
  compact(snapshot: Snapshot): Promise<void>;
}
