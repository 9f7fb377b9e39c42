// The StatefulSet: Parallel pod management (Raft needs its peers up together, not one by one) and
// OnDelete updates (the operator, not the StatefulSet controller, decides when a pod restarts: replicas
// first, the primary last). PVCs are retained when the cluster or a pod goes away.
import type {
  V1PodSecurityContext,
  V1PodSpec,
  V1StatefulSet,
  V1TopologySpreadConstraint,
  V1Volume,
} from '@kubernetes/client-node';
import {
  PEER_KEY,
  PodNames,
  headlessServiceName,
  peerAuthSecretName,
  statefulSetName,
  agentServiceAccountName,
} from '../../api/names.ts';
import type { BuildOptions, Cluster } from './cluster.ts';
import { agentContainer, mysqlContainer } from './containers.ts';
import { flavorForImage } from '../../mysql/index.ts';
import { childMeta, podLabels, selectorLabels } from './labels.ts';
import { TERMINATION_GRACE_SECONDS } from './ports.ts';

/** uid/gid of the `mysql` user in the official MySQL and MariaDB images. */
export const MYSQL_UID = 999;
const SECRET_MODE = 0o440;

const podSecurity: V1PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: MYSQL_UID,
  runAsGroup: MYSQL_UID,
  fsGroup: MYSQL_UID,
  fsGroupChangePolicy: 'OnRootMismatch',
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Preferred spreading over nodes and zones: a Raft majority on one node is no HA. */
export function defaultSpread(name: string): V1TopologySpreadConstraint[] {
  return ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: selectorLabels(name) },
  }));
}

function volumes(cluster: Cluster, mycnf: string, secretName: string): V1Volume[] {
  return [
    { name: PodNames.configVolume, configMap: { name: mycnf } },
    { name: PodNames.credentialsVolume, secret: { secretName, defaultMode: SECRET_MODE } },
    {
      name: PodNames.peerAuthVolume,
      secret: {
        secretName: peerAuthSecretName(cluster.metadata.name),
        defaultMode: SECRET_MODE,
        items: [{ key: PEER_KEY, path: PEER_KEY }],
      },
    },
    { name: PodNames.tmpVolume, emptyDir: {} },
    { name: PodNames.runVolume, emptyDir: {} },
  ];
}

function scheduling(cluster: Cluster): Partial<V1PodSpec> {
  const s = cluster.spec;
  return {
    ...(s.affinity
      ? { affinity: s.affinity as V1PodSpec['affinity'] }
      : { topologySpreadConstraints: defaultSpread(cluster.metadata.name) }),
    ...(s.tolerations?.length ? { tolerations: s.tolerations as V1PodSpec['tolerations'] } : {}),
    ...(s.nodeSelector && Object.keys(s.nodeSelector).length ? { nodeSelector: s.nodeSelector } : {}),
    ...(s.priorityClassName ? { priorityClassName: s.priorityClassName } : {}),
  };
}

/** What the StatefulSet needs besides the cluster: the my.cnf ConfigMap and credentials Secret names. */
export interface StatefulSetInputs {
  mycnfName: string;
  secretName: string;
}

/** The cluster's StatefulSet. */
export function statefulSet(cluster: Cluster, opts: BuildOptions, inputs: StatefulSetInputs): V1StatefulSet {
  const name = cluster.metadata.name;
  const flavor = flavorForImage(cluster.spec.image, cluster.spec.mysql?.flavor);
  const storage = cluster.spec.storage;
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: childMeta(cluster, statefulSetName(name)),
    spec: {
      serviceName: headlessServiceName(name),
      replicas: cluster.spec.replicas,
      selector: { matchLabels: selectorLabels(name) },
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'OnDelete' },
      // No persistentVolumeClaimRetentionPolicy: its default (Retain, Retain) is what we want, and an
      // API server without the StatefulSetAutoDeletePVC gate (1.26) drops the field, so setting it
      // made every reconcile rewrite the StatefulSet against a real 1.26 server.
      template: {
        metadata: {
          labels: podLabels(name),
          annotations: { 'kubectl.kubernetes.io/default-container': PodNames.mysqlContainer },
        },
        spec: {
          serviceAccountName: agentServiceAccountName(name),
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          securityContext: podSecurity,
          // The agent fences a primary whose sessions wait for acknowledgements by killing its mysqld
          // (src/agent/crash-fence.ts): it must see that process.
          shareProcessNamespace: true,
          containers: [mysqlContainer(cluster, flavor, inputs.secretName), agentContainer(cluster, opts)],
          volumes: volumes(cluster, inputs.mycnfName, inputs.secretName),
          ...scheduling(cluster),
        },
      },
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: PodNames.dataVolume, labels: selectorLabels(name) },
          spec: {
            accessModes: ['ReadWriteOnce'],
            ...(storage.storageClassName ? { storageClassName: storage.storageClassName } : {}),
            resources: { requests: { storage: String(storage.size) } },
          },
        },
      ],
    },
  };
}
