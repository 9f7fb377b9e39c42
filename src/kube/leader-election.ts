// Manager leader election on a coordination.k8s.io/v1 Lease with client-go's rules: decisions use
// locally observed time (when we last saw the record change), never the holder's clock; every write
// is guarded by resourceVersion; a leader that cannot renew within renewDeadline stops leading, and
// it stops before the lease could have expired for anyone else (renewDeadline < leaseDuration).
import type { KubeConfig, V1Lease } from '@kubernetes/client-node';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { type Clock, type TimerHandle, systemClock, sleep } from '../util/clock.ts';
import { silentLogger, type Logger } from '../util/log.ts';
import { statusOf } from './api-errors.ts';
import { leaseTimes } from './microtime.ts';

/**
 * Which Lease to contend for, as whom, with client-go's timings (defaults 15 s lease, 10 s renew deadline, 2 s retry).
 */
export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  log?: Logger;
  /** Called once on gaining leadership; the signal aborts when leadership is lost or released. */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  onStoppedLeading?: () => void;
  onNewLeader?: (identity: string) => void;
}

interface Observed {
  record: string;
  at: number;
  holder: string;
  durationMs: number;
}

/** Leader election on a Lease. The constructor throws unless retryPeriod < renewDeadline < leaseDuration. */
export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly retryMs: number;
  private observed: Observed | undefined;
  private leading: AbortController | undefined;
  private readonly stopping = new AbortController();
  /** Fires renewDeadline after the last successful attempt began: a renewal that hangs must not keep us leading. */
  private deadline: TimerHandle | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    kc: KubeConfig,
    private readonly o: LeaderElectionOptions,
  ) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.clock = o.clock ?? systemClock;
    this.log = o.log ?? silentLogger();
    this.leaseMs = o.leaseDurationMs ?? 15_000;
    this.renewMs = o.renewDeadlineMs ?? 10_000;
    this.retryMs = o.retryPeriodMs ?? 2_000;
    if (!(this.renewMs < this.leaseMs))
      throw new Error(`renewDeadlineMs (${this.renewMs}) must be less than leaseDurationMs (${this.leaseMs})`);
    if (!(this.retryMs < this.renewMs))
      throw new Error(`retryPeriodMs (${this.retryMs}) must be less than renewDeadlineMs (${this.renewMs})`);
  }

  get isLeader(): boolean {
    return this.leading !== undefined;
  }

  /** Runs until stop(): acquires, leads while renewals succeed, and tries again after losing. */
  run(): Promise<void> {
    this.loop ??= this.loopUntilStopped();
    return this.loop;
  }

  private async loopUntilStopped(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      const start = this.clock.now();
      const ok = await this.tryAcquireOrRenew();
      // A success that took longer than the renew deadline proves nothing about now.
      const fresh = this.clock.now() - start < this.renewMs;
      if (ok && fresh && !this.stopping.signal.aborted) {
        this.armDeadline(start);
        if (!this.leading) this.startLeading();
      }
      await sleep(this.clock, this.retryMs, this.stopping.signal);
    }
  }

  /** Stops, releasing the lease when held so a successor need not wait it out. */
  async stop(): Promise<void> {
    this.stopping.abort();
    const wasLeading = this.leading !== undefined;
    if (wasLeading) this.stopLeading();
    // A renewal still in flight would race the release (409) and leave the lease held until it
    // expires: wait for the loop's last attempt first, then release.
    await this.loop?.catch(() => undefined);
    if (wasLeading) await this.release();
  }

  /** Counted from when the successful attempt STARTED: the server may have seen it that early. */
  private armDeadline(attemptStart: number): void {
    if (this.deadline) this.clock.clearTimeout(this.deadline);
    const left = attemptStart + this.renewMs - this.clock.now();
    this.deadline = this.clock.setTimeout(
      () => {
        if (!this.leading) return;
        this.log.warn({ lease: this.o.name }, 'failed to renew within the renew deadline; stepping down');
        this.stopLeading();
      },
      Math.max(0, left),
    );
  }

  private startLeading(): void {
    this.leading = new AbortController();
    this.log.info({ lease: this.o.name, identity: this.o.identity }, 'became leader');
    void Promise.resolve(this.o.onStartedLeading(this.leading.signal)).catch((err: unknown) =>
      this.log.error({ err: String(err) }, 'onStartedLeading failed'),
    );
  }

  private stopLeading(): void {
    if (this.deadline) this.clock.clearTimeout(this.deadline);
    this.deadline = undefined;
    this.leading?.abort();
    this.leading = undefined;
    this.o.onStoppedLeading?.();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
    } catch (err) {
      if (statusOf(err) !== 404) return this.failed(err);
      return this.create();
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const observed = this.observe(spec, now);
    const heldByOther = holder !== '' && holder !== this.o.identity && observed.at + observed.durationMs > now;
    if (heldByOther) return false;
    try {
      await this.api.replaceNamespacedLease({
        name: this.o.name,
        namespace: this.o.namespace,
        body: this.claim(lease),
      });
      return true;
    } catch (err) {
      return this.failed(err);
    }
  }

  /** Notes when the lease record last changed, by our clock, and announces a new holder other than us. */
  private observe(spec: NonNullable<V1Lease['spec']>, now: number): Observed {
    const holder = spec.holderIdentity ?? '';
    const record = JSON.stringify([holder, spec.renewTime, spec.leaseDurationSeconds, spec.leaseTransitions]);
    if (this.observed?.record === record) return this.observed;
    this.observed = { record, at: now, holder, durationMs: (spec.leaseDurationSeconds ?? 0) * 1000 };
    if (holder && holder !== this.o.identity) this.o.onNewLeader?.(holder);
    return this.observed;
  }

  /** The lease renewed by us, or taken over (a new acquire time and one more transition). */
  private claim(lease: V1Lease): V1Lease {
    const spec = lease.spec ?? {};
    const ours = (spec.holderIdentity ?? '') === this.o.identity;
    return {
      ...lease,
      spec: leaseTimes({
        ...spec,
        holderIdentity: this.o.identity,
        leaseDurationSeconds: Math.ceil(this.leaseMs / 1000),
        renewTime: new Date(),
        acquireTime: ours ? spec.acquireTime : new Date(),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (ours ? 0 : 1),
      }),
    };
  }

  private async create(): Promise<boolean> {
    try {
      await this.api.createNamespacedLease({
        namespace: this.o.namespace,
        body: {
          metadata: { name: this.o.name, namespace: this.o.namespace },
          spec: leaseTimes({
            holderIdentity: this.o.identity,
            leaseDurationSeconds: Math.ceil(this.leaseMs / 1000),
            acquireTime: new Date(),
            renewTime: new Date(),
            leaseTransitions: 0,
          }),
        },
      });
      this.observed = undefined;
      return true;
    } catch (err) {
      return this.failed(err);
    }
  }

  private async release(): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const outcome = await this.releaseOnce();
      if (outcome !== 'conflict') return;
    }
    this.log.warn({ lease: this.o.name }, 'lease release kept conflicting; successor waits for expiry');
  }

  private async releaseOnce(): Promise<'done' | 'conflict' | 'failed'> {
    try {
      const lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
      if (lease.spec?.holderIdentity !== this.o.identity) return 'done';
      await this.api.replaceNamespacedLease({
        name: this.o.name,
        namespace: this.o.namespace,
        body: {
          ...lease,
          spec: leaseTimes({ ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: new Date() }),
        },
      });
      return 'done';
    } catch (err) {
      if (statusOf(err) === 409) return 'conflict';
      this.log.warn({ err: String(err) }, 'lease release failed; successor waits for expiry');
      return 'failed';
    }
  }

  private failed(err: unknown): false {
    this.log.debug({ err: String(err), status: statusOf(err) }, 'lease acquire/renew failed');
    return false;
  }
}
