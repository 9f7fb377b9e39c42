// The caches the reconciler reads, all from one shared InformerFactory (the Controller gets the same
// instances): owned kinds by the managed-by label, Pods by the cluster label, Raft ConfigMaps and the
// leader Lease by the raft-cluster label the agents put on them, claims by the cluster label. Each watched object maps back to the
// key of its MysqlCluster.
import type { KubernetesObject } from '@kubernetes/client-node';
import { Labels, PROJECT_NAME } from '../api/names.ts';
import { ownerKeys, type WatchSpec } from '../kube/controller.ts';
import type { Informer } from '../kube/informer.ts';
import type { InformerFactory } from '../kube/informer-factory.ts';
import { Resources, type ResourceRef } from '../kube/resources.ts';

/** Kinds the reconciler creates, each found again by the managed-by label. */
export const OWNED_KINDS: readonly ResourceRef[] = [
  Resources.ServiceAccount,
  Resources.Role,
  Resources.RoleBinding,
  Resources.Secret,
  Resources.ConfigMap,
  Resources.Service,
  Resources.PodDisruptionBudget,
  Resources.NetworkPolicy,
  Resources.StatefulSet,
];

/** Selects what the operator created (and only that: other Secrets and ConfigMaps stay uncached). */
export const MANAGED_SELECTOR = `${Labels.appManagedBy}=${PROJECT_NAME}`;

function byLabel(label: string): (obj: KubernetesObject) => string[] {
  return (obj) => {
    const v = obj.metadata?.labels?.[label];
    return v ? [`${obj.metadata?.namespace ?? ''}/${v}`] : [];
  };
}

/** The reconciler's caches. */
export class ClusterInformers {
  readonly owned = new Map<string, Informer>();
  readonly pods: Informer;
  readonly raftConfigMaps: Informer;
  readonly leases: Informer;
  /** The cluster's claims (the StatefulSet labels them with its selector): storage growth. */
  readonly claims: Informer;
  readonly watches: WatchSpec[];

  constructor(factory: InformerFactory, namespace: string | undefined) {
    const scope = (labelSelector: string) => ({ ...(namespace !== undefined ? { namespace } : {}), labelSelector });
    const owner = ownerKeys(Resources.MysqlCluster.kind);
    this.watches = [
      ...OWNED_KINDS.map((resource) => ({ resource, labelSelector: MANAGED_SELECTOR, toKeys: owner })),
      { resource: Resources.Pod, labelSelector: Labels.cluster, toKeys: byLabel(Labels.cluster) },
      { resource: Resources.ConfigMap, labelSelector: Labels.raftCluster, toKeys: byLabel(Labels.raftCluster) },
      { resource: Resources.Lease, labelSelector: Labels.raftCluster, toKeys: byLabel(Labels.raftCluster) },
      { resource: Resources.PersistentVolumeClaim, labelSelector: Labels.cluster, toKeys: byLabel(Labels.cluster) },
    ];
    for (const r of OWNED_KINDS) this.owned.set(r.kind, factory.informerFor(r, scope(MANAGED_SELECTOR)));
    this.pods = factory.informerFor(Resources.Pod, scope(Labels.cluster));
    this.raftConfigMaps = factory.informerFor(Resources.ConfigMap, scope(Labels.raftCluster));
    this.leases = factory.informerFor(Resources.Lease, scope(Labels.raftCluster));
    this.claims = factory.informerFor(Resources.PersistentVolumeClaim, scope(Labels.cluster));
  }

  /** The cached object of this kind and name, if any. */
  cached(obj: KubernetesObject): KubernetesObject | undefined {
    return this.owned.get(obj.kind ?? '')?.get(`${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`);
  }

  /** Cached objects of one informer that carry `label=value` in the namespace. */
  static select(i: Informer, namespace: string, label: string, value: string): KubernetesObject[] {
    return i.list().filter((o) => o.metadata?.namespace === namespace && o.metadata?.labels?.[label] === value);
  }
}
