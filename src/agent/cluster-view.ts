// What the agent reads from Kubernetes about its cluster: the MysqlCluster (settings, switchover
// annotation) and the cluster's Pods (peer addresses from status.podIP), each kept current by an
// informer. Docs: docs/agent.md, "Process and configuration".
import type { KubeConfig, KubernetesObject, V1Pod } from '@kubernetes/client-node';
import type { MysqlClusterV1 } from '../api/types.ts';
import { Labels, podName } from '../api/names.ts';
import { Informer } from '../kube/informer.ts';
import { Resources } from '../kube/resources.ts';
import type { Logger } from '../util/log.ts';

/** The MysqlCluster as the agent reads it (v1, the stored version). */
export type MysqlCluster = MysqlClusterV1 & KubernetesObject;

/** Informer-backed view of one MysqlCluster and its Pods. */
export class ClusterView {
  private readonly clusterInf: Informer<MysqlCluster>;
  private readonly podInf: Informer<V1Pod>;

  constructor(
    kc: KubeConfig,
    readonly namespace: string,
    readonly cluster: string,
    log?: Logger,
  ) {
    const common = { namespace, watchdogMs: 60_000, ...(log ? { log } : {}) };
    this.clusterInf = new Informer<MysqlCluster>(kc, Resources.MysqlCluster, {
      ...common,
      fieldSelector: `metadata.name=${cluster}`,
    });
    this.podInf = new Informer<V1Pod>(kc, Resources.Pod, { ...common, labelSelector: `${Labels.cluster}=${cluster}` });
  }

  /** Lists both kinds once (the caller then waits for the MysqlCluster to exist). */
  async start(): Promise<void> {
    await Promise.all([this.clusterInf.start(), this.podInf.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.clusterInf.stop(), this.podInf.stop()]);
  }

  /** The MysqlCluster, when it exists. */
  object(): MysqlCluster | undefined {
    return this.clusterInf.get(`${this.namespace}/${this.cluster}`);
  }

  /** Subscribes to changes of the MysqlCluster (switchover annotation, spec). */
  onCluster(fn: (c: MysqlCluster) => void): void {
    this.clusterInf.on((ev, obj) => {
      if (ev !== 'delete') fn(obj);
    });
  }

  /** The pod's current IP, if it has one. */
  podIp(pod: string): string | undefined {
    return this.podInf.get(`${this.namespace}/${pod}`)?.status?.podIP || undefined;
  }

  /** The Pod object, if it exists. */
  pod(pod: string): V1Pod | undefined {
    return this.podInf.get(`${this.namespace}/${pod}`);
  }

  /** Pod names of ordinals 0..replicas-1 (the bootstrap membership). */
  bootstrapMembers(): string[] {
    const n = this.object()?.spec.replicas ?? 0;
    return Array.from({ length: n }, (_, i) => podName(this.cluster, i));
  }
}

/** The ordinal of `pod` in `cluster`'s StatefulSet, or undefined when the name is not `<cluster>-<n>`. */
export function ordinalOf(cluster: string, pod: string): number | undefined {
  const prefix = `${cluster}-`;
  if (!pod.startsWith(prefix)) return undefined;
  const rest = pod.slice(prefix.length);
  return /^(0|[1-9]\d{0,5})$/.test(rest) ? Number(rest) : undefined;
}
