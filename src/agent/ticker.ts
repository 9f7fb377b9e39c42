// Raft ticks from a timer, keeping the lease's premise (docs/raft.md, "The leader lease, exactly"):
// a tick never comes earlier than tickMs after the previous one on the monotonic clock, and a late
// timer yields ONE tick, never a catch-up burst.
import { performance } from 'node:perf_hooks';

/** A stoppable tick source. */
export interface Ticker {
  stop(): void;
}

/** Calls `tick` about every `tickMs` ms, never sooner than `tickMs` after the previous call; `tick` is
 * told how long it has been since the previous one (a process that was stopped or starved sees it). */
export function startTicker(
  tickMs: number,
  tick: (sinceLastMs: number) => void,
  now: () => number = () => performance.now(),
): Ticker {
  let last = now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const schedule = (ms: number) => {
    timer = setTimeout(fire, Math.max(1, Math.ceil(ms)));
  };
  const fire = () => {
    if (stopped) return;
    const t = now();
    if (t - last < tickMs) return schedule(tickMs - (t - last));
    const since = t - last;
    last = t;
    tick(since);
    // Counted from this tick's start, not its end: the tick's own work does not stretch every period
    // (30 ticks of an election timeout were ~10% longer than 3 s on a busy node).
    schedule(tickMs - (now() - last));
  };
  schedule(tickMs);
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
