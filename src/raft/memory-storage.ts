// In-memory Storage: the reference implementation of the contract in storage.ts, used by tests, the
// simulator and the benchmark. Values are deep-copied in and out so a caller cannot alias them.
// Besides persist() it has the four single-purpose writes (as etcd's MemoryStorage has its own
// writers): tests use them to lay out a log, and the ConfigMap storage applies a batch to a copy.
import type { InitialState, PersistBatch, Storage } from './storage.ts';
import type { ConfState, Entry, HardState, Snapshot } from './types.ts';
import { CompactedError, RaftError, SnapshotOutOfDateError, UnavailableError } from './raft-errors.ts';

/** Every call of a MemoryStorage whose persist() was rejected. */
export class MemoryStorageStoppedError extends RaftError {}
import { entrySize } from './size.ts';

/** The in-memory reference Storage: the contract of storage.ts without I/O. */
export class MemoryStorage implements Storage {
  private hs: HardState = { term: 0, vote: null, commit: 0 };
  private snap: Snapshot;
  /** ents[k] has index snap.index + 1 + k. */
  private ents: Entry[] = [];
  private stopped: Error | undefined;

  /** A fresh node's storage; `conf` is the bootstrap configuration (empty for a node that joins later). */
  constructor(conf: ConfState = { voters: [], learners: [] }) {
    this.snap = { index: 0, term: 0, conf: clone(conf), data: null };
  }

  /** One Ready, in the order storage.ts states. A rejection (only a caller breaking the contract causes
   * one) stops this storage: every later call rejects with MemoryStorageStoppedError. */
  async persist(b: PersistBatch): Promise<void> {
    this.live();
    try {
      if (b.snapshot) await this.applySnapshot(b.snapshot);
      if (b.entries?.length) await this.append(b.entries);
      if (b.hardState) await this.setHardState(b.hardState);
      if (b.compaction) await this.compact(b.compaction);
    } catch (err) {
      this.stopped = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
  }

  async initialState(): Promise<InitialState> {
    this.live();
    return { hardState: { ...this.hs } };
  }

  async entries(lo: number, hi: number, maxSize: number): Promise<Entry[]> {
    this.live();
    if (lo <= this.snap.index)
      throw new CompactedError(`entries: lo=${lo} is compacted (snapshot index ${this.snap.index})`);
    if (hi > this.lastIndexSync() + 1)
      throw new UnavailableError(`entries: hi=${hi} is beyond lastIndex+1=${this.lastIndexSync() + 1}`);
    const out: Entry[] = [];
    let size = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.ents[i - this.snap.index - 1]!;
      size += entrySize(e);
      if (out.length > 0 && size > maxSize) break;
      out.push(clone(e));
    }
    return out;
  }

  async term(i: number): Promise<number> {
    this.live();
    if (i < this.snap.index)
      throw new CompactedError(`term: index ${i} is compacted (snapshot index ${this.snap.index})`);
    if (i === this.snap.index) return this.snap.term;
    const e = this.ents[i - this.snap.index - 1];
    if (!e) throw new UnavailableError(`term: index ${i} is beyond lastIndex ${this.lastIndexSync()}`);
    return e.term;
  }

  async firstIndex(): Promise<number> {
    this.live();
    return this.snap.index + 1;
  }

  async lastIndex(): Promise<number> {
    this.live();
    return this.lastIndexSync();
  }

  async snapshot(): Promise<Snapshot> {
    this.live();
    return clone(this.snap);
  }

  async append(entries: readonly Entry[]): Promise<void> {
    this.live();
    const first = entries[0];
    if (!first) return;
    if (first.index <= this.snap.index)
      throw new CompactedError(`append: index ${first.index} is compacted (snapshot index ${this.snap.index})`);
    if (first.index > this.lastIndexSync() + 1)
      throw new UnavailableError(`append: index ${first.index} leaves a gap after lastIndex ${this.lastIndexSync()}`);
    this.ents.length = first.index - this.snap.index - 1;
    for (const e of entries) this.ents.push(clone(e));
  }

  async setHardState(hardState: HardState): Promise<void> {
    this.live();
    this.hs = { ...hardState };
  }

  async applySnapshot(snapshot: Snapshot): Promise<void> {
    this.live();
    if (snapshot.index <= this.snap.index)
      throw new SnapshotOutOfDateError(`applySnapshot: index ${snapshot.index} <= held snapshot ${this.snap.index}`);
    const at = this.ents[snapshot.index - this.snap.index - 1];
    const keep = at && at.term === snapshot.term ? this.ents.slice(snapshot.index - this.snap.index) : [];
    this.snap = clone(snapshot);
    this.ents = keep;
  }

  async compact(snapshot: Snapshot): Promise<void> {
    this.live();
    if (snapshot.index <= this.snap.index)
      throw new SnapshotOutOfDateError(`compact: index ${snapshot.index} <= held snapshot ${this.snap.index}`);
    if (snapshot.index > this.lastIndexSync())
      throw new UnavailableError(`compact: index ${snapshot.index} is beyond lastIndex ${this.lastIndexSync()}`);
    this.ents = this.ents.slice(snapshot.index - this.snap.index);
    this.snap = clone(snapshot);
  }

  /** An independent deep copy: a caller can apply writes to it and adopt it only once they are durable. */
  copy(): MemoryStorage {
    const c = new MemoryStorage(this.snap.conf);
    c.hs = { ...this.hs };
    c.snap = clone(this.snap);
    c.ents = clone(this.ents);
    return c;
  }

  private live(): void {
    if (this.stopped) throw new MemoryStorageStoppedError(`memory storage stopped after: ${this.stopped.message}`);
  }

  private lastIndexSync(): number {
    return this.snap.index + this.ents.length;
  }
}

function clone<T>(v: T): T {
  return structuredClone(v);
}
