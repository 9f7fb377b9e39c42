// The pod runner: what a control plane's controllers and one node do, for pods that run as local
// processes. Caches (list+watch) feed the StatefulSet, Deployment/ReplicaSet and Endpoints controllers,
// the scheduler, the kubelet and the Service proxies. With `controllers: false` only the node part runs
// (kubelet + proxies), for an API server whose own control plane has the controllers.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../util/package-root.ts';

import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../util/log.ts';
import { silentLogger } from '../../util/log.ts';
import { ObjectCache } from './cache.ts';
import { KubeClient } from './client.ts';
import { startEndpointsController } from './endpoints.ts';
import { eventSink } from './events.ts';
import { Kubelet } from './kubelet.ts';
import type { KeyedQueue } from './queue.ts';
import { startDeploymentControllers } from './replicaset.ts';
import { startScheduler } from './scheduler.ts';
import { startServiceProxy } from './service-proxy.ts';
import { startStatefulSetController } from './statefulset.ts';

/** How to run. */
export interface PodRunnerOptions {
  kubeconfigPath: string;
  dataDir: string;
  nodeName?: string;
  /** The node's address; the kubelet endpoint listens there (default 127.0.0.1). */
  hostIP?: string;
  /** Run the StatefulSet, Deployment, ReplicaSet and Endpoints controllers and the scheduler (default true). */
  controllers?: boolean;
  operatorImages?: string[];
  /** The database server binary (default: mariadbd, else mysqld, from /usr/sbin or PATH). */
  serverBinary?: string;
  podIpPrefix?: string;
  /** First restart back-off of a crashed container (default 10 s, as the kubelet). */
  backoffMs?: number;
  log?: Logger;
}

/** A started runner. */
export interface PodRunner {
  kubelet: Kubelet;
  nodeName: string;
  /** Stops every pod's processes (pods stay in the API) and every controller. */
  stop(graceMs?: number): Promise<void>;
}

/** Finds this machine's database server and its flavor. */
export function findServer(explicit?: string): { binary: string; flavor: 'mariadb' | 'mysql' } {
  const candidates = explicit ? [explicit] : ['/usr/sbin/mariadbd', '/usr/sbin/mysqld', 'mariadbd', 'mysqld'];
  for (const c of candidates) {
    try {
      const out = execFileSync(c, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      return { binary: c, flavor: /mariadb/i.test(out) ? 'mariadb' : 'mysql' };
    } catch {
      // Try the next one.
    }
  }
  throw new Error(
    `no database server found (tried ${candidates.join(', ')}): install MariaDB (hack/install-mariadb.sh)`,
  );
}

/** bin/mysql-raft-operator.js of this checkout. */
export function operatorEntry(): string {
  return join(packageRoot(), 'bin', 'mysql-raft-operator.js');
}

/** Starts caches, controllers, the kubelet and the proxies. */
export async function startPodRunner(o: PodRunnerOptions): Promise<PodRunner> {
  const log = o.log ?? silentLogger();
  const kc = new KubeConfig();
  kc.loadFromString(readFileSync(o.kubeconfigPath, 'utf8'));
  const client = new KubeClient(kc);
  const onError = (e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'pod runner');
  const nodeName = o.nodeName ?? 'local';
  const hostIP = o.hostIP ?? '127.0.0.1';
  mkdirSync(o.dataDir, { recursive: true });
  const cache = (apiVersion: string, plural: string) => new ObjectCache(client, apiVersion, plural, onError);
  const caches = {
    pods: cache('v1', 'pods'),
    secrets: cache('v1', 'secrets'),
    configmaps: cache('v1', 'configmaps'),
    pvcs: cache('v1', 'persistentvolumeclaims'),
    services: cache('v1', 'services'),
    endpoints: cache('v1', 'endpoints'),
    statefulsets: cache('apps/v1', 'statefulsets'),
    deployments: cache('apps/v1', 'deployments'),
    replicasets: cache('apps/v1', 'replicasets'),
  };
  const stopCaches = () => Promise.all(Object.values(caches).map((c) => c.stop()));
  try {
    return await startParts(o, { client, kc, caches, nodeName, hostIP, log, onError, stopCaches });
  } catch (e) {
    await stopCaches();
    throw e;
  }
}

interface Parts {
  client: KubeClient;
  kc: KubeConfig;
  caches: Record<
    | 'pods'
    | 'secrets'
    | 'configmaps'
    | 'pvcs'
    | 'services'
    | 'endpoints'
    | 'statefulsets'
    | 'deployments'
    | 'replicasets',
    ObjectCache
  >;
  nodeName: string;
  hostIP: string;
  log: Logger;
  onError: (e: unknown) => void;
  stopCaches: () => Promise<unknown>;
}

async function startParts(o: PodRunnerOptions, p: Parts): Promise<PodRunner> {
  const { client, kc, caches, nodeName, hostIP, log, onError } = p;
  await Promise.all(Object.values(caches).map((c) => c.start()));
  const server = findServer(o.serverBinary);
  const token = kc.getCurrentUser()?.token ?? '';
  const kubelet = new Kubelet({
    client,
    nodeName,
    hostIP,
    dataDir: o.dataDir,
    kubeconfigPath: resolve(o.kubeconfigPath),
    apiServer: new URL(kc.getCurrentCluster()!.server),
    images: { localFlavor: server.flavor, ...(o.operatorImages ? { operatorImages: o.operatorImages } : {}) },
    serverBinary: server.binary,
    operatorEntry: operatorEntry(),
    token,
    ...(o.podIpPrefix ? { podIpPrefix: o.podIpPrefix } : {}),
    ...(o.backoffMs !== undefined ? { backoffMs: o.backoffMs } : {}),
    caches,
    event: eventSink(client, 'kubelet', nodeName, onError),
    onError,
  });
  await kubelet.start();
  const queues: KeyedQueue[] = [];
  if (o.controllers !== false) {
    const deps = {
      client,
      pods: caches.pods,
      pvcs: caches.pvcs,
      event: eventSink(client, 'controller-manager', '', onError),
      onError,
    };
    queues.push(startStatefulSetController(caches.statefulsets, deps));
    queues.push(...startDeploymentControllers(caches.deployments, caches.replicasets, deps));
    queues.push(startEndpointsController(caches.services, caches.endpoints, deps));
    startScheduler({
      client,
      pods: caches.pods,
      nodeName,
      nodeLabels: { 'kubernetes.io/hostname': nodeName, 'kubernetes.io/os': process.platform },
      event: eventSink(client, 'default-scheduler', '', onError),
      onError,
    });
  }
  const proxy = startServiceProxy({
    services: caches.services,
    endpoints: caches.endpoints,
    pods: caches.pods,
    onError,
  });
  log.info({ node: nodeName, server: server.binary, dataDir: o.dataDir }, 'pod runner started');
  return {
    kubelet,
    nodeName,
    async stop(graceMs = 10_000) {
      for (const q of queues) q.stop();
      await kubelet.stop(graceMs);
      await proxy.stop();
      await p.stopCaches();
    },
  };
}
