// Mirrors Raft leadership into Lease <cluster>-leader for people, dashboards and Services. Safety never
// depends on it (docs/ARCHITECTURE.md, fencing); what matters here is that a deposed leader with a stale
// term can never overwrite the publication of a newer one: leaseTransitions carries the term and every
// write is guarded by resourceVersion.
import type { KubeConfig, V1Lease } from '@kubernetes/client-node';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { statusOf } from './api-errors.ts';
import { Labels, raftLeaderLeaseName } from '../api/names.ts';
import { leaseTimes } from './microtime.ts';

/** The Raft leader as the Lease publishes it: who, in which term, and its lease (renewTime, duration). */
export interface RaftLeaderRecord {
  holder: string;
  term: number;
  /** When the leader's Raft lease (thesis 6.4) was last extended. */
  renewTime: Date;
  leaseDurationSeconds: number;
}

/**
 * How a publish ended: written, refused because the Lease shows a newer term (or another holder in this term), or
 * lost a write race (409).
 */
export type PublishOutcome = 'created' | 'updated' | 'newer-term-present' | 'conflict';

export { raftLeaderLeaseName };

/** Reads and publishes the Raft leader in the Lease <cluster>-leader; a stale term never overwrites a newer one. */
export class RaftLeaderLease {
  private readonly api: CoordinationV1Api;
  constructor(
    kc: KubeConfig,
    private readonly namespace: string,
    private readonly cluster: string,
  ) {
    this.api = kc.makeApiClient(CoordinationV1Api);
  }

  async read(): Promise<RaftLeaderRecord | undefined> {
    try {
      return toRecord(
        await this.api.readNamespacedLease({ name: raftLeaderLeaseName(this.cluster), namespace: this.namespace }),
      );
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Publishes `r` unless the Lease shows a newer term or another holder in this term. */
  async publish(r: RaftLeaderRecord): Promise<PublishOutcome> {
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({
        name: raftLeaderLeaseName(this.cluster),
        namespace: this.namespace,
      });
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      return this.create(r);
    }
    if (!mayReplace(lease, r)) return 'newer-term-present';
    const same = lease.spec?.holderIdentity === r.holder && (lease.spec?.leaseTransitions ?? 0) === r.term;
    return this.replace(lease, toSpec(r, same ? (lease.spec?.acquireTime ?? r.renewTime) : r.renewTime));
  }

  private async create(r: RaftLeaderRecord): Promise<PublishOutcome> {
    const name = raftLeaderLeaseName(this.cluster);
    try {
      await this.api.createNamespacedLease({
        namespace: this.namespace,
        body: {
          metadata: { name, namespace: this.namespace, labels: { [Labels.raftCluster]: this.cluster } },
          spec: toSpec(r, r.renewTime),
        },
      });
      return 'created';
    } catch (e) {
      if (statusOf(e) === 409) return 'conflict';
      throw e;
    }
  }

  private async replace(lease: V1Lease, spec: NonNullable<V1Lease['spec']>): Promise<PublishOutcome> {
    try {
      await this.api.replaceNamespacedLease({
        name: raftLeaderLeaseName(this.cluster),
        namespace: this.namespace,
        body: { ...lease, spec },
      });
      return 'updated';
    } catch (err) {
      if (statusOf(err) === 409) return 'conflict';
      throw err;
    }
  }
}

/** A record may replace the Lease unless the Lease names a newer term, or another holder in the same
 * term (two holders in one term cannot both be Raft leaders; whoever wrote first stays until a new term). */
function mayReplace(lease: V1Lease, r: RaftLeaderRecord): boolean {
  const current = lease.spec?.leaseTransitions ?? 0;
  if (current > r.term) return false;
  const holder = lease.spec?.holderIdentity;
  return !(current === r.term && holder && holder !== r.holder);
}

function toSpec(r: RaftLeaderRecord, acquireTime: Date): NonNullable<V1Lease['spec']> {
  return leaseTimes({
    holderIdentity: r.holder,
    leaseTransitions: r.term,
    renewTime: r.renewTime,
    acquireTime,
    leaseDurationSeconds: r.leaseDurationSeconds,
  });
}

function toRecord(l: V1Lease): RaftLeaderRecord | undefined {
  const s = l.spec;
  if (!s?.holderIdentity) return undefined;
  return {
    holder: s.holderIdentity,
    term: s.leaseTransitions ?? 0,
    renewTime: new Date(s.renewTime ?? 0),
    leaseDurationSeconds: s.leaseDurationSeconds ?? 0,
  };
}
