// A manual clock: below the seam of the code under test, which only sees the Clock interface.
import type { Clock, TimerHandle } from '../../src/util/clock.ts';

interface Pending {
  id: number;
  at: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private t: number;
  private nextId = 1;
  private pending: Pending[] = [];

  constructor(start = 1_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const p = { id: this.nextId++, at: this.t + Math.max(0, ms), fn };
    this.pending.push(p);
    return { id: p.id };
  }

  clearTimeout(handle: TimerHandle): void {
    const id = (handle as { id: number }).id;
    this.pending = this.pending.filter((p) => p.id !== id);
  }

  /** Moves time forward, firing due timers in order; lets promise callbacks run between timers. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.pending.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.pending[0];
      if (!next || next.at > end) break;
      this.pending.shift();
      this.t = next.at;
      next.fn();
      await flushMicrotasks();
    }
    this.t = end;
    await flushMicrotasks();
  }

  get timers(): number {
    return this.pending.length;
  }
}

export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise<void>((r) => setImmediate(r));
}
