// Reconcilers plug in here. Level-based: a reconcile gets only a key and must read the world itself,
// so a missed or merged event never loses work. The queue guarantees one reconcile per key at a time.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { type Clock, systemClock } from '../util/clock.ts';
import { silentLogger, type Logger } from '../util/log.ts';
import type { Informer } from './informer.ts';
import { InformerFactory } from './informer-factory.ts';
import { ControllerMetrics } from './metrics.ts';
import type { RateLimiterOptions } from './rate-limiter.ts';
import { objectKey, type ResourceRef } from './resources.ts';
import { WorkQueue } from './workqueue.ts';

/** What a reconcile asks of the queue besides success; an empty result means done until the next event. */
export interface ReconcileResult {
  /** Reconcile this key again after this long even without an event (polling what we do not watch). */
  requeueAfterMs?: number;
}

/**
 * What a reconcile gets besides its key: a signal that aborts on stop, a logger with the key, the informers' caches.
 */
export interface ReconcileContext {
  signal: AbortSignal;
  log: Logger;
  /** Cached objects of the owned and watched kinds, filled by the informers. */
  informer(kind: string): Informer | undefined;
}

/** A kind the controller watches besides the one it owns, and how its changes map to keys of owned objects. */
export interface WatchSpec {
  resource: ResourceRef;
  /** Keys of owned objects to reconcile when this object changes; default: its controller owner. */
  toKeys?: (obj: KubernetesObject) => string[];
  labelSelector?: string;
}

/**
 * A reconciler: the kind it owns, what else it watches, and a level-based reconcile of one namespace/name key. A
 * reconcile that throws is retried with rate-limited backoff.
 */
export interface ReconcilerPlugin {
  name: string;
  owns: ResourceRef;
  watches?: WatchSpec[];
  reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | void>;
}

/** Controller settings; defaults: all namespaces, 2 workers, the system clock, a private informer factory. */
export interface ControllerOptions {
  namespace?: string;
  workers?: number;
  clock?: Clock;
  log?: Logger;
  metrics?: ControllerMetrics;
  rateLimiter?: RateLimiterOptions;
  watchdogMs?: number;
  /** Informers shared with other controllers; its owner starts and stops it. Default: a private one. */
  informers?: InformerFactory;
}

/** The owner key an owned object maps to, through its controller ownerReference of the given kind. */
export function ownerKeys(kind: string): (obj: KubernetesObject) => string[] {
  return (obj) =>
    (obj.metadata?.ownerReferences ?? [])
      .filter((r) => r.kind === kind && r.controller)
      .map((r) => `${obj.metadata?.namespace ?? ''}/${r.name}`);
}

/** Runs a ReconcilerPlugin: informers feed keys into a work queue, and workers reconcile each key one at a time. */
export class Controller {
  readonly queue: WorkQueue;
  private readonly informers = new Map<string, Informer>();
  private readonly factory: InformerFactory;
  private readonly ownsFactory: boolean;
  private readonly abort = new AbortController();
  private readonly log: Logger;
  private readonly metrics: ControllerMetrics;
  private workers: Promise<void>[] = [];
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    kc: KubeConfig,
    readonly plugin: ReconcilerPlugin,
    private readonly o: ControllerOptions = {},
  ) {
    const clock = o.clock ?? systemClock;
    this.log = (o.log ?? silentLogger()).child({ controller: plugin.name });
    this.metrics = o.metrics ?? new ControllerMetrics();
    this.queue = new WorkQueue(clock, o.rateLimiter, this.metrics.forQueue(plugin.name));
    this.ownsFactory = !o.informers;
    this.factory =
      o.informers ??
      new InformerFactory(kc, {
        clock,
        log: this.log,
        ...(o.watchdogMs !== undefined ? { watchdogMs: o.watchdogMs } : {}),
      });
    const inf = (ref: ResourceRef, labelSelector?: string) =>
      this.factory.informerFor(ref, {
        ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
        ...(labelSelector !== undefined ? { labelSelector } : {}),
      });
    const owned = inf(plugin.owns);
    this.unsubscribe.push(owned.on((_e, obj) => this.queue.add(objectKey(obj))));
    this.informers.set(plugin.owns.kind, owned);
    for (const w of plugin.watches ?? []) {
      const i = inf(w.resource, w.labelSelector);
      const toKeys = w.toKeys ?? ownerKeys(plugin.owns.kind);
      this.unsubscribe.push(
        i.on((_e, obj) => {
          for (const k of toKeys(obj)) this.queue.add(k);
        }),
      );
      this.informers.set(w.resource.kind, i);
    }
  }

  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start()));
    const n = this.o.workers ?? 2;
    this.workers = Array.from({ length: n }, () => this.work());
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    this.abort.abort();
    this.queue.shutdown();
    await Promise.all(this.workers);
    if (this.ownsFactory) await this.factory.stop();
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.reconcileOne(key);
      this.queue.done(key);
    }
  }

  private async reconcileOne(key: string): Promise<void> {
    const name = this.plugin.name;
    const end = this.metrics.reconcileTime.startTimer({ controller: name });
    const ctx: ReconcileContext = {
      signal: this.abort.signal,
      log: this.log.child({ key }),
      informer: (k) => this.informers.get(k),
    };
    try {
      const result = await this.plugin.reconcile(key, ctx);
      this.queue.forget(key);
      if (result?.requeueAfterMs !== undefined) {
        this.queue.addAfter(key, result.requeueAfterMs);
        this.metrics.reconcileTotal.inc({ controller: name, result: 'requeue_after' });
      } else {
        this.metrics.reconcileTotal.inc({ controller: name, result: 'success' });
      }
    } catch (err) {
      this.metrics.reconcileErrors.inc({ controller: name });
      this.metrics.reconcileTotal.inc({ controller: name, result: 'error' });
      this.log.warn(
        { err: err instanceof Error ? err.message : String(err), retries: this.queue.retries(key) },
        'reconcile failed; backing off',
      );
      this.queue.addRateLimited(key);
    } finally {
      end();
    }
  }
}
