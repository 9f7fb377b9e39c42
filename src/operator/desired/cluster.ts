// What the builders take: a defaulted v1 MysqlCluster whose identity is known (name, namespace, uid),
// plus the few facts that come from the operator rather than the spec (the agent's image).
import type { MysqlClusterV1 } from '../../api/types.ts';
import { applyDefaults } from '../../api/defaults.ts';

/** A stored MysqlCluster with the identity fields the builders need. */
export type Cluster = MysqlClusterV1 & {
  metadata: MysqlClusterV1['metadata'] & { name: string; namespace: string; uid: string };
};

/** Operator-side inputs of the builders. */
export interface BuildOptions {
  /** The operator's own image: the agent sidecar runs it with `agent`. */
  agentImage: string;
}

/** Thrown when a stored object lacks what a builder needs; names the field. */
export class ClusterShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterShapeError';
  }
}

/** The cluster with the webhook's defaults applied (for clusters stored without the webhook). */
export function asCluster(obj: MysqlClusterV1): Cluster {
  const m = obj.metadata ?? {};
  for (const f of ['name', 'namespace', 'uid'] as const)
    if (typeof m[f] !== 'string' || m[f] === '') throw new ClusterShapeError(`metadata.${f} is missing`);
  const spec = obj.spec as Partial<MysqlClusterV1['spec']> | undefined;
  if (!spec || typeof spec.replicas !== 'number' || spec.replicas < 1)
    throw new ClusterShapeError('spec.replicas must be a positive number');
  if (typeof spec.image !== 'string' || !spec.image.trim()) throw new ClusterShapeError('spec.image is missing');
  if (!spec.storage || (typeof spec.storage.size !== 'string' && typeof spec.storage.size !== 'number'))
    throw new ClusterShapeError('spec.storage.size is missing');
  return applyDefaults(obj) as Cluster;
}
