// client-go's default controller rate limiter: the slower of a per-item exponential backoff and an
// overall token bucket, so one failing object backs off alone while a storm of failures is capped.
import type { Clock } from '../util/clock.ts';

/** Per-key backoff from baseDelayMs doubling to maxDelayMs, and an overall token bucket of qps and burst. */
export interface RateLimiterOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Overall retries per second, and how many may come at once. */
  qps: number;
  burst: number;
}

/** client-go's defaults: 5 ms doubling to 60 s per key; 10 retries per second overall with bursts of 100. */
export const defaultRateLimiterOptions: RateLimiterOptions = {
  baseDelayMs: 5,
  maxDelayMs: 60_000,
  qps: 10,
  burst: 100,
};

/** Per-key delay that doubles with each failure from `baseMs` up to `maxMs`, until the key is forgotten. */
export class ItemExponentialBackoff {
  private failures = new Map<string, number>();
  constructor(
    private readonly baseMs: number,
    private readonly maxMs: number,
  ) {}

  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.failures.delete(key);
  }
}

/** An overall rate limit: `qps` tokens per second refilled up to `burst`; reserve() says how long to wait for one. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Reserves one token and returns how long the caller must wait for it. */
  reserve(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }
}

/** The slower of the per-key backoff and the overall token bucket, as client-go's default controller rate limiter. */
export class ControllerRateLimiter {
  private readonly backoff: ItemExponentialBackoff;
  private readonly bucket: TokenBucket;
  constructor(clock: Clock, o: RateLimiterOptions = defaultRateLimiterOptions) {
    this.backoff = new ItemExponentialBackoff(o.baseDelayMs, o.maxDelayMs);
    this.bucket = new TokenBucket(o.qps, o.burst, clock);
  }

  when(key: string): number {
    return Math.max(this.backoff.when(key), this.bucket.reserve());
  }

  retries(key: string): number {
    return this.backoff.retries(key);
  }

  forget(key: string): void {
    this.backoff.forget(key);
  }
}
