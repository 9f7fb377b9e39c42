// The object store: one global, strictly increasing resourceVersion (as etcd's revision), objects keyed
// by group-resource/namespace/name, and a bounded event history that watches resume from. Everything
// is synchronous, so a compare-and-swap on resourceVersion is atomic on Node's single thread.
import { errors } from './status-errors.ts';
import { clone, meta, type Obj } from './meta.ts';

/** A watch event type. */
export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change to the store at resourceVersion `rv`, with the previous object (`prev`) when there was one. */
export interface StoreEvent {
  type: EventType;
  /** group-resource, e.g. `configmaps` or `statefulsets.apps`. */
  gr: string;
  namespace: string;
  object: Readonly<Obj>;
  prev?: Readonly<Obj>;
  rv: number;
}

/** The whole store as JSON: its resourceVersion and every object with its group-resource. */
export interface StoreSnapshot {
  resourceVersion: number;
  objects: { gr: string; object: Obj }[];
}

/** Store settings: how much history watches can resume from, and an initial snapshot. */
export interface StoreOptions {
  /** Events kept for watch resumption; older resourceVersions answer 410 Gone. */
  historyLimit?: number;
  /** Also bound history by approximate JSON size: Raft ConfigMaps approach 1 MiB each. */
  historyBytes?: number;
  initial?: StoreSnapshot;
}

/** A resource by API group and plural name: what the store files objects under and names in its errors. */
export interface GroupResource {
  readonly group: string;
  readonly resource: string;
}

/** The group-resource string, `resource.group` (`statefulsets.apps`), or `resource` for the core group. */
export function groupResource(r: GroupResource): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

function keyOf(gr: string, ns: string, name: string): string {
  return `${gr}\u0000${ns}\u0000${name}`;
}

/** Where a write lands: the event's group-resource and namespace, and the object's key. */
interface Slot {
  gr: string;
  ns: string;
  key: string;
}

/**
 * The object store: one increasing resourceVersion, optimistic concurrency on writes (409 on a stale version), and a
 * bounded history that watches resume from (410 Gone beyond it).
 */
export class Store {
  private readonly objects = new Map<string, Obj>();
  private rv = 0;
  private readonly history: StoreEvent[] = [];
  /** Every event with rv > historyStart is in `history`. */
  private historyStart = 0;
  private readonly historyLimit: number;
  private readonly historyBytes: number;
  private readonly sizes: number[] = [];
  private bytes = 0;
  private readonly listeners = new Set<(e: StoreEvent) => void>();

  constructor(opts: StoreOptions = {}) {
    this.historyLimit = opts.historyLimit ?? 5000;
    this.historyBytes = opts.historyBytes ?? 64 * 1024 * 1024;
    if (opts.initial) {
      this.rv = opts.initial.resourceVersion;
      for (const { gr, object } of opts.initial.objects) {
        const m = meta(object);
        this.objects.set(keyOf(gr, String(m['namespace'] ?? ''), String(m['name'])), object);
      }
      this.historyStart = this.rv;
    }
  }

  currentRv(): number {
    return this.rv;
  }

  /** Forget history so far: a fresh server's watch cache starts at its first list. */
  markHistoryStart(): void {
    this.history.length = 0;
    this.sizes.length = 0;
    this.bytes = 0;
    this.historyStart = this.rv;
  }

  get(gr: string, ns: string, name: string): Obj | undefined {
    const o = this.objects.get(keyOf(gr, ns, name));
    return o ? clone(o) : undefined;
  }

  /** Objects of one group-resource (optionally one namespace), sorted by namespace then name, as etcd keys sort. */
  list(gr: string, ns?: string): Obj[] {
    const prefix = ns === undefined ? `${gr}\u0000` : `${gr}\u0000${ns}\u0000`;
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    return keys.map((k) => clone(this.objects.get(k)!));
  }

  /** Group-resources that have objects in a namespace (for namespace deletion). */
  resourcesIn(ns: string): string[] {
    const out = new Set<string>();
    for (const k of this.objects.keys()) {
      const [gr, kns] = k.split('\u0000');
      if (kns === ns) out.add(gr!);
    }
    return [...out];
  }

  all(): { gr: string; object: Obj }[] {
    return [...this.objects.entries()].map(([k, object]) => ({ gr: k.split('\u0000')[0]!, object: clone(object) }));
  }

  /** Stores a new object; 409 when one with its name exists. */
  create(r: GroupResource, ns: string, obj: Obj): Obj {
    const name = String(meta(obj)['name']);
    const gr = groupResource(r);
    const key = keyOf(gr, ns, name);
    if (this.objects.has(key)) throw errors.alreadyExists(r.group, r.resource, name);
    return this.commit('ADDED', { gr, ns, key }, obj, undefined);
  }

  /** Replaces an object; a compare-and-swap on resourceVersion when `expectedRv` is given (409 when stale). */
  update(r: GroupResource, ns: string, obj: Obj, expectedRv?: string): Obj {
    const name = String(meta(obj)['name']);
    const gr = groupResource(r);
    const key = keyOf(gr, ns, name);
    const prev = this.existing(r, key, name, expectedRv);
    return this.commit('MODIFIED', { gr, ns, key }, obj, prev);
  }

  /** Removes an object and returns its last state, stamped with the deletion's resourceVersion. */
  remove(r: GroupResource, ns: string, name: string, expectedRv?: string): Obj {
    const gr = groupResource(r);
    const key = keyOf(gr, ns, name);
    const prev = this.existing(r, key, name, expectedRv);
    this.objects.delete(key);
    this.rv++;
    // A deleted object's last state carries the deletion's resourceVersion, as the real watch does.
    const gone = clone(prev);
    meta(gone)['resourceVersion'] = String(this.rv);
    this.emit({ type: 'DELETED', gr, namespace: ns, object: gone, prev, rv: this.rv });
    return clone(gone);
  }

  /** The stored object a write replaces: 404 when missing, 409 when `expectedRv` is given and stale. */
  private existing(r: GroupResource, key: string, name: string, expectedRv: string | undefined): Obj {
    const prev = this.objects.get(key);
    if (!prev) throw errors.notFound(r.group, r.resource, name);
    if (expectedRv && expectedRv !== prev['metadata']['resourceVersion'])
      throw errors.conflict(r.group, r.resource, name);
    return prev;
  }

  private commit(type: EventType, at: Slot, obj: Obj, prev: Obj | undefined): Obj {
    this.rv++;
    const stored = clone(obj);
    meta(stored)['resourceVersion'] = String(this.rv);
    this.objects.set(at.key, stored);
    this.emit({ type, gr: at.gr, namespace: at.ns, object: stored, ...(prev ? { prev } : {}), rv: this.rv });
    return clone(stored);
  }

  private emit(e: StoreEvent): void {
    const size = JSON.stringify(e.object).length;
    this.history.push(e);
    this.sizes.push(size);
    this.bytes += size;
    while (this.history.length > 1 && (this.history.length > this.historyLimit || this.bytes > this.historyBytes)) {
      this.historyStart = this.history.shift()!.rv;
      this.bytes -= this.sizes.shift()!;
    }
    for (const l of [...this.listeners]) l(e);
  }

  /** Events after `rv`, or 'gone' when they have been compacted away. */
  eventsSince(rv: number): StoreEvent[] | 'gone' {
    if (rv < this.historyStart) return 'gone';
    return this.history.filter((e) => e.rv > rv);
  }

  oldestResumableRv(): number {
    return this.historyStart;
  }

  subscribe(fn: (e: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  snapshot(): StoreSnapshot {
    return { resourceVersion: this.rv, objects: this.all() };
  }
}
