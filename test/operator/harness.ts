// An embedded API server with the MysqlCluster CRD installed and the seed manifest applied, and a
// running MysqlClusterOperator against it: what the reconciler tests share.
import { readFileSync } from 'node:fs';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  loadYaml,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import type { MysqlClusterV1 } from '../../src/api/types.ts';
import { ControllerMetrics } from '../../src/kube/metrics.ts';
import { ClusterMetrics, MysqlClusterOperator } from '../../src/operator/index.ts';
import { silentLogger } from '../../src/util/log.ts';
import { eventually, startKube, type KubeFixture } from '../support/kube.ts';
import { OPTS, sampleManifest } from './fixtures.ts';

export const NS = 'default';
export const NAME = 'mysql-raft-cluster';
export const KEY = `${NS}/${NAME}`;
const CRD_PATH = new URL('../../crds/apps.ryansu.com_mysqlclusters.yaml', import.meta.url);

export interface Harness {
  k: KubeFixture;
  op: MysqlClusterOperator;
  registry: Registry;
  objects: KubernetesObjectApi;
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  cluster(): Promise<MysqlClusterV1>;
  /** Queues the cluster and resolves after a reconcile that started after this call has finished. */
  reconcileOnce(): Promise<void>;
  close(): Promise<void>;
}

/** Installs the CRD (no webhooks: the operator applies defaults itself) and waits until it serves. */
export async function installCrd(k: KubeFixture): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(k.direct);
  // loadYaml decodes into client-node's models, whose encoder knows `x-kubernetes-*` field names.
  const crd = loadYaml<KubernetesObject>(readFileSync(CRD_PATH, 'utf8'));
  await objects.create(crd);
  const custom = k.direct.makeApiClient(CustomObjectsApi);
  await eventually(
    () =>
      custom
        .listNamespacedCustomObject({ group: 'apps.ryansu.com', version: 'v1', namespace: NS, plural: 'mysqlclusters' })
        .then(() => true)
        .catch(() => false),
    'the MysqlCluster CRD to serve',
  );
}

/** The seed manifest, applied as `kubectl apply -f kustomize/samples/mysql-cluster.yaml` would. */
export async function applySample(k: KubeFixture, edit: (c: MysqlClusterV1) => void = () => {}): Promise<void> {
  const c = sampleManifest();
  edit(c);
  await k.direct.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: 'apps.ryansu.com',
    version: 'v1',
    namespace: NS,
    plural: 'mysqlclusters',
    body: c,
  });
}

export async function startHarness(edit?: (c: MysqlClusterV1) => void): Promise<Harness> {
  const k = await startKube();
  await installCrd(k);
  await applySample(k, edit);
  const registry = new Registry();
  const op = new MysqlClusterOperator({
    kc: k.kc,
    log: silentLogger(),
    agentImage: OPTS.agentImage,
    controllerMetrics: new ControllerMetrics(registry),
    clusterMetrics: new ClusterMetrics(registry),
    rateLimiter: { baseDelayMs: 20, maxDelayMs: 500, qps: 100, burst: 100 },
  });
  await op.start();
  const custom = k.direct.makeApiClient(CustomObjectsApi);
  const h: Harness = {
    k,
    op,
    registry,
    objects: KubernetesObjectApi.makeApiClient(k.direct),
    core: k.direct.makeApiClient(CoreV1Api),
    apps: k.direct.makeApiClient(AppsV1Api),
    custom,
    cluster: async () =>
      (await custom.getNamespacedCustomObject({
        group: 'apps.ryansu.com',
        version: 'v1',
        namespace: NS,
        plural: 'mysqlclusters',
        name: NAME,
      })) as MysqlClusterV1,
    reconcileOnce: async () => {
      const stats = op.reconciler.stats;
      const target = stats.reconciles + 1;
      op.controller.queue.add(KEY);
      await eventually(
        () => stats.reconciles >= target && stats.finished >= stats.reconciles,
        'a fresh reconcile to finish',
      );
    },
    close: async () => {
      await op.stop();
      await k.close();
    },
  };
  return h;
}

/** Waits until the cluster's status has conditions and a second reconcile leaves everything as it is. */
export async function settle(h: Harness): Promise<void> {
  await eventually(async () => (await h.cluster()).status?.conditions?.length === 4, 'status with four conditions');
  await eventually(async () => {
    const before = { ...h.op.reconciler.writer.stats };
    await h.reconcileOnce();
    const after = h.op.reconciler.writer.stats;
    return (
      after.creates === before.creates && after.updates === before.updates && after.statusWrites === before.statusWrites
    );
  }, 'a reconcile that writes nothing');
}
