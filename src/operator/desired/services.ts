// The three Services: a headless one for stable pod DNS and peer discovery (not-ready pods included,
// since peers must reach each other before anyone is ready), and the seed's masterService and
// slaveService, which route on the role label the agents move after each fence or promotion.
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import { headlessServiceName, Labels, PodNames, Roles } from '../../api/names.ts';
import type { Cluster } from './cluster.ts';
import { childMeta, selectorLabels } from './labels.ts';
import { MYSQL_PORT } from './mycnf.ts';
import { AGENT_HTTP_PORT, AGENT_PEER_PORT } from './ports.ts';

const mysqlPort: V1ServicePort = {
  name: PodNames.mysqlPort,
  port: MYSQL_PORT,
  targetPort: PodNames.mysqlPort,
  protocol: 'TCP',
};

/** `<cluster>-headless`: every pod, ready or not, with the MySQL and agent ports. */
export function headlessService(cluster: Cluster): V1Service {
  const name = cluster.metadata.name;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(cluster, headlessServiceName(name)),
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: selectorLabels(name),
      ports: [
        mysqlPort,
        { name: PodNames.agentPeerPort, port: AGENT_PEER_PORT, targetPort: PodNames.agentPeerPort, protocol: 'TCP' },
        { name: PodNames.agentHttpPort, port: AGENT_HTTP_PORT, targetPort: PodNames.agentHttpPort, protocol: 'TCP' },
      ],
    },
  };
}

function roleService(cluster: Cluster, name: string, role: string): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(cluster, name, { [Labels.role]: role }),
    spec: {
      type: 'ClusterIP',
      selector: { ...selectorLabels(cluster.metadata.name), [Labels.role]: role },
      ports: [mysqlPort],
    },
  };
}

/** spec.masterService (default `<cluster>-master`): the writable primary only. */
export function masterService(cluster: Cluster): V1Service {
  return roleService(cluster, cluster.spec.masterService ?? `${cluster.metadata.name}-master`, Roles.primary);
}

/** spec.slaveService (default `<cluster>-slave`): the replicas, for reads. */
export function slaveService(cluster: Cluster): V1Service {
  return roleService(cluster, cluster.spec.slaveService ?? `${cluster.metadata.name}-slave`, Roles.replica);
}
