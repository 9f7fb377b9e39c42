// Defaults the mutating webhook writes into stored objects. Only values that stay valid whatever else
// changes are persisted; waitForSlaveCount and leaseDuration depend on other fields and are derived at
// run time instead (effective* below), so `kubectl scale` can never strand a stored default out of range.
import { parseDuration } from './duration.ts';
import type { MysqlClusterV1 } from './types.ts';

/**
 * Defaults the mutating webhook persists; values that depend on other fields are derived by the effective* functions.
 */
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
  defaultServiceNames(spec, isRecord(out.metadata) ? out.metadata.name : undefined);
  spec.raft ??= {};
  if (isRecord(spec.raft)) defaultRaft(spec.raft);
  spec.semiSync ??= {};
  if (isRecord(spec.semiSync)) spec.semiSync.enabled ??= DEFAULTS.semiSyncEnabled;
  spec.mysql ??= {};
  if (isRecord(spec.mysql)) spec.mysql.flavor ??= DEFAULTS.flavor;
  spec.paused ??= DEFAULTS.paused;
  return out;
}

/** Names the master and slave Services after the cluster, when it has a name and the spec names none. */
function defaultServiceNames(spec: MysqlClusterV1['spec'], name: unknown): void {
  if (typeof name !== 'string' || name === '') return;
  if (spec.masterService === undefined) spec.masterService = `${name}-master`;
  if (spec.slaveService === undefined) spec.slaveService = `${name}-slave`;
}

function defaultRaft(raft: NonNullable<MysqlClusterV1['spec']['raft']>): void {
  raft.electionTimeout ??= DEFAULTS.electionTimeout;
  raft.heartbeatInterval ??= DEFAULTS.heartbeatInterval;
  raft.logBatchSize ??= DEFAULTS.logBatchSize;
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
