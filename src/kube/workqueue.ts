// A work queue with client-go's guarantees: a key is queued at most once however often it is added,
// and a key being processed is never handed to a second worker; an add during processing is kept
// (dirty) and the key is queued again when the worker calls done().
import type { Clock, TimerHandle } from '../util/clock.ts';
import { ControllerRateLimiter, type RateLimiterOptions } from './rate-limiter.ts';

/** Where a WorkQueue reports its depth, adds and retries. */
export interface WorkQueueMetrics {
  depth(n: number): void;
  added(): void;
  retried(): void;
}

const noMetrics: WorkQueueMetrics = { depth: () => {}, added: () => {}, retried: () => {} };

/**
 * A client-go style work queue: a key is queued at most once and handed to one worker at a time; delayed and
 * rate-limited adds; get() resolves undefined after shutdown.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, { at: number; handle: TimerHandle }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private readonly limiter: ControllerRateLimiter;
  private shuttingDown = false;

  constructor(
    private readonly clock: Clock,
    limiterOptions?: RateLimiterOptions,
    private readonly metrics: WorkQueueMetrics = noMetrics,
  ) {
    this.limiter = new ControllerRateLimiter(clock, limiterOptions);
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.metrics.added();
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.enqueue(key);
  }

  /** Adds after a delay; an earlier pending delay for the same key wins, as in client-go. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.clock.clearTimeout(existing.handle);
    const handle = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, handle });
  }

  addRateLimited(key: string): void {
    this.metrics.retried();
    this.addAfter(key, this.limiter.when(key));
  }

  forget(key: string): void {
    this.limiter.forget(key);
  }

  retries(key: string): number {
    return this.limiter.retries(key);
  }

  /** Resolves with the next key, or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.enqueue(key);
  }

  shutdown(): void {
    this.shuttingDown = true;
    for (const { handle } of this.delayed.values()) this.clock.clearTimeout(handle);
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  get length(): number {
    return this.queue.length;
  }

  private enqueue(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) return waiter(this.take(key));
    this.queue.push(key);
    this.metrics.depth(this.queue.length);
  }

  private take(key: string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    this.metrics.depth(this.queue.length);
    return key;
  }
}
