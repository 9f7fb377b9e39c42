// `mysql-raft-operator local`: the whole system on this machine. In order: the embedded API server
// (state, token, port and certificate kept in the data dir), the manager with its webhooks (started
// by the caller, which owns the cli -> operator import) and their registration, the CRD, and the pod
// runner. stop() undoes it in reverse: pods' processes first, then the manager, then the server.
// With `kubeconfig` it attaches to an existing API server instead and registers nothing there.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../util/log.ts';
import { silentLogger } from '../util/log.ts';
import { startApiServer, type EmbeddedApiServer } from './apiserver/server.ts';
import { KubeClient } from './kubelet/client.ts';
import { startPodRunner, type PodRunner } from './kubelet/index.ts';
import { crdEstablished, installCrd, installWebhooks } from './local-install.ts';
import { loadIdentity, saveIdentity, webhookCertDir } from './local-state.ts';

/** A started manager, as far as `local` needs it. */
export interface LocalManager {
  webhookPort: number | undefined;
  stop(): Promise<void>;
}

/** Starts the manager against `kubeconfigPath`, serving webhooks with the certificate in `certDir`. */
export type ManagerStarter = (kubeconfigPath: string, certDir: string) => Promise<LocalManager>;

/** How `local` runs. */
export interface LocalOptions {
  dataDir: string;
  /** Attach to this API server instead of starting the embedded one. */
  kubeconfig?: string;
  /** Run the StatefulSet/Deployment/Endpoints controllers and the scheduler (default true). */
  controllers?: boolean;
  /** The Node this machine registers as (default `local`). */
  nodeName?: string;
  startManager?: ManagerStarter;
  logger?: Logger;
  /** First restart back-off of crashed containers (default 10 s). */
  backoffMs?: number;
}

/** A running local system. */
export interface LocalSystem {
  kubeconfigPath: string;
  apiServer: EmbeddedApiServer | undefined;
  runner: PodRunner;
  manager: LocalManager | undefined;
  stop(): Promise<void>;
}

async function embeddedServer(dataDir: string, log: Logger): Promise<EmbeddedApiServer> {
  const id = loadIdentity(dataDir);
  let server: EmbeddedApiServer | undefined;
  // Webhooks referenced by Service (`make deploy` of the manager as a pod) reach it through the
  // Service's clusterIP, which the pod runner really routes.
  const serviceResolver = (svc: { namespace: string; name: string; port: number }): URL | undefined => {
    const ip = server?.context.store.get('services', svc.namespace, svc.name)?.['spec']?.['clusterIP'];
    return typeof ip === 'string' && ip !== 'None' ? new URL(`https://${ip}:${svc.port}`) : undefined;
  };
  const common = {
    token: id.token,
    tls: id.tls,
    dataFile: join(dataDir, 'apiserver.json'),
    logger: log,
    serviceResolver,
  };
  try {
    server = await startApiServer({ ...common, port: id.port });
  } catch (e) {
    if (id.port === 0) throw e;
    log.warn({ port: id.port }, 'the previous API server port is taken; using a new one (kubeconfig rewritten)');
    server = await startApiServer({ ...common, port: 0 });
  }
  saveIdentity(dataDir, { ...id, port: server.port });
  return server;
}

/** Starts everything; resolves when the system is up. */
export async function startLocal(o: LocalOptions): Promise<LocalSystem> {
  const log = o.logger ?? silentLogger();
  const dataDir = resolve(o.dataDir);
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const s of stops.reverse()) await s().catch((e: unknown) => log.error({ err: String(e) }, 'stop failed'));
    stops.length = 0;
  };
  try {
    let kubeconfigPath = o.kubeconfig ? resolve(o.kubeconfig) : join(dataDir, 'kubeconfig');
    let apiServer: EmbeddedApiServer | undefined;
    if (!o.kubeconfig) {
      apiServer = await embeddedServer(dataDir, log);
      stops.push(() => apiServer!.close());
      kubeconfigPath = join(dataDir, 'kubeconfig');
      writeFileSync(kubeconfigPath, apiServer.kubeconfig(), { mode: 0o600 });
    }
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const client = new KubeClient(kc);
    let manager: LocalManager | undefined;
    if (o.startManager) {
      const { certDir, caPem } = webhookCertDir(dataDir);
      manager = await o.startManager(kubeconfigPath, certDir);
      stops.push(() => manager!.stop());
      if (apiServer && manager.webhookPort) {
        await installCrd(client, manager.webhookPort, caPem);
        await installWebhooks(client, manager.webhookPort, caPem);
        await crdEstablished(client, 'mysqlclusters.apps.ryansu.com');
      }
    }
    const runner = await startPodRunner({
      kubeconfigPath,
      dataDir,
      log,
      ...(o.controllers === false ? { controllers: false } : {}),
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.backoffMs !== undefined ? { backoffMs: o.backoffMs } : {}),
    });
    stops.push(() => runner.stop());
    return { kubeconfigPath, apiServer, runner, manager, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** What to type next, printed on start. */
export function nextSteps(sys: LocalSystem, dataDir: string): string {
  const kc = sys.kubeconfigPath;
  return [
    `mysql-raft-operator local is running (data in ${resolve(dataDir)}; Ctrl-C stops every process it started).`,
    '',
    `  export KUBECONFIG=${kc}`,
    '  kubectl apply -f kustomize/samples/mysql-cluster.yaml',
    '  kubectl get mysqlcluster -o wide -w',
    '  kubectl get pods -o wide                      # each pod has its own 127.244.x.y address',
    "  PW=$(kubectl get secret mysql-raft-cluster-credentials -o jsonpath='{.data.root-password}' | base64 -d)",
    '  mysql -h $(kubectl get svc mysql-master -o jsonpath=\'{.spec.clusterIP}\') -uroot -p"$PW"',
    '  kubectl logs <pod> -c mysql (or -c agent)     kubectl exec -it <pod> -- mysql -uroot -p"$PW"',
    '',
    `Logs of every container are also in ${join(resolve(dataDir), 'pods')}/<namespace>_<pod>_<uid>/logs/.`,
    '',
  ].join('\n');
}
