// `mysql-raft-operator manager`: the webhooks on every replica, and the MysqlCluster reconciler on the
// one replica that holds the election Lease (src/operator/leader.ts). Health on --health-port,
// Prometheus metrics on --metrics-port, both plain HTTP as kubebuilder managers do.
import { parseArgs } from 'node:util';
import {
  startManager,
  type ManagerContext,
  type ManagerHandle,
  type Runnable,
  type RunnableFactory,
} from '../kube/manager.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { startWebhookServer } from '../../webhooks/server.ts';
import { MANAGER_LEASE_NAME } from '../api/names.ts';
import { startLeaderElectedOperator } from '../operator/index.ts';
import { electionIdentity, electionNamespace, loadKubeConfig, resolveAgentImage } from './manager-kube.ts';

/** The manager's flags, parsed and defaulted. */
export interface ManagerOptions {
  webhookPort: number;
  certDir: string;
  healthPort: number;
  metricsPort: number;
  bindAddress: string;
  webhooks: boolean;
  /** Run the MysqlCluster reconciler (behind leader election) when an API server is configured. */
  reconcilers: boolean;
  kubeconfig?: string | undefined;
  /** Watch one namespace only; default all. */
  namespace?: string | undefined;
  agentImage?: string | undefined;
  leaderElectionNamespace?: string | undefined;
  leaderElectionId: string;
}

/** A started manager and the port its webhooks got (undefined with --no-webhooks). */
export interface OperatorManager extends ManagerHandle {
  webhookPort: number | undefined;
}

/** A bad command-line flag; the message says which and what is allowed. */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

/**
 * Where the webhook serving certificate is read from unless --cert-dir says otherwise (controller-runtime's default).
 */
export const DEFAULT_CERT_DIR = '/tmp/k8s-webhook-server/serving-certs';

/** The `manager` subcommand's help text. */
export const HELP = `usage: mysql-raft-operator manager [flags]

  --webhook-port N     HTTPS port of the admission and conversion webhooks (default 9443)
  --cert-dir DIR       directory holding tls.crt and tls.key, reloaded when they change
                       (default ${DEFAULT_CERT_DIR})
  --health-port N      HTTP port of /healthz and /readyz (default 8081)
  --metrics-port N     HTTP port of /metrics, Prometheus text format (default 8080)
  --bind-address ADDR  address all servers listen on (default 0.0.0.0)
  --no-webhooks        do not serve the webhooks (e.g. webhooks run elsewhere)
  --no-reconcilers     do not run the MysqlCluster reconciler
  --kubeconfig PATH    API server to reconcile against (default: in-cluster, $KUBECONFIG or
                       ~/.kube/config; with none of them the reconciler does not start)
  --namespace NS       reconcile MysqlClusters of this namespace only (default: all)
  --agent-image IMAGE  image of the agent sidecar (default: $AGENT_IMAGE, else this manager's own
                       container image, read from its Pod)
  --leader-election-namespace NS  namespace of the election Lease (default: $POD_NAMESPACE, the
                       service account's namespace in a pod, else the kubeconfig context's, else default)
  --leader-election-id NAME       name of the election Lease (default ${MANAGER_LEASE_NAME})
`;

function port(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535)
    throw new FlagError(`--${name}: "${text}" is not a port; allowed 0..65535 (0 picks a free port)`);
  return n;
}

/**
 * The manager's options from its flags, defaults filled in. Throws FlagError on an unknown flag or a positional
 * argument (the help text appended), and on a port outside 0..65535.
 */
