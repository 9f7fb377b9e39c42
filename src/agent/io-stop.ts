// Stopping our IO thread, one STOP at a time (docs/failover.md, "Elections and votes"). A slow STOP
// has the thread killed after 200 ms (stopIo(), replication.ts: a plain STOP took 2 s on a silent
// source), but a stop can still take a while (a loaded server). A second STOP issued meanwhile
// would queue behind the first and time out on its own, so the vote guard joins the STOP already running
// (started early by earlyStop(), decide.ts) instead of issuing another.
import { stopIo, TimeoutError, type MysqlNode } from '../mysql/index.ts';
import type { Logger } from '../util/log.ts';

/** Runs at most one STOP of the IO thread at a time and lets callers wait for it. */
export class IoStopper {
  private running: Promise<void> | undefined;

  /** `stopTimeoutMs` bounds one STOP; longer than a caller's wait, so a STOP a caller gave up on
   * stays known (and joinable) while the server still works on it. */
  constructor(
    private readonly own: MysqlNode,
    private readonly stopTimeoutMs: number,
  ) {}

  /** A STOP is running. */
  get inFlight(): boolean {
    return this.running !== undefined;
  }

  /** The STOP running now, or a new one. */
  start(): Promise<void> {
    if (this.running) return this.running;
    const p: Promise<void> = stopIo(this.own, this.stopTimeoutMs).finally(() => {
      if (this.running === p) this.running = undefined;
    });
    p.catch(() => {}); // callers see the outcome; an early stop nobody waits for must not go unhandled
    this.running = p;
    return p;
  }

  /** Waits at most `timeoutMs` for the running STOP (or a new one); TimeoutError when it has not
   * finished by then (the STOP itself goes on, for the next caller to join). */
  async stop(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new TimeoutError('stop replication IO thread (joined)', timeoutMs, this.own.target)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.start(), expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * The early stop: a follower whose leader `from` has been silent for half the election timeout stops
 * its IO thread in the background (earlyStop() in decide.ts decides when, and says why it is safe).
 * Returns at once; the outcome is logged. Nothing restarts the thread here: once the leader is heard
 * again decide() sees a follower not replicating from the primary and repoints.
 */
export function stopIoEarly(io: IoStopper, from: string, reason: string, log: Logger): void {
  if (io.inFlight) return;
  const started = Date.now();
  log.info({ leader: from, reason }, 'early IO stop: leader silent, stopping the IO thread ahead of a vote');
  io.start().then(
    () => log.info({ leader: from, ms: Date.now() - started }, 'early IO stop: IO thread stopped'),
    (err: unknown) => log.warn({ leader: from, err: (err as Error).message }, 'early IO stop failed'),
  );
}
