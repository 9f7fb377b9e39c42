// The agents' identity: a ServiceAccount, and a Role bound to it that grants the least the agent
// contract needs, by name where Kubernetes can check a name (get/update/patch of known objects; never
// create, list or watch, which carry no name at authorization time).
import type { V1PolicyRule, V1Role, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import {
  agentServiceAccountName,
  GROUP,
  PLURAL,
  podName,
  raftConfigMapName,
  raftLeaderLeaseName,
} from '../../api/names.ts';
import type { Cluster } from './cluster.ts';
import { childMeta } from './labels.ts';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** `<cluster>-agent` ServiceAccount the MySQL pods run as. */
export function agentServiceAccount(cluster: Cluster): V1ServiceAccount {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: childMeta(cluster, agentServiceAccountName(cluster.metadata.name)),
  };
}

/** The rules of the agents' Role, one per need of the agent contract. */
export function agentRules(cluster: Cluster): V1PolicyRule[] {
  const name = cluster.metadata.name;
  const ordinals = range(cluster.spec.replicas);
  return [
    // Raft state: each agent creates its own ConfigMap once, then reads and writes it by name.
    { apiGroups: [''], resources: ['configmaps'], verbs: ['create'] },
    {
      apiGroups: [''],
      resources: ['configmaps'],
      resourceNames: ordinals.map((i) => raftConfigMapName(name, i)),
      verbs: ['get', 'update', 'patch'],
    },
    // The leader Lease, mirrored by the Raft leader.
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    {
      apiGroups: ['coordination.k8s.io'],
      resources: ['leases'],
      resourceNames: [raftLeaderLeaseName(name)],
      verbs: ['get', 'update', 'patch'],
    },
    // Peer addresses (list/watch cannot be narrowed by name); the role label and status annotation
    // are patched on the cluster's own pods only.
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    {
      apiGroups: [''],
      resources: ['pods'],
      resourceNames: ordinals.map((i) => podName(name, i)),
      verbs: ['patch'],
    },
    // Settings and the switchover annotation of the cluster; the leader removes the annotation it
    // acted on (a merge patch of this cluster only).
    { apiGroups: [GROUP], resources: [PLURAL], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [GROUP], resources: [PLURAL], resourceNames: [name], verbs: ['patch'] },
    // Elected, FailedOver, SwitchedOver, Fenced... on the MysqlCluster.
    { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
  ];
}

/** `<cluster>-agent` Role. */
export function agentRole(cluster: Cluster): V1Role {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: childMeta(cluster, agentServiceAccountName(cluster.metadata.name)),
    rules: agentRules(cluster),
  };
}

/** `<cluster>-agent` RoleBinding: the Role to the ServiceAccount, in the cluster's namespace only. */
export function agentRoleBinding(cluster: Cluster): V1RoleBinding {
  const name = agentServiceAccountName(cluster.metadata.name);
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: childMeta(cluster, name),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace: cluster.metadata.namespace }],
  };
}