export function parseFlags(argv: string[]): ManagerOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'webhook-port': { type: 'string' },
        'cert-dir': { type: 'string' },
        'health-port': { type: 'string' },
        'metrics-port': { type: 'string' },
        'bind-address': { type: 'string' },
        'no-webhooks': { type: 'boolean' },
        'no-reconcilers': { type: 'boolean' },
        kubeconfig: { type: 'string' },
        namespace: { type: 'string' },
        'agent-image': { type: 'string' },
        'leader-election-namespace': { type: 'string' },
        'leader-election-id': { type: 'string' },
      },
    }));
  } catch (e) {
    throw new FlagError(`${(e as Error).message}\n\n${HELP}`);
  }
  return {
    webhookPort: port('webhook-port', values['webhook-port'], 9443),
    certDir: values['cert-dir'] ?? DEFAULT_CERT_DIR,
    healthPort: port('health-port', values['health-port'], 8081),
    metricsPort: port('metrics-port', values['metrics-port'], 8080),
    bindAddress: values['bind-address'] ?? '0.0.0.0',
    webhooks: !values['no-webhooks'],
    reconcilers: !values['no-reconcilers'],
    kubeconfig: values.kubeconfig,
    namespace: values.namespace,
    agentImage: values['agent-image'],
    leaderElectionNamespace: values['leader-election-namespace'],
    leaderElectionId: values['leader-election-id'] ?? MANAGER_LEASE_NAME,
  };
}

async function webhookRunnable(options: ManagerOptions, ctx: ManagerContext): Promise<Runnable & { port: number }> {
  const server = await startWebhookServer({
    certDir: options.certDir,
    port: options.webhookPort,
    host: options.bindAddress,
    logger: ctx.logger,
    registry: ctx.registry,
  });
  return { name: 'webhooks', port: server.port, ready: () => server.server.listening, stop: () => server.close() };
}

/** The reconciler behind leader election, or nothing when no API server is configured. */
export function reconcilerFactory(
  options: ManagerOptions,
  env: Record<string, string | undefined>,
): RunnableFactory | undefined {
  if (!options.reconcilers) return undefined;
  const kc = loadKubeConfig(options.kubeconfig, env);
  if (!kc) return undefined;
  return async (ctx) => {
    const agentImage = await resolveAgentImage(kc, options.agentImage, env);
    const election = {
      namespace: electionNamespace(options.leaderElectionNamespace, env, kc),
      name: options.leaderElectionId,
      identity: electionIdentity(env),
    };
    ctx.logger.info(
      { lease: election.name, namespace: election.namespace, identity: election.identity, agentImage },
      'leader election: campaigning to run the reconciler',
    );
    return startLeaderElectedOperator({
      kc,
      log: ctx.logger,
      registry: ctx.registry,
      agentImage,
      election,
      ...(options.namespace ? { watchNamespace: options.namespace } : {}),
    });
  };
}

/** The manager with its webhooks (unless --no-webhooks) and the runnables given (the reconciler). */
export async function startOperatorManager(
  options: ManagerOptions,
  logger: Logger,
  extra: RunnableFactory[] = [],
): Promise<OperatorManager> {
  let webhook: number | undefined;
  const webhooks: RunnableFactory = async (ctx) => {
    const w = await webhookRunnable(options, ctx);
    webhook = w.port;
    return w;
  };
  const handle = await startManager(options, logger, options.webhooks ? [webhooks, ...extra] : extra);
  logger.info({ health: handle.ports.health, metrics: handle.ports.metrics, webhook }, 'manager started');
  return { ...handle, webhookPort: webhook };
}

/** `manager` subcommand: runs until SIGTERM or SIGINT, stops cleanly and exits 0; 2 on a bad flag. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  let options: ManagerOptions;
  try {
    options = parseFlags(argv);
  } catch (e) {
    if (e instanceof FlagError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const logger = createLogger('manager');
  const reconciler = reconcilerFactory(options, process.env);
  if (options.reconcilers && !reconciler)
    logger.warn('no Kubernetes API configured (--kubeconfig, KUBECONFIG, in-cluster): reconciler not started');
  const handle = await startOperatorManager(options, logger, reconciler ? [reconciler] : []);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  logger.info('shutting down');
  await handle.stop();
  return 0;
}
