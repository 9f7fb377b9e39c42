// The labels every object of a cluster carries, and the owner metadata that ties it to its MysqlCluster.
// One place, so Services, the PodDisruptionBudget and the StatefulSet can never select different pods.
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import {
  API_VERSION_V1,
  APP_LABEL_VALUE,
  KIND,
  APP_NAME_VALUE,
  Components,
  Labels,
  PROJECT_NAME,
} from '../../api/names.ts';
import type { Cluster } from './cluster.ts';

/** Labels that pick exactly this cluster's MySQL pods; the StatefulSet selector (immutable). */
export function selectorLabels(name: string): Record<string, string> {
  return {
    [Labels.appName]: APP_NAME_VALUE,
    [Labels.appInstance]: name,
    [Labels.cluster]: name,
  };
}

/** Labels on every object the operator creates for the cluster. */
export function commonLabels(name: string): Record<string, string> {
  return { ...selectorLabels(name), [Labels.appManagedBy]: PROJECT_NAME };
}

/** Pod labels: the common set, the component, and the seed README's `app=mysql-cluster`. */
export function podLabels(name: string): Record<string, string> {
  return { ...commonLabels(name), [Labels.appComponent]: Components.database, [Labels.app]: APP_LABEL_VALUE };
}

/** metadata for a child object: name, namespace, common labels and the controller owner reference. */
export function childMeta(cluster: Cluster, name: string, extraLabels: Record<string, string> = {}): V1ObjectMeta {
  return {
    name,
    namespace: cluster.metadata.namespace,
    labels: { ...commonLabels(cluster.metadata.name), ...extraLabels },
    ownerReferences: [ownerRef(cluster)],
  };
}

/** The controller owner reference to the cluster: garbage collection deletes the child with it. */
export function ownerRef(cluster: Cluster): V1OwnerReference {
  return {
    apiVersion: API_VERSION_V1,
    kind: KIND,
    name: cluster.metadata.name,
    uid: cluster.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}
