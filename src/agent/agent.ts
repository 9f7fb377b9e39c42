// The agent process, wired: configuration and secrets in, then the cluster view, the Raft node on its
// ConfigMap, the authenticated peer transport and the HTTP endpoints. The MySQL side (observe ->
// decide -> act) plugs in through RaftApp. Docs: docs/agent.md.
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../util/log.ts';
import { ConfigMapStorage } from '../kube/configmap-storage.ts';
import { controllerRef } from '../kube/objects.ts';
import type { AgentConfig } from './config.ts';
import { AgentConfigError } from './config.ts';
import { ClusterView, ordinalOf } from './cluster-view.ts';
import { readCredentials, readPeerKey, type Credentials } from './secrets.ts';
import { PeerTransport } from './transport.ts';
import { RaftHost } from './raft-host.ts';
import { timingsFrom } from './timings.ts';
import { StatusServer } from './status-server.ts';

/** What a running agent holds; stop() ends everything it started. */
export interface RunningAgent {
  raft: RaftHost;
  view: ClusterView;
  transport: PeerTransport;
  http: StatusServer;
  credentials: Credentials;
  /** Resolves when the agent must exit (fatal error), with the reason. */
  fatal: Promise<Error>;
  stop(): Promise<void>;
}

function kubeConfig(c: AgentConfig): KubeConfig {
  const kc = new KubeConfig();
  if (c.kubeconfig) kc.loadFromFile(c.kubeconfig);
  else kc.loadFromCluster();
  return kc;
}

async function waitForCluster(view: ClusterView, log: Logger): Promise<void> {
  for (let i = 0; !view.object(); i++) {
    if (i % 50 === 0) log.info({ cluster: view.cluster }, 'waiting for the MysqlCluster to exist');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts the agent; rejects with AgentConfigError naming a bad setting. */
export async function startAgent(c: AgentConfig, log: Logger): Promise<RunningAgent> {
  const ordinal = ordinalOf(c.cluster, c.podName);
  if (ordinal === undefined)
    throw new AgentConfigError(
      `--pod-name (POD_NAME) = ${JSON.stringify(c.podName)}: must be <cluster>-<ordinal> for cluster ${c.cluster}`,
    );
  const credentials = readCredentials(c.credentialsDir);
  const key = readPeerKey(c.peerKeyFile);
  const kc = kubeConfig(c);
  const view = new ClusterView(kc, c.namespace, c.cluster, log);
  await view.start();
  await waitForCluster(view, log);
  const cluster = view.object()!;
  const timings = timingsFrom(cluster.spec.raft, c.tickMs, c.leaseDriftMs);
  const storage = await ConfigMapStorage.open(kc, {
    namespace: c.namespace,
    cluster: c.cluster,
    ordinal,
    bootstrap: { voters: view.bootstrapMembers(), learners: [] },
    ownerReferences: [controllerRef(cluster)],
  });
  let resolveFatal: (e: Error) => void = () => {};
  const fatal = new Promise<Error>((r) => (resolveFatal = r));
  let raft: RaftHost | undefined;
  const members = (id: string): boolean => {
    const conf = raft?.status().conf;
    return (conf ? [...conf.voters, ...conf.learners] : view.bootstrapMembers()).includes(id);
  };
  const transport = new PeerTransport({
    self: c.podName,
    cluster: c.cluster,
    key,
    host: c.bindAddress,
    port: c.peerPort,
    resolve: (peer) => {
      const ip = view.podIp(peer);
      return ip ? { host: ip, port: c.peerPort } : undefined;
    },
    isMember: members,
    onMessages: (_from, msgs) => raft?.receive(msgs),
    logger: log,
  });
  await transport.start();
  raft = await RaftHost.start({
    id: c.podName,
    storage,
    transport,
    timings,
    logger: log,
    app: {
      apply: () => {},
      onFatal: (err) => {
        log.error({ err: err.message }, 'raft node stopped: exiting so the restart reads the ConfigMap');
        resolveFatal(err);
      },
    },
  });
  const http = new StatusServer({ host: c.bindAddress, port: c.httpPort, status: () => raft!.status() });
  await http.start();
  log.info({ pod: c.podName, timings }, 'agent started');
  const host = raft;
  return {
    raft: host,
    view,
    transport,
    http,
    credentials,
    fatal,
    stop: async () => {
      host.stop();
      await host.idle();
      await Promise.all([transport.stop(), http.stop(), view.stop()]);
    },
  };
}
