// List-then-watch with a local cache, hardened against client-node's known pitfalls: a watch that ends
// (normally, by error, or by going silent) is always restarted with backoff, never left dead; a 410
// Gone (event or HTTP status) forces a fresh list whose diff against the cache is emitted as events.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { KubernetesObjectApi, Watch } from '@kubernetes/client-node';
import type { Logger } from '../util/log.ts';
import { silentLogger } from '../util/log.ts';
import { type Clock, systemClock, sleep } from '../util/clock.ts';
import { collectionPath, objectKey, type ResourceRef } from './resources.ts';

/** What happened to a cached object. */
export type InformerEvent = 'add' | 'update' | 'delete';
/** Called for every change to the cache; `old` is the previous object on update. */
export type InformerHandler<T> = (event: InformerEvent, obj: T, old?: T) => void;

/** What to list and watch, and how hard to try: selectors, watch timeout, watchdog, backoff; clock and logger. */
export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Asked of the server so it closes the stream now and then; we resume from the last version. */
  watchTimeoutSeconds?: number;
  /** No byte (bookmarks included) for this long means a dead stream: restart it. */
  watchdogMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  clock?: Clock;
  log?: Logger;
}

type Obj = KubernetesObject & { metadata?: { resourceVersion?: string } };

/** A list-then-watch cache of one kind whose watch is always restarted, never left dead; handlers see every change. */
export class Informer<T extends Obj = Obj> {
  private readonly cache = new Map<string, T>();
  private readonly handlers = new Set<InformerHandler<T>>();
  private readonly api: KubernetesObjectApi;
  private readonly watch: Watch;
  private readonly clock: Clock;
  private readonly log: Logger;
  private resourceVersion = '';
  private stopped = false;
  private synced = false;
  private current: AbortController | undefined;
  private loop: Promise<void> | undefined;
  /** Counters that tests and metrics read: how often each recovery path ran. */
  readonly stats = { lists: 0, watches: 0, relistsOnGone: 0, watchdogRestarts: 0, errors: 0 };

  constructor(
    kc: KubeConfig,
    readonly ref: ResourceRef,
    private readonly opts: InformerOptions = {},
  ) {
    this.api = KubernetesObjectApi.makeApiClient(kc);
    this.watch = new Watch(kc);
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? silentLogger();
  }

  /** Adds a handler. On a shared informer that has already listed, the handler first gets an `add` for
   * every cached object (as client-go's AddEventHandler), so a late subscriber misses nothing. */
  on(handler: InformerHandler<T>): () => void {
    this.handlers.add(handler);
    if (this.synced) for (const obj of this.cache.values()) handler('add', obj);
    return () => this.handlers.delete(handler);
  }

  /** Starts the loop; resolves once the first list has filled the cache. */
  async start(): Promise<void> {
    if (this.loop) return this.waitForSync();
    this.loop = this.run();
    return this.waitForSync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.abort();
    await this.loop;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  private async waitForSync(): Promise<void> {
    while (!this.synced && !this.stopped) await sleep(systemClock, 10);
  }

  private async run(): Promise<void> {
    let backoff = this.opts.backoffInitialMs ?? 200;
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        const outcome = await this.watchOnce();
        if (outcome === 'gone') {
          this.stats.relistsOnGone++;
          this.resourceVersion = '';
        }
        if (outcome !== 'error') backoff = this.opts.backoffInitialMs ?? 200;
        if (outcome === 'closed') continue;
      } catch (err) {
        this.stats.errors++;
        this.log.warn({ err: String(err), kind: this.ref.kind }, 'informer list/watch failed; retrying');
      }
      if (this.stopped) break;
      await sleep(this.clock, backoff);
      backoff = Math.min(backoff * 2, this.opts.backoffMaxMs ?? 30_000);
    }
  }

  private async relist(): Promise<void> {
    this.stats.lists++;
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.api.list<T>(
        this.ref.apiVersion,
        this.ref.kind,
        this.opts.namespace,
        undefined,
        undefined,
        undefined,
        this.opts.fieldSelector,
        this.opts.labelSelector,
        500,
        cont,
      );
      items.push(...page.items);
      cont = page.metadata?._continue || undefined;
      rv = page.metadata?.resourceVersion ?? rv;
    } while (cont);
    this.replace(items);
    this.resourceVersion = rv;
    this.synced = true;
  }

  /** Emits the difference between the cache and a full list, as a real informer's Replace does. */
  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const item of items) {
      const key = objectKey(item);
      seen.add(key);
      this.apply(this.cache.has(key) ? 'MODIFIED' : 'ADDED', item);
    }
    for (const [key, old] of this.cache) if (!seen.has(key)) this.apply('DELETED', old);
  }

  private apply(phase: string, obj: T): void {
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (phase === 'DELETED') {
      if (!old) return;
      this.cache.delete(key);
      return this.emit('delete', obj, old);
    }
    if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    this.cache.set(key, obj);
    this.emit(old ? 'update' : 'add', obj, old);
  }

  private emit(event: InformerEvent, obj: T, old?: T): void {
    for (const h of this.handlers) {
      try {
        h(event, obj, old);
      } catch (err) {
        this.log.error({ err: String(err) }, 'informer handler threw');
      }
    }
  }

  private watchOnce(): Promise<'closed' | 'gone' | 'error'> {
    this.stats.watches++;
    const watchdogMs = this.opts.watchdogMs ?? 60_000;
    return new Promise((resolve) => {
      let settled = false;
      let dog = this.clock.setTimeout(() => onDog(), watchdogMs);
      const finish = (o: 'closed' | 'gone' | 'error') => {
        if (settled) return;
        settled = true;
        this.clock.clearTimeout(dog);
        this.current?.abort();
        resolve(o);
      };
      const onDog = () => {
        this.stats.watchdogRestarts++;
        this.log.warn({ kind: this.ref.kind }, 'watch silent past the watchdog; restarting');
        finish('closed');
      };
      const feed = () => {
        this.clock.clearTimeout(dog);
        dog = this.clock.setTimeout(() => onDog(), watchdogMs);
      };
      const path = collectionPath(this.ref, this.opts.namespace);
      const query = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: this.opts.watchTimeoutSeconds ?? 300,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
      };
      this.watch
        .watch(
          path,
          query,
          (phase, obj: T & { code?: number }) => {
            feed();
            if (phase === 'ERROR') return finish(obj?.code === 410 ? 'gone' : 'error');
            const rv = obj?.metadata?.resourceVersion;
            if (rv) this.resourceVersion = rv;
            if (phase === 'BOOKMARK') return;
            this.apply(phase, obj);
          },
          (err: unknown) => {
            if (err && (err as { statusCode?: number }).statusCode === 410) return finish('gone');
            if (err && !this.stopped) {
              this.stats.errors++;
              this.log.warn({ err: String(err), kind: this.ref.kind }, 'watch ended with error');
              return finish('error');
            }
            finish('closed');
          },
        )
        .then(
          (ac) => {
            this.current = ac;
            if (this.stopped || settled) ac.abort();
          },
          (err: unknown) => {
            this.stats.errors++;
            this.log.warn({ err: String(err) }, 'watch could not start');
            finish('error');
          },
        );
      if (this.stopped) finish('closed');
    });
  }
}
