// A serial queue of async jobs keyed for de-duplication: controllers inside the server (garbage
// collector, namespace and CRD controllers) react to store events after the write that caused them.
/**
 * Runs async jobs one at a time in the order their keys were first added; a key added again while queued keeps one slot
 * and runs its latest job. A failed job goes to `onError`, never stops the queue.
 */
export class KeyedQueue {
  private readonly pending = new Map<string, () => Promise<void>>();
  private running = false;
  private idleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly onError: (key: string, err: unknown) => void) {}

  add(key: string, job: () => Promise<void>): void {
    if (this.stopped) return;
    this.pending.set(key, job);
    if (!this.running) {
      this.running = true;
      setImmediate(() => void this.drain());
    }
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0 && !this.stopped) {
      const [key, job] = this.pending.entries().next().value as [string, () => Promise<void>];
      this.pending.delete(key);
      try {
        await job();
      } catch (e) {
        this.onError(key, e);
      }
    }
    this.running = false;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves when no job is queued or running (tests and shutdown). */
  idle(): Promise<void> {
    if (!this.running && this.pending.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  stop(): void {
    this.stopped = true;
    this.pending.clear();
  }
}
