// The MysqlCluster reconciler: pure builders (desired/), the pure status fold (status/), the reconcile
// loop, events and metrics, and the leader-elected Runnable the manager starts. docs/operator.md.
export { MysqlClusterOperator, type OperatorOptions } from './operator.ts';
export { startLeaderElectedOperator, type LeaderElectedOperator, type LeaderElectedOptions } from './leader.ts';
export { MysqlClusterReconciler } from './reconciler.ts';
export { ClusterMetrics } from './metrics.ts';
export { EVENTS, type EventReason } from './events.ts';
