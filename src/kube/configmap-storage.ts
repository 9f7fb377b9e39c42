// Raft Storage on one ConfigMap per node, <cluster>-raft-<ordinal> (docs/raft-storage.md).
//
// The format is for people as much as for the agent: `kubectl get configmap -o yaml` shows the hard
// state, the snapshot and the log, one readable JSON line per entry.
//
// Safety rules, each a sentence of docs/ARCHITECTURE.md:
//  - every write carries the last resourceVersion seen; a 409 on our own ConfigMap that a fresh read
//    does not explain as our own write means another process holds this identity: we stop for good
//    (DuplicateIdentityError) rather than write again;
//  - a write whose answer never came is resolved by a fresh read, never assumed lost or done;
//  - a storage whose write failed or whose outcome is unknown answers nothing more: the memory copy
//    takes a write only once the ConfigMap confirmed it, and a stopped storage refuses every call, so
//    a node restarts from what is really stored (never from a write that may not have landed).
import type { KubeConfig, V1ConfigMap } from '@kubernetes/client-node';
import { CoreV1Api } from '@kubernetes/client-node';
import type { InitialState, PersistBatch, Storage } from '../raft/storage.ts';
import type { ConfState, Entry, HardState, Snapshot } from '../raft/types.ts';
import { MemoryStorage } from '../raft/memory-storage.ts';
import { CorruptStorageError, RaftError } from '../raft/raft-errors.ts';
import { statusOf } from './api-errors.ts';
import { Labels, raftConfigMapName } from '../api/names.ts';

/** The label naming the cluster a Raft storage ConfigMap belongs to. */
export const RAFT_CLUSTER_LABEL = Labels.raftCluster;
/** The label naming the Raft node (ordinal) a storage ConfigMap belongs to. */
export const RAFT_NODE_LABEL = Labels.raftNode;
const FORMAT = 'v1';
/** Far enough below the API server's 1 MiB object limit that metadata always fits. */
export const MAX_CONFIGMAP_BYTES = 900 * 1024;

/** Another process wrote this node's ConfigMap: the storage has stopped for good and must not write again. */
export class DuplicateIdentityError extends RaftError {}
/** Thrown by every write after one failed; the message carries that first failure. Restart from the ConfigMap. */
export class StorageStoppedError extends RaftError {}
/** The state would exceed MAX_CONFIGMAP_BYTES; nothing was written. Compact the log first. */
export class StorageFullError extends RaftError {}
/** The outcome of a write stayed unknown after the fresh reads we allow ourselves. */
export class WriteUnresolvedError extends RaftError {}

/** Which node's ConfigMap (namespace, cluster, ordinal), its bootstrap configuration, owner and write timeout. */
export interface ConfigMapStorageOptions {
  namespace: string;
  cluster: string;
  ordinal: number;
  /** Configuration written into a brand-new node's bootstrap snapshot. */
  bootstrap: ConfState;
  ownerReferences?: V1ConfigMap['metadata'] extends infer M
    ? M extends { ownerReferences?: infer O }
      ? O
      : never
    : never;
  writeTimeoutMs?: number;
}

export { raftConfigMapName };

export type { PersistBatch };

/**
 * Raft Storage on one ConfigMap per node: every persist is one resourceVersion-guarded write, and any failure stops the
 * storage (see the rules at the top of this file).
 */
export class ConfigMapStorage implements Storage {
  private mem: MemoryStorage;
  private resourceVersion = '';
  private stopped: Error | undefined;
  private lastBytes = 0;
  /** Counters for tests, metrics and the bench. */
  readonly stats = { writes: 0, conflicts: 0, resolvedByRead: 0 };

  private constructor(
    private readonly api: CoreV1Api,
    private readonly o: ConfigMapStorageOptions,
    mem: MemoryStorage,
  ) {
    this.mem = mem;
  }

  get name(): string {
    return raftConfigMapName(this.o.cluster, this.o.ordinal);
  }

