// A keyed work queue for the runner's controllers: one reconcile per key at a time, changes that
// arrive meanwhile coalesce into one more run, a failed run retries with backoff, and a reconcile may
// ask to be run again after a delay (e.g. to wait for a pod to become ready).
/** One reconcile of a key; a number asks to run it again after that many milliseconds. */
export type Reconcile = (key: string) => Promise<number | void>;

/** Serialises reconciles per key. */
export class KeyedQueue {
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly reconcile: Reconcile,
    private readonly onError: (key: string, err: unknown) => void,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.running.add(key);
    void this.run(key).catch((e: unknown) => this.onError(key, e));
  }

  /** Runs `key` again after `ms` (the earliest of several requests wins). */
  addAfter(key: string, ms: number): void {
    if (this.stopped || this.timers.has(key)) return;
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    t.unref();
    this.timers.set(key, t);
  }

  private async run(key: string): Promise<void> {
    try {
      const again = await this.reconcile(key);
      this.failures.delete(key);
      if (typeof again === 'number') this.addAfter(key, again);
    } catch (e) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      this.onError(key, e);
      this.addAfter(key, Math.min(100 * 2 ** n, 10_000));
    } finally {
      this.running.delete(key);
      if (this.dirty.delete(key)) this.add(key);
    }
  }

  /** Resolves when nothing runs. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await new Promise((r) => setTimeout(r, 10));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
