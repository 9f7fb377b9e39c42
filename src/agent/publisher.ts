// Writes what publication.ts computes into Kubernetes: the role label and the status annotation on
// the agent's own Pod (one merge patch; the label at once when it moves, the annotation on change and
// at most every 2 s), and, while this node is Raft leader, Lease `<cluster>-leader` (holder = pod,
// leaseTransitions = term; raft-leader-lease.ts keeps a stale term from overwriting a newer one).
// Best effort: a failed write is logged and retried after the next round; safety never rests on it.
import { KubernetesObjectApi, PatchStrategy, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { Annotations, FIELD_MANAGER, Labels, Roles } from '../api/names.ts';
import { RaftLeaderLease } from '../kube/raft-leader-lease.ts';
import type { Logger } from '../util/log.ts';
import {
  agentReport,
  formatAgentStatus,
  roleLabel,
  sameReport,
  type AgentStatusReport,
  type NodeFacts,
  type RoleLabel,
} from './publication.ts';

/** What the publisher needs. */
export interface PublisherOptions {
  kc: KubeConfig;
  namespace: string;
  cluster: string;
  pod: string;
  log: Logger;
  /** The role label the Pod carries now (from the informer), or undefined. */
  currentLabel: () => string | undefined;
  /** Lease leaseDurationSeconds (the election timeout, rounded up). */
  leaseDurationSeconds: number;
  /** Least time between two annotation writes (default 2000 ms). */
  annotationEveryMs?: number;
  /** Least time between two Lease renewals (default 1000 ms). */
  leaseEveryMs?: number;
}

/** Publishes one agent's label, annotation and (as leader) the Lease. */
export class Publisher {
  private readonly objects: KubernetesObjectApi;
  private readonly lease: RaftLeaderLease;
  private busy = false;
  /** Facts that arrived while a publication was under way: published right after it. */
  private pending: NodeFacts | undefined;
  private written: AgentStatusReport | undefined;
  private writtenLabel: RoleLabel | undefined;
  private labelAt = 0;
  private writtenAt = 0;
  private leaseAt = 0;
  private leaseTerm = 0;
  private failures = 0;

  constructor(private readonly o: PublisherOptions) {
    this.objects = KubernetesObjectApi.makeApiClient(o.kc);
    this.lease = new RaftLeaderLease(o.kc, o.namespace, o.cluster);
  }

  /** The report last written (for /status). */
  get lastReport(): AgentStatusReport | undefined {
    return this.written;
  }

  /** Publishes what changed since the last call; never throws, never runs twice at once. Facts given
   * while a publication is under way are published once it is done (the latest of them): a role label
   * that moves during a slow annotation write goes out right after it, not a round later. */
  async publish(f: NodeFacts): Promise<void> {
    if (this.busy) {
      this.pending = f;
      return;
    }
    this.busy = true;
    try {
      for (let next: NodeFacts | undefined = f; next; next = this.takePending()) {
        try {
          await Promise.all([this.publishPod(next), this.publishLease(next)]);
          this.failures = 0;
        } catch (err) {
          if (this.failures++ % 20 === 0) this.o.log.warn({ err: (err as Error).message }, 'publishing status failed');
          this.pending = undefined; // retried with the next round's facts, not in a tight loop
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private takePending(): NodeFacts | undefined {
    const f = this.pending;
    this.pending = undefined;
    return f;
  }

  private async publishPod(f: NodeFacts): Promise<void> {
    const now = Date.now();
    const want = roleLabel(f);
    // The informer's copy may lag our own write by a moment; another agent may have moved the label
    // since (a new primary relabels the old one it fenced): trust the informer after 2 s.
    const recent = want === this.writtenLabel && now - this.labelAt < 2000;
    const labelMoves = want !== undefined && want !== this.o.currentLabel() && !recent;
    const report = agentReport(f, new Date(now));
    const changed = !sameReport(this.written, report);
    if (!labelMoves && !(changed && now - this.writtenAt >= (this.o.annotationEveryMs ?? 2000))) return;
    const patch: V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: this.o.pod,
        namespace: this.o.namespace,
        ...(labelMoves ? { labels: { [Labels.role]: want } } : {}),
        annotations: { [Annotations.agentStatus]: formatAgentStatus(report) },
      },
    };
    await this.objects.patch(patch, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch);
    if (labelMoves) {
      this.writtenLabel = want;
      this.labelAt = now;
      this.o.log.info({ role: want, term: f.term }, 'role label moved');
    }
    this.written = report;
    this.writtenAt = now;
  }

  /** Labels another pod `replica` once its mysqld was fenced by this node (its own agent is gone or
   * silent and cannot move it). */
  async relabelFenced(pod: string): Promise<void> {
    const patch: V1Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod, namespace: this.o.namespace, labels: { [Labels.role]: Roles.replica } },
    };
    await this.objects.patch(patch, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch);
    this.o.log.info({ pod }, 'role label of the fenced old primary moved to replica');
  }

  private async publishLease(f: NodeFacts): Promise<void> {
    if (f.role !== 'leader') return;
    const now = Date.now();
    if (f.term === this.leaseTerm && now - this.leaseAt < (this.o.leaseEveryMs ?? 1000)) return;
    const r = await this.lease.publish({
      holder: this.o.pod,
      term: f.term,
      renewTime: new Date(now),
      leaseDurationSeconds: this.o.leaseDurationSeconds,
    });
    if (r === 'newer-term-present') this.o.log.info({ term: f.term }, 'the leader Lease names a newer term');
    if (f.term !== this.leaseTerm) this.o.log.info({ term: f.term, outcome: r }, 'leader Lease published');
    this.leaseTerm = f.term;
    this.leaseAt = now;
  }
}