  /** Loads the node's ConfigMap, creating it with the bootstrap configuration when absent. */
  static async open(kc: KubeConfig, o: ConfigMapStorageOptions): Promise<ConfigMapStorage> {
    const api = kc.makeApiClient(CoreV1Api);
    const s = new ConfigMapStorage(api, o, new MemoryStorage(o.bootstrap));
    for (let attempt = 0; attempt < 3; attempt++) {
      const cm = await s.read();
      if (cm) {
        s.mem = await decode(cm, s.name);
        s.resourceVersion = cm.metadata?.resourceVersion ?? '';
        return s;
      }
      try {
        const created = await api.createNamespacedConfigMap({ namespace: o.namespace, body: await s.render(s.mem) });
        s.resourceVersion = created.metadata?.resourceVersion ?? '';
        return s;
      } catch (err) {
        if (statusOf(err) !== 409) throw err;
      }
    }
    throw new WriteUnresolvedError(`configmap ${o.namespace}/${s.name}: could neither read nor create it`);
  }

  get sizeBytes(): number {
    return this.lastBytes;
  }

  // Reads answer from `mem`, which only ever holds what the ConfigMap was confirmed to hold. A stopped
  // storage answers nothing at all: the node restarts from what is really stored.
  async initialState(): Promise<InitialState> {
    return this.live().initialState();
  }
  async entries(lo: number, hi: number, maxSize: number): Promise<Entry[]> {
    return this.live().entries(lo, hi, maxSize);
  }
  async term(i: number): Promise<number> {
    return this.live().term(i);
  }
  async firstIndex(): Promise<number> {
    return this.live().firstIndex();
  }
  async lastIndex(): Promise<number> {
    return this.live().lastIndex();
  }
  async snapshot(): Promise<Snapshot> {
    return this.live().snapshot();
  }

  /** Why this storage stopped, or undefined while it works. */
  get stoppedBy(): Error | undefined {
    return this.stopped;
  }

  private live(): MemoryStorage {
    if (this.stopped)
      throw new StorageStoppedError(`configmap ${this.name}: storage stopped after: ${this.stopped.message}`);
    return this.mem;
  }

  /** Everything one Ready asks for, in the order storage.ts states, in ONE ConfigMap update. A failure
   * leaves this storage stopped: the caller must restart the node from the ConfigMap. */
  async persist(b: PersistBatch): Promise<void> {
    const next = this.live().copy();
    try {
      if (b.snapshot) await next.applySnapshot(b.snapshot);
      if (b.entries?.length) await next.append(b.entries);
      if (b.hardState) await next.setHardState(b.hardState);
      if (b.compaction) await next.compact(b.compaction);
      await this.write(next);
      // Only now, the write confirmed, does the memory copy take it.
      this.mem = next;
    } catch (err) {
      this.stopped = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
  }

  private async read(): Promise<V1ConfigMap | undefined> {
    try {
      return await this.api.readNamespacedConfigMap({ name: this.name, namespace: this.o.namespace });
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  private async render(state: MemoryStorage): Promise<V1ConfigMap> {
    const data = await encode(state);
    const bytes = Object.entries(data).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v), 0);
    if (bytes > MAX_CONFIGMAP_BYTES) {
      throw new StorageFullError(
        `configmap ${this.name}: ${bytes} bytes exceeds ${MAX_CONFIGMAP_BYTES}; compact the log (snapshot) first`,
      );
    }
    this.lastBytes = bytes;
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: this.name,
        namespace: this.o.namespace,
        labels: { [RAFT_CLUSTER_LABEL]: this.o.cluster, [RAFT_NODE_LABEL]: String(this.o.ordinal) },
        ...(this.o.ownerReferences ? { ownerReferences: this.o.ownerReferences } : {}),
        ...(this.resourceVersion ? { resourceVersion: this.resourceVersion } : {}),
      },
      data,
    };
  }

  private async write(state: MemoryStorage): Promise<void> {
    const body = await this.render(state);
    this.stats.writes++;
    const timeoutMs = this.o.writeTimeoutMs ?? 5000;
    const outcome = await withTimeout(
      this.api.replaceNamespacedConfigMap({ name: this.name, namespace: this.o.namespace, body }),
      timeoutMs,
    );
    if (outcome.ok) {
      this.resourceVersion = outcome.value.metadata?.resourceVersion ?? '';
      return;
    }
    if (statusOf(outcome.error) === 409) this.stats.conflicts++;
    else if (outcome.error !== TIMEOUT && statusOf(outcome.error) !== undefined && statusOf(outcome.error)! < 500)
      throw outcome.error;
    await this.resolve(body, outcome.error);
  }

  /** The answer is missing (timeout, broken connection, 5xx) or a 409: the ConfigMap itself says what
   * happened. Our content there: it was our write. Unchanged: it never landed, write again. Anything
   * else: another process writes as this node. */
  private async resolve(body: V1ConfigMap, cause: unknown): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const fresh = await withTimeout(this.read(), this.o.writeTimeoutMs ?? 5000);
      if (!fresh.ok) continue;
      if (this.landed(fresh.value, body)) return;
      const again = await withTimeout(
        this.api.replaceNamespacedConfigMap({ name: this.name, namespace: this.o.namespace, body }),
        this.o.writeTimeoutMs ?? 5000,
      );
      if (again.ok) {
        this.resourceVersion = again.value.metadata?.resourceVersion ?? '';
        return;
      }
    }
    throw new WriteUnresolvedError(`configmap ${this.name}: write outcome unknown after retries (${describe(cause)})`);
  }

  /** Whether the ConfigMap read back holds our write (true) or is unchanged, so it never landed (false); another
   * writer's change throws DuplicateIdentityError. */
  private landed(cm: V1ConfigMap | undefined, body: V1ConfigMap): boolean {
    if (cm && sameData(cm.data, body.data)) {
      this.stats.resolvedByRead++;
      this.resourceVersion = cm.metadata?.resourceVersion ?? '';
      return true;
    }
    if (!cm || cm.metadata?.resourceVersion !== this.resourceVersion) {
      throw new DuplicateIdentityError(
        `configmap ${this.o.namespace}/${this.name} was changed by another writer ` +
          `(resourceVersion ${this.resourceVersion} -> ${cm?.metadata?.resourceVersion ?? 'deleted'}); another process holds this Raft identity, stopping`,
      );
    }
    return false;
  }
}

