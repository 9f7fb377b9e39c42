// mysqlraft_cluster_* metrics, one series per cluster (namespace, cluster), set from each folded status.
// Failovers are counted when the folded lastFailover changes, so a restart of the manager counts none.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { MysqlClusterStatusV1 } from '../api/types.ts';

type L = 'namespace' | 'cluster';
const labelNames: L[] = ['namespace', 'cluster'];

/** The per-cluster metrics the operator exports. */
export class ClusterMetrics {
  readonly ready: Gauge<L>;
  readonly healthy: Gauge<L>;
  readonly members: Gauge<L>;
  readonly term: Gauge<L>;
  readonly errant: Gauge<L>;
  readonly failovers: Counter<L>;
  readonly failoverDuration: Histogram<L>;
  readonly reconcileErrors: Counter<L>;

  constructor(registry: Registry) {
    const registers = [registry];
    const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames, registers });
    this.ready = gauge('mysqlraft_cluster_ready', '1 when the cluster condition Ready is True');
    this.healthy = gauge('mysqlraft_cluster_healthy_members', 'Members whose agent, mysqld and readiness are good');
    this.members = gauge('mysqlraft_cluster_members', 'Members the spec asks for (spec.replicas)');
    this.term = gauge('mysqlraft_cluster_raft_term', 'Highest Raft term seen');
    this.errant = gauge('mysqlraft_cluster_errant_replicas', 'Members holding errant transactions');
    this.failovers = new Counter({
      name: 'mysqlraft_cluster_failovers_total',
      help: 'Changes of primary seen in status.lastFailover',
      labelNames,
      registers,
    });
    this.failoverDuration = new Histogram({
      name: 'mysqlraft_cluster_failover_duration_seconds',
      help: 'Write unavailability of each failover, as the agents measured it',
      labelNames,
      buckets: [0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'mysqlraft_cluster_reconcile_errors_total',
      help: 'Reconciles of this cluster that failed',
      labelNames,
      registers,
    });
  }

  /** Sets the gauges from the new status; counts a failover when lastFailover changed. */
  observe(
    labels: Record<L, string>,
    replicas: number,
    prev: MysqlClusterStatusV1 | undefined,
    next: MysqlClusterStatusV1,
  ): void {
    const isReady = next.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    this.ready.set(labels, isReady ? 1 : 0);
    this.healthy.set(labels, (next.raftNodes ?? []).filter((n) => n.healthy).length);
    this.members.set(labels, replicas);
    this.term.set(labels, next.raftTerm ?? 0);
    this.errant.set(labels, (next.raftNodes ?? []).filter((n) => n.errant).length);
    const f = next.lastFailover;
    if (f?.at && prev && f.at !== prev.lastFailover?.at) {
      this.failovers.inc(labels);
      if (f.durationMs !== undefined) this.failoverDuration.observe(labels, f.durationMs / 1000);
    }
  }

  /** Drops every series of a deleted cluster. */
  forget(labels: Record<L, string>): void {
    for (const m of [
      this.ready,
      this.healthy,
      this.members,
      this.term,
      this.errant,
      this.failovers,
      this.failoverDuration,
      this.reconcileErrors,
    ])
      m.remove(labels);
  }
}
