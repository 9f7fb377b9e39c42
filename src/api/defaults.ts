// Defaults the mutating webhook writes into stored objects. Only values that stay valid whatever else
// changes are persisted; waitForSlaveCount and leaseDuration depend on other fields and are derived at
// run time instead (effective* below), so `kubectl scale` can never strand a stored default out of range.
import { parseDuration } from './duration.ts';
import type { MysqlClusterV1 } from './types.ts';

export const DEFAULTS = {
  electionTimeout: '3s',
  heartbeatInterval: '300ms',
  logBatchSize: 100,
  semiSyncEnabled: true,
  flavor: 'auto',
  paused: false,
} as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A defaulted deep copy. Tolerates ill-typed input (the mutating webhook runs before schema checks). */
export function applyDefaults(input: MysqlClusterV1): MysqlClusterV1 {
  const out = structuredClone(input);
  if (!isRecord(out.spec)) return out;
  const spec = out.spec;
  const name = isRecord(out.metadata) && typeof out.metadata.name === 'string' ? out.metadata.name : '';
  if (name && spec.masterService === undefined) spec.masterService = `${name}-master`;
  if (name && spec.slaveService === undefined) spec.slaveService = `${name}-slave`;
  spec.raft ??= {};
  if (isRecord(spec.raft)) {
    spec.raft.electionTimeout ??= DEFAULTS.electionTimeout;
    spec.raft.heartbeatInterval ??= DEFAULTS.heartbeatInterval;
    spec.raft.logBatchSize ??= DEFAULTS.logBatchSize;
  }
  spec.semiSync ??= {};
  if (isRecord(spec.semiSync)) spec.semiSync.enabled ??= DEFAULTS.semiSyncEnabled;
  spec.mysql ??= {};
  if (isRecord(spec.mysql)) spec.mysql.flavor ??= DEFAULTS.flavor;
  spec.paused ??= DEFAULTS.paused;
  return out;
}

/** Replicas that must acknowledge a commit: the spec's value, else floor(replicas/2). */
export function effectiveWaitForSlaveCount(spec: MysqlClusterV1['spec']): number {
  return spec.semiSync?.waitForSlaveCount ?? Math.floor(spec.replicas / 2);
}

/** Leader lease in milliseconds: the spec's value, else two thirds of the election timeout. */
export function effectiveLeaseMillis(spec: MysqlClusterV1['spec']): number {
  if (spec.raft?.leaseDuration !== undefined) return parseDuration(spec.raft.leaseDuration);
  return Math.floor((parseDuration(spec.raft?.electionTimeout ?? DEFAULTS.electionTimeout) * 2) / 3);
}