const TIMEOUT = Symbol('timeout');
type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<Outcome<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Outcome<T>>((r) => {
    timer = setTimeout(() => r({ ok: false, error: TIMEOUT }), ms);
  });
  try {
    return await Promise.race([
      p.then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(err: unknown): string {
  return err === TIMEOUT ? 'timed out' : err instanceof Error ? err.message : String(err);
}

function sameData(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {}).sort();
  const kb = Object.keys(b ?? {}).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a![k] === b![k]);
}

async function encode(mem: MemoryStorage): Promise<Record<string, string>> {
  const { hardState } = await mem.initialState();
  const snap = await mem.snapshot();
  const first = await mem.firstIndex();
  const last = await mem.lastIndex();
  const entries = last >= first ? await mem.entries(first, last + 1, Number.MAX_SAFE_INTEGER) : [];
  return {
    format: FORMAT,
    'hardstate.json': JSON.stringify(hardState),
    'snapshot.json': JSON.stringify(snap),
    'log.jsonl': entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : ''),
  };
}

async function decode(cm: V1ConfigMap, name: string): Promise<MemoryStorage> {
  const data = cm.data ?? {};
  const fail = (what: string) => new CorruptStorageError(`configmap ${name}: ${what}`);
  if (data['format'] !== FORMAT) throw fail(`format "${data['format']}" is not "${FORMAT}"`);
  const parse = <T>(key: string): T => {
    try {
      return JSON.parse(data[key] ?? '') as T;
    } catch {
      throw fail(`${key} is not valid JSON`);
    }
  };
  const hs = parse<HardState>('hardstate.json');
  const snap = parse<Snapshot>('snapshot.json');
  const lines = (data['log.jsonl'] ?? '').split('\n').filter((l) => l.trim() !== '');
  const entries = lines.map((l, i) => {
    try {
      return JSON.parse(l) as Entry;
    } catch {
      throw fail(`log.jsonl line ${i + 1} is not valid JSON`);
    }
  });
  const mem = new MemoryStorage(snap.conf);
  if (snap.index > 0) await mem.applySnapshot(snap);
  entries.forEach((e, i) => {
    if (e.index !== snap.index + 1 + i)
      throw fail(`log.jsonl line ${i + 1} has index ${e.index}, expected ${snap.index + 1 + i}`);
  });
  await mem.append(entries);
  if (hs.commit > snap.index + entries.length)
    throw fail(`commit ${hs.commit} is beyond the last entry ${snap.index + entries.length}`);
  await mem.setHardState(hs);
  return mem;
}
