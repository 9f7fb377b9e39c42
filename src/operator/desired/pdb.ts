// A PodDisruptionBudget so a drain or an eviction never takes two members at once: with three nodes,
// two down loses the Raft majority.
import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import { pdbName } from '../../api/names.ts';
import type { Cluster } from './cluster.ts';
import { childMeta, selectorLabels } from './labels.ts';

/** `<cluster>` PDB: maxUnavailable 1 over the cluster's pods. */
export function podDisruptionBudget(cluster: Cluster): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMeta(cluster, pdbName(cluster.metadata.name)),
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(cluster.metadata.name) } },
  };
}
