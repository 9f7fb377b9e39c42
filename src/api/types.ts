// TypeScript shapes of both served versions. They mirror schema.ts (the source of truth); the property
// tests generate objects from these shapes and check them against the compiled schema.

import { type GROUP, type KIND } from './names.ts';

export { GROUP, KIND, PLURAL, SINGULAR } from './names.ts';

export type Flavor = 'auto' | 'mysql' | 'mariadb';
export type ConditionType = 'Ready' | 'Available' | 'Progressing' | 'Degraded';
export const CONDITION_TYPES: readonly ConditionType[] = ['Ready', 'Available', 'Progressing', 'Degraded'];

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

export type QuantityValue = string | number;

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | '';
  tolerationSeconds?: number;
}

export interface RaftSpec {
  electionTimeout?: string;
  heartbeatInterval?: string;
  logBatchSize?: number;
  leaseDuration?: string;
}

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

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

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
export interface SemiSyncV1 {
  enabled?: boolean;
  waitForSlaveCount?: number;
  timeout?: number;
}
export interface MysqlClusterSpecV1 extends CommonSpec {
  masterService?: string;
  slaveService?: string;
  semiSync?: SemiSyncV1;
}
export interface MysqlClusterStatusV1 extends CommonStatus {
  master?: string;
  slaves?: string[];
}
export interface MysqlClusterV1 {
  apiVersion: `${typeof GROUP}/v1`;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: MysqlClusterSpecV1;
  status?: MysqlClusterStatusV1;
}

// ---- v2alpha1: MySQL's current words, every duration a string.
export interface SemiSyncV2 {
  enabled?: boolean;
  waitForReplicaCount?: number;
  timeout?: string;
}
export interface MysqlClusterSpecV2 extends CommonSpec {
  primaryService?: string;
  replicaService?: string;
  semiSync?: SemiSyncV2;
}
export interface MysqlClusterStatusV2 extends CommonStatus {
  primary?: string;
  replicaPods?: string[];
}
export interface MysqlClusterV2 {
  apiVersion: `${typeof GROUP}/v2alpha1`;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: MysqlClusterSpecV2;
  status?: MysqlClusterStatusV2;
}

export type AnyMysqlCluster = MysqlClusterV1 | MysqlClusterV2;
