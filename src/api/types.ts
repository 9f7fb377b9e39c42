// TypeScript shapes of both served versions. They mirror schema.ts (the source of truth); the property
// tests generate objects from these shapes and check them against the compiled schema.

import { type GROUP, type KIND } from './names.ts';

export { GROUP, KIND, PLURAL, SINGULAR } from './names.ts';

/** The database server family; 'auto' means detect it from the running server. */
export type Flavor = 'auto' | 'mysql' | 'mariadb';
/** The condition types the operator sets in status.conditions. */
export type ConditionType = 'Ready' | 'Available' | 'Progressing' | 'Degraded';
/** Every ConditionType, as a list. */
export const CONDITION_TYPES: readonly ConditionType[] = ['Ready', 'Available', 'Progressing', 'Degraded'];

/** The metadata fields the operator reads; any other field is kept as is. */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  generateName?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [extra: string]: unknown;
}

/** A Kubernetes quantity as written: "10Gi" or a plain number. */
export type QuantityValue = string | number;

/** A core/v1 Toleration, as the pods get it. */
export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | '';
  tolerationSeconds?: number;
}

/** spec.raft: durations as Go-style strings; unset fields take their defaults (DEFAULTS, effectiveLeaseMillis). */
export interface RaftSpec {
  electionTimeout?: string;
  heartbeatInterval?: string;
  logBatchSize?: number;
  leaseDuration?: string;
}

/** spec.mysql: server family, extra my.cnf settings, and the Secret holding the passwords. */
export interface MysqlSettings {
  flavor?: Flavor;
  config?: Record<string, string>;
  secretName?: string;
}

interface CommonSpec {
  image: string;
  replicas: number;
  storage: { storageClassName?: string; size: QuantityValue };
  resources?: { requests?: Record<string, QuantityValue>; limits?: Record<string, QuantityValue> };
  raft?: RaftSpec;
  mysql?: MysqlSettings;
  affinity?: Record<string, unknown>;
  tolerations?: Toleration[];
  nodeSelector?: Record<string, string>;
  priorityClassName?: string;
  paused?: boolean;
}

/** A status condition in the shape of metav1.Condition. */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** One member's entry in status.raftNodes: its Raft role and progress, MySQL's executed GTIDs, its health. */
export interface RaftNodeStatus {
  name: string;
  role?: string;
  term?: number;
  commitIndex?: number;
  lastApplied?: number;
  gtidExecuted?: string;
  healthy?: boolean;
  lag?: number;
  errant?: boolean;
  lastHeartbeatTime?: string;
}

/** The most recent failover the operator recorded: from which pod to which, why, when and how long it took. */
export interface LastFailover {
  from?: string;
  to?: string;
  reason?: string;
  at?: string;
  durationMs?: number;
}

interface CommonStatus {
  phase?: string;
  raftLeader?: string;
  raftTerm?: number;
  raftNodes?: RaftNodeStatus[];
  electionCount?: number;
  lastFailover?: LastFailover;
  replicas?: number;
  readyReplicas?: number;
  selector?: string;
  conditions?: Condition[];
  observedGeneration?: number;
}

// ---- v1 (storage version): the seed's words; semiSync.timeout in milliseconds like MySQL's variable.
/** v1 spec.semiSync: timeout in integer milliseconds, unset meaning never fall back to asynchronous. */
export interface SemiSyncV1 {
  enabled?: boolean;
  waitForSlaveCount?: number;
  timeout?: number;
}
/** v1 spec: the common fields with master/slave Service names. */
export interface MysqlClusterSpecV1 extends CommonSpec {
  masterService?: string;
  slaveService?: string;
  semiSync?: SemiSyncV1;
}
/** v1 status: the common fields with the master pod and slave pods. */
export interface MysqlClusterStatusV1 extends CommonStatus {
  master?: string;
  slaves?: string[];
}
/** A MysqlCluster in the storage version, v1. */
export interface MysqlClusterV1 {
  apiVersion: `${typeof GROUP}/v1`;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: MysqlClusterSpecV1;
  status?: MysqlClusterStatusV1;
}

// ---- v2alpha1: MySQL's current words, every duration a string.
/** v2alpha1 spec.semiSync: timeout as a duration string, unset meaning never fall back to asynchronous. */
export interface SemiSyncV2 {
  enabled?: boolean;
  waitForReplicaCount?: number;
  timeout?: string;
}
/** v2alpha1 spec: the common fields with primary/replica Service names. */
export interface MysqlClusterSpecV2 extends CommonSpec {
  primaryService?: string;
  replicaService?: string;
  semiSync?: SemiSyncV2;
}
/** v2alpha1 status: the common fields with the primary pod and replica pods. */
export interface MysqlClusterStatusV2 extends CommonStatus {
  primary?: string;
  replicaPods?: string[];
}
/** A MysqlCluster in version v2alpha1. */
export interface MysqlClusterV2 {
  apiVersion: `${typeof GROUP}/v2alpha1`;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: MysqlClusterSpecV2;
  status?: MysqlClusterStatusV2;
}

/** A MysqlCluster in either served version. */
export type AnyMysqlCluster = MysqlClusterV1 | MysqlClusterV2;
