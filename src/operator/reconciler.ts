// The MysqlCluster reconciler (docs/operator.md). Level-based: each run reads the cluster and its
// children from the caches, makes every child match desired/ (writing only what differs, see
// writer.ts), then folds Pods, agent reports, Raft ConfigMaps and the Lease into status (status/).
// A run that finds nothing to change writes nothing. With spec.paused it changes no child; status
// still tells the truth and says it is paused. Deletion is left to owner references (PVCs are kept).
import { CoreV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { API_VERSION_V1, KIND, Labels, raftLeaderLeaseName, statefulSetName } from '../api/names.ts';
import type { MysqlClusterStatusV1, MysqlClusterV1 } from '../api/types.ts';
import { statusOf } from '../kube/api-errors.ts';
import type { ReconcileContext, ReconcilerPlugin, ReconcileResult, WatchSpec } from '../kube/controller.ts';
import type { InformerFactory } from '../kube/informer-factory.ts';
import { Resources, splitKey } from '../kube/resources.ts';
import type { Logger } from '../util/log.ts';
import {
  asCluster,
  ClusterShapeError,
  cryptoRandom,
  desiredState,
  missingCredentialKeys,
  selectorLabels,
  type Cluster,
  type Desired,
  type DesiredObject,
  type RandomSource,
} from './desired/index.ts';
import type { EventRecorder } from './events.ts';
import { ClusterInformers } from './informers.ts';
import type { ClusterMetrics } from './metrics.ts';
import { foldStatus, type FoldInput, type Problem } from './status/index.ts';
import { currentMaster } from './status/leader.ts';
import { nextRollStep } from './roll.ts';
import { storageGrowth } from './storage.ts';
import { StatusWriter } from './status-writer.ts';
import { claimView, leaseView, mountedConfigMaps, podView, raftStateView, statefulSetView } from './views.ts';
import { describe, ObjectWriter, type WriteOutcome } from './writer.ts';

/** What the reconciler is given: API access, where to report, and the agent image. */
export interface ReconcilerOptions {
  kc: KubeConfig;
  log: Logger;
  events: EventRecorder;
  metrics: ClusterMetrics;
  /** Image of the agent sidecar (the operator's own image). */
  agentImage: string;
  namespace?: string;
  random?: RandomSource;
  now?: () => Date;
  /** Re-run each cluster this often even without events (Lease expiry has none). Default 30 s. */
  resyncMs?: number;
}

const isPresent = <T>(v: T | undefined): v is T => v !== undefined;
const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** `k=v,k2=v2` from a label map, for status.selector. */
export function selectorString(labels: Record<string, string>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** The MysqlCluster reconcile loop, as a framework plugin (owns MysqlCluster, watches its children). */
export class MysqlClusterReconciler implements ReconcilerPlugin {
  readonly name = 'mysqlcluster';
  readonly owns = Resources.MysqlCluster;
  readonly watches: WatchSpec[];
  readonly writer: ObjectWriter;
  /** Runs started and finished (either way), for tests and the bench. */
  readonly stats = { reconciles: 0, finished: 0 };
  readonly status: StatusWriter;
  private readonly informers: ClusterInformers;
  private readonly core: CoreV1Api;

  constructor(
    factory: InformerFactory,
    private readonly o: ReconcilerOptions,
  ) {
    this.informers = new ClusterInformers(factory, o.namespace);
    this.watches = this.informers.watches;
    this.writer = new ObjectWriter(o.kc);
    this.status = new StatusWriter(o.kc, this.writer.stats);
    this.core = o.kc.makeApiClient(CoreV1Api);
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | void> {
    this.stats.reconciles++;
    try {
      return await this.reconcileKey(key, ctx);
    } finally {
      this.stats.finished++;
    }
  }

  private async reconcileKey(key: string, ctx: ReconcileContext): Promise<ReconcileResult | void> {
    const { namespace = '', name } = splitKey(key);
    const labels = { namespace, cluster: name };
    const raw = ctx.informer(KIND)?.get(key) as MysqlClusterV1 | undefined;
    if (!raw) return this.o.metrics.forget(labels);
    if (raw.metadata?.deletionTimestamp) return undefined;
    const obj: MysqlClusterV1 = { ...raw, apiVersion: API_VERSION_V1, kind: KIND };
    let cluster: Cluster;
    try {
      cluster = asCluster(obj);
    } catch (err) {
      if (!(err instanceof ClusterShapeError)) throw err;
      await this.o.events.emit(obj, 'InvalidSpec', err.message);
      return undefined;
    }
    try {
      await this.run(obj, cluster, labels);
    } catch (err) {
      this.o.metrics.reconcileErrors.inc(labels);
      await this.o.events.emit(obj, 'ReconcileFailed', errorText(err));
      throw err;
    }
    return { requeueAfterMs: this.o.resyncMs ?? 30_000 };
  }

  private async run(
    obj: MysqlClusterV1,
    cluster: Cluster,
    labels: { namespace: string; cluster: string },
  ): Promise<void> {
    const problems = cluster.spec.paused ? [] : await this.applyChildren(obj, cluster);
    const result = await this.status.write(obj, (previous) => foldStatus(this.foldInput(cluster, previous, problems)));
    await this.announcePause(obj, result.previous, result.status);
    this.o.metrics.observe(labels, cluster.spec.replicas, result.previous, result.status);
  }

  private async applyChildren(obj: MysqlClusterV1, cluster: Cluster): Promise<Problem[]> {
    const desired = desiredState(cluster, { agentImage: this.o.agentImage }, this.o.random ?? cryptoRandom);
    const problem = desired.credentials.generated
      ? undefined
      : await this.checkUserSecret(obj, desired.credentials.name);
    for (const d of desired.objects) {
      if (problem && d.obj.kind === 'StatefulSet') continue;
      const outcome = await this.writer.ensure(d, this.informers.cached(d.obj));
      if (outcome !== 'unchanged') await this.announceWrite(obj, d, outcome, desired);
    }
    await this.pruneConfigMaps(obj, cluster, desired.mycnfName);
    await this.growStorage(obj, cluster);
    if (!problem) await this.roll(obj, cluster);
    return problem ? [problem] : [];
  }

  /** Raises the request of every claim below spec.storage.size (storage.ts decides). */
  private async growStorage(obj: MysqlClusterV1, cluster: Cluster): Promise<void> {
    const { name, namespace } = cluster.metadata;
    const claims = ClusterInformers.select(this.informers.claims, namespace, Labels.cluster, name)
      .map((c) => claimView(c, name))
      .filter(isPresent);
    const step = storageGrowth(cluster.spec.storage.size, claims);
    if (step.kind !== 'resize') return;
    for (const r of step.resizes) {
      const ref = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: r.claim, namespace } };
      try {
        await this.writer.mergePatch(ref, { spec: { resources: { requests: { storage: r.to } } } });
      } catch (err) {
        const code = statusOf(err);
        if (code !== 403 && code !== 422) throw err;
        this.o.log.warn({ cluster: name, claim: r.claim, err: errorText(err) }, 'claim not resized');
        await this.o.events.emit(
          obj,
          'StorageResizeFailed',
          `PersistentVolumeClaim/${r.claim}: ${r.from} -> ${r.to} refused: ${errorText(err)}`,
        );
        continue;
      }
      this.o.log.info({ cluster: name, claim: r.claim, from: r.from, to: r.to }, 'claim resized');
      await this.o.events.emit(
        obj,
        'StorageResized',
        `PersistentVolumeClaim/${r.claim}: storage request ${r.from} -> ${r.to} (spec.storage.size)`,
      );
    }
  }

  /** Deletes the next outdated pod, if the roll may proceed (roll.ts decides). */
  private async roll(obj: MysqlClusterV1, cluster: Cluster): Promise<void> {
    const { name, namespace } = cluster.metadata;
    const sts = this.informers.owned.get('StatefulSet')?.get(`${namespace}/${statefulSetName(name)}`);
    if (!sts) return;
    const raw = this.clusterPods(cluster);
    const pods = raw.map((p) => podView(p, name)).filter(isPresent);
    const step = nextRollStep(
      pods,
      statefulSetView(sts).updateRevision,
      cluster.spec.replicas,
      currentMaster(pods, ''),
    );
    if (step.kind !== 'delete') return;
    const pod = raw.find((p) => p.metadata?.name === step.pod);
    if (!pod) return;
    this.o.log.info({ cluster: name, pod: step.pod, why: step.why }, `rolling pod ${step.pod}`);
    await this.writer.delete({ ...pod, apiVersion: 'v1', kind: 'Pod' });
    await this.o.events.emit(obj, 'RollingPod', `deleted pod ${step.pod} (${step.why}) to run the current template`);
  }

  private async announceWrite(
    obj: MysqlClusterV1,
    d: DesiredObject,
    outcome: WriteOutcome,
    desired: Desired,
  ): Promise<void> {
    const what = describe(d.obj);
    this.o.log.info({ cluster: obj.metadata.name, object: what, outcome }, `${outcome} ${what}`);
    await this.o.events.emit(obj, outcome === 'created' ? 'Created' : 'Updated', `${outcome} ${what}`);
    if (d.obj.kind === 'ConfigMap' && outcome === 'created' && desired.ignoredConfig.length)
      await this.o.events.emit(
        obj,
        'ConfigIgnored',
        `spec.mysql.config: ${desired.ignoredConfig.join(', ')} left out: the operator owns these settings`,
      );
  }

  /** The user's Secret must exist with the three keys; otherwise no pods (they could not start). */
  private async checkUserSecret(obj: MysqlClusterV1, name: string): Promise<Problem | undefined> {
    const ns = obj.metadata.namespace ?? '';
    let message: string | undefined;
    try {
      const s = await this.core.readNamespacedSecret({ name, namespace: ns });
      const missing = missingCredentialKeys(s.data);
      if (missing.length) message = `Secret "${name}" (spec.mysql.secretName) lacks ${missing.join(', ')}`;
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
      message = `Secret "${name}" (spec.mysql.secretName) not found in namespace ${ns}`;
    }
    if (!message) return undefined;
    const already = obj.status?.conditions?.some((c) => c.type === 'Ready' && c.reason === 'CredentialsSecretMissing');
    if (!already) await this.o.events.emit(obj, 'CredentialsSecretMissing', message);
    return { reason: 'CredentialsSecretMissing', message, fatal: true };
  }

  /** Deletes my.cnf ConfigMaps of this cluster that neither the StatefulSet nor any pod uses. */
  private async pruneConfigMaps(obj: MysqlClusterV1, cluster: Cluster, current: string): Promise<void> {
    const { name, namespace, uid } = cluster.metadata;
    const inUse = new Set([current, ...this.clusterPods(cluster).flatMap((p) => mountedConfigMaps(p))]);
    const owned = this.informers.owned.get('ConfigMap');
    for (const cm of ClusterInformers.select(owned!, namespace, Labels.cluster, name)) {
      const n = cm.metadata?.name ?? '';
      const ours = cm.metadata?.ownerReferences?.some((r) => r.uid === uid && r.controller);
      if (!n.startsWith(`${name}-mycnf-`) || inUse.has(n) || !ours) continue;
      await this.writer.delete({ ...cm, apiVersion: 'v1', kind: 'ConfigMap' });
      await this.o.events.emit(obj, 'Deleted', `deleted ConfigMap/${n}: no pod uses it any more`);
    }
  }

  private clusterPods(cluster: Cluster): KubernetesObject[] {
    return ClusterInformers.select(
      this.informers.pods,
      cluster.metadata.namespace,
      Labels.cluster,
      cluster.metadata.name,
    );
  }

  private foldInput(cluster: Cluster, previous: MysqlClusterStatusV1 | undefined, problems: Problem[]): FoldInput {
    const { name, namespace } = cluster.metadata;
    const raft = ClusterInformers.select(this.informers.raftConfigMaps, namespace, Labels.raftCluster, name);
    const lease = this.informers.leases.get(`${namespace}/${raftLeaderLeaseName(name)}`);
    const sts = this.informers.owned.get('StatefulSet')?.get(`${namespace}/${statefulSetName(name)}`);
    return {
      name,
      generation: cluster.metadata.generation ?? 0,
      replicas: cluster.spec.replicas,
      paused: cluster.spec.paused === true,
      previous,
      pods: this.clusterPods(cluster)
        .map((p) => podView(p, name))
        .filter(isPresent),
      raftStates: raft.map((c) => raftStateView(c, name)).filter(isPresent),
      lease: lease ? leaseView(lease) : undefined,
      statefulSet: sts ? statefulSetView(sts) : undefined,
      problems,
      selector: selectorString(selectorLabels(name)),
      now: (this.o.now ?? (() => new Date()))(),
    };
  }

  private async announcePause(
    obj: MysqlClusterV1,
    previous: MysqlClusterStatusV1 | undefined,
    next: MysqlClusterStatusV1,
  ): Promise<void> {
    const reason = (s: MysqlClusterStatusV1 | undefined) =>
      s?.conditions?.find((c) => c.type === 'Progressing')?.reason;
    const was = reason(previous) === 'Paused';
    const is = reason(next) === 'Paused';
    if (is && !was) await this.o.events.emit(obj, 'Paused', 'spec.paused is true: the operator changes nothing');
    if (was && !is) await this.o.events.emit(obj, 'Resumed', 'spec.paused is false: reconciling again');
  }
}
