// The durable side of a Raft node, in two halves (shaped like etcd-io/raft's storage.go):
//  - StorageReader: what the core reads, only when a node (re)starts (RawNode.start), because the core
//    keeps every persisted entry in memory (logs are kept small by compaction);
//  - Storage adds ONE write: persist(batch), which makes what one Ready hands out durable. A medium
//    that can write it atomically does so in one operation (the ConfigMap storage: one update).
// The core never writes itself: the Ready loop (src/agent/loop.ts) calls persist() before it sends.
//
// Layout it must represent: one snapshot (index, term, conf, data; index 0 is the bootstrap
// snapshot holding the initial configuration), then the contiguous entries snapshot.index+1..lastIndex,
// then the hard state {term, vote, commit}.
//
// Every method may reject with an implementation-specific I/O error. After a rejected persist() the
// storage is stopped: every later call rejects too, and the caller must restart the node from what is
// really stored, never carry on as if the write happened.
import type { Entry, HardState, Snapshot } from './types.ts';

/** What a restarting node reads first. */
export interface InitialState {
  readonly hardState: HardState;
}

/** The read side: everything RawNode.start needs. */
export interface StorageReader {
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
}

/**
 * What one Ready asks to be made durable (a Ready is one). Applied in this order:
 *  1. snapshot: a snapshot received from the leader replaces everything; entries after
 *     snapshot.index are kept when the entry at snapshot.index has snapshot.term
 *     (SnapshotOutOfDateError if snapshot.index <= the held snapshot's index);
 *  2. entries: contiguous; entries[0].index may be anywhere in (snapshot index, lastIndex + 1] and
 *     every stored entry at or after it is discarded first (a follower's log is overwritten by its
 *     leader's). CompactedError if entries[0].index <= snapshot index, UnavailableError on a gap;
 *  3. hardState: replaces the hard state (after the entries: a commit never points past them);
 *  4. compaction: a locally taken snapshot; entries up to its index are dropped, later ones kept
 *     (SnapshotOutOfDateError if not beyond the held snapshot, UnavailableError if beyond lastIndex).
 */
export interface PersistBatch {
  readonly snapshot?: Snapshot;
  readonly entries?: readonly Entry[];
  readonly hardState?: HardState;
  readonly compaction?: Snapshot;
}

/** A StorageReader that can also make a batch durable: what RawNode is given to persist through. */
export interface Storage extends StorageReader {
  /** Makes `batch` durable, all of it or (on a rejection) possibly none of it; durable when the promise
   * resolves. A rejection stops the storage (see the top of this file). */
  persist(batch: PersistBatch): Promise<void>;
}
