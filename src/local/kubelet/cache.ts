// List-then-watch cache of one kind (all namespaces), as an informer: handlers get add/update/delete;
// a watch that ends is resumed from the last resourceVersion, a 410 or error relists and emits the
// difference. The runner's controllers read from these caches and write through KubeClient.
import type { KubeClient, Obj, WatchEvent } from './client.ts';
import { restPath } from './client.ts';

/** What changed. */
export type CacheEvent = 'add' | 'update' | 'delete';
/** A change handler. */
export type CacheHandler = (event: CacheEvent, obj: Obj, old: Obj | undefined) => void;

/** `namespace/name` (or `name` for cluster-scoped objects). */
export function keyOf(o: Obj): string {
  const m = o['metadata'] ?? {};
  return m['namespace'] ? `${m['namespace']}/${m['name']}` : String(m['name']);
}

/** One kind's objects, kept current. */
export class ObjectCache {
  private readonly items = new Map<string, Obj>();
  private readonly handlers = new Set<CacheHandler>();
  private rv = '';
  private synced = false;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: KubeClient,
    readonly apiVersion: string,
    readonly plural: string,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Adds a handler; it first gets an `add` for every cached object. */
  on(h: CacheHandler): void {
    this.handlers.add(h);
    for (const o of this.items.values()) h('add', o, undefined);
  }

  get(key: string): Obj | undefined {
    return this.items.get(key);
  }

  list(namespace?: string): Obj[] {
    const all = [...this.items.values()];
    return namespace === undefined ? all : all.filter((o) => o['metadata']['namespace'] === namespace);
  }

  /** Starts list+watch; resolves after the first list. */
  async start(): Promise<void> {
    this.loop = this.run();
    while (!this.synced && !this.abort.signal.aborted) await new Promise((r) => setTimeout(r, 10));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (!this.abort.signal.aborted) {
      try {
        if (!this.rv) await this.relist();
        const gone = await this.watchOnce();
        if (gone) this.rv = '';
        backoff = 100;
        continue;
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.onError(e);
        this.rv = '';
      }
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 5000);
    }
  }

  private async relist(): Promise<void> {
    const list = await this.client.get(restPath(this.apiVersion, this.plural));
    const seen = new Set<string>();
    for (const item of (list['items'] ?? []) as Obj[]) {
      const key = keyOf(item);
      seen.add(key);
      this.apply('MODIFIED', item);
    }
    for (const [key, old] of [...this.items]) if (!seen.has(key)) this.apply('DELETED', old);
    this.rv = String(list['metadata']?.['resourceVersion'] ?? '');
    this.synced = true;
  }

  private async watchOnce(): Promise<boolean> {
    let gone = false;
    const q = `?watch=true&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=${encodeURIComponent(this.rv)}`;
    await this.client.watch(
      `${restPath(this.apiVersion, this.plural)}${q}`,
      (e: WatchEvent) => {
        if (e.type === 'ERROR') {
          gone = true;
          return;
        }
        const rv = e.object?.['metadata']?.['resourceVersion'];
        if (rv) this.rv = String(rv);
        if (e.type !== 'BOOKMARK') this.apply(e.type, e.object);
      },
      this.abort.signal,
    );
    return gone;
  }

  private apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: Obj): void {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (type === 'DELETED') {
      if (!old) return;
      this.items.delete(key);
      this.emit('delete', obj, old);
      return;
    }
    if (old && old['metadata']['resourceVersion'] === obj['metadata']['resourceVersion']) return;
    this.items.set(key, obj);
    this.emit(old ? 'update' : 'add', obj, old);
  }

  private emit(e: CacheEvent, o: Obj, old: Obj | undefined): void {
    for (const h of this.handlers) {
      try {
        h(e, o, old);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
