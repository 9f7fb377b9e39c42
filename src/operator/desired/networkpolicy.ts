// The cluster's NetworkPolicy (ingress only): MySQL stays open to clients as it is without a policy
// (applications reach it through the Services from anywhere), the agents' peer Raft port only from the
// cluster's own pods, and the agents' HTTP port (/readyz, /prestop, /status) from the cluster's pods
// and the manager's pods. Kubelet probes and preStop hooks come from the node, which network plugins
// admit regardless of policies. Policies are additive: a user who wants /status or /metrics scraped
// adds a policy of their own that allows it. (`_from` is client-node's name for `from`: its serializer
// writes it as `from`.)
import type { V1NetworkPolicy, V1NetworkPolicyPeer } from '@kubernetes/client-node';
import { networkPolicyName, OPERATOR_POD_LABELS } from '../../api/names.ts';
import type { Cluster } from './cluster.ts';
import { childMeta, selectorLabels } from './labels.ts';
import { MYSQL_PORT } from './mycnf.ts';
import { AGENT_HTTP_PORT, AGENT_PEER_PORT } from './ports.ts';

const tcp = (port: number) => ({ protocol: 'TCP', port });

/** `<cluster>` NetworkPolicy over the cluster's pods. */
export function networkPolicy(cluster: Cluster): V1NetworkPolicy {
  const members: V1NetworkPolicyPeer = { podSelector: { matchLabels: selectorLabels(cluster.metadata.name) } };
  const manager: V1NetworkPolicyPeer = {
    namespaceSelector: {},
    podSelector: { matchLabels: { ...OPERATOR_POD_LABELS } },
  };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: childMeta(cluster, networkPolicyName(cluster.metadata.name)),
    spec: {
      podSelector: { matchLabels: selectorLabels(cluster.metadata.name) },
      policyTypes: ['Ingress'],
      ingress: [
        { ports: [tcp(MYSQL_PORT)] },
        { _from: [members], ports: [tcp(AGENT_PEER_PORT)] },
        { _from: [members, manager], ports: [tcp(AGENT_HTTP_PORT)] },
      ],
    },
  };
}
