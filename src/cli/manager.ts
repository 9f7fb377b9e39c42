// `mysql-raft-operator manager`: the webhooks today; the reconcilers of later issues plug in as
// Runnables (see `Runnable` and startManager's `runnables`). Health on --health-port, Prometheus
// metrics on --metrics-port, both plain HTTP as kubebuilder managers do.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { createLogger, type Logger } from '../util/log.ts';
import { startWebhookServer } from '../../webhooks/server.ts';

export interface ManagerOptions {
  webhookPort: number;
  certDir: string;
  healthPort: number;
  metricsPort: number;
  bindAddress: string;
  webhooks: boolean;
}

/** One long-running part of the manager (webhook server, a reconciler, leader election...). */
export interface Runnable {
  name: string;
  /** Ready to serve: /readyz is 200 only when every runnable says so. */
  ready(): boolean;
  stop(): Promise<void>;
}

export interface ManagerContext { options: ManagerOptions; logger: Logger; registry: Registry }
export type RunnableFactory = (ctx: ManagerContext) => Promise<Runnable>;

export interface ManagerHandle {
  ports: { webhook?: number; health: number; metrics: number };
  runnables: Runnable[];
  registry: Registry;
  stop(): Promise<void>;
}

export class FlagError extends Error {
  constructor(message: string) { super(message); this.name = 'FlagError'; }
}

export const DEFAULT_CERT_DIR = '/tmp/k8s-webhook-server/serving-certs';

export const HELP = `usage: mysql-raft-operator manager [flags]

  --webhook-port N     HTTPS port of the admission and conversion webhooks (default 9443)
  --cert-dir DIR       directory holding tls.crt and tls.key, reloaded when they change
                       (default ${DEFAULT_CERT_DIR})
  --health-port N      HTTP port of /healthz and /readyz (default 8081)
  --metrics-port N     HTTP port of /metrics, Prometheus text format (default 8080)
  --bind-address ADDR  address all servers listen on (default 0.0.0.0)
  --no-webhooks        do not serve the webhooks (e.g. webhooks run elsewhere)
`;

function port(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new FlagError(`--${name}: "${text}" is not a port; allowed 0..65535 (0 picks a free port)`);
  return n;
}

export function parseFlags(argv: string[]): ManagerOptions {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: {
      'webhook-port': { type: 'string' }, 'cert-dir': { type: 'string' }, 'health-port': { type: 'string' },
      'metrics-port': { type: 'string' }, 'bind-address': { type: 'string' }, 'no-webhooks': { type: 'boolean' },
    } }));
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
  };
}

async function webhookRunnable(ctx: ManagerContext): Promise<Runnable & { port: number }> {
  const server = await startWebhookServer({ certDir: ctx.options.certDir, port: ctx.options.webhookPort, host: ctx.options.bindAddress, logger: ctx.logger, registry: ctx.registry });
  return { name: 'webhooks', port: server.port, ready: () => server.server.listening, stop: () => server.close() };
}

function listen(server: Server, portNumber: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(portNumber, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function probeServer(runnables: () => Runnable[]): Server {
  return createServer((req, res) => {
    if (req.url === '/healthz') { res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n'); return; }
    if (req.url === '/readyz') {
      const waiting = runnables().filter((r) => !r.ready()).map((r) => r.name);
      res.writeHead(waiting.length ? 503 : 200, { 'content-type': 'text/plain' }).end(waiting.length ? `not ready: ${waiting.join(', ')}\n` : 'ok\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('try /healthz or /readyz\n');
  });
}

function metricsServer(registry: Registry): Server {
  return createServer((req, res) => {
    if (req.url !== '/metrics') { res.writeHead(404, { 'content-type': 'text/plain' }).end('try /metrics\n'); return; }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
}

/** Starts the probes, metrics, webhooks and then each extra runnable (later issues: reconcilers). */
export async function startManager(options: ManagerOptions, logger: Logger, factories: RunnableFactory[] = []): Promise<ManagerHandle> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const ctx: ManagerContext = { options, logger, registry };
  const runnables: Runnable[] = [];
  const probes = probeServer(() => runnables);
  const metrics = metricsServer(registry);
  const stop = async () => {
    for (const r of [...runnables].reverse()) await r.stop().catch((e: unknown) => logger.error({ err: e, runnable: r.name }, 'stop failed'));
    await Promise.all([probes, metrics].map((s) => new Promise((res) => { s.close(res); s.closeAllConnections(); })));
  };
  try {
    const health = await listen(probes, options.healthPort, options.bindAddress);
    const metricsPort = await listen(metrics, options.metricsPort, options.bindAddress);
    let webhook: number | undefined;
    if (options.webhooks) {
      const w = await webhookRunnable(ctx);
      webhook = w.port;
      runnables.push(w);
    }
    for (const f of factories) runnables.push(await f(ctx));
    logger.info({ health, metrics: metricsPort, webhook }, 'manager started');
    return { ports: { webhook, health, metrics: metricsPort }, runnables, registry, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) { process.stdout.write(HELP); return 0; }
  let options: ManagerOptions;
  try { options = parseFlags(argv); } catch (e) {
    if (e instanceof FlagError) { process.stderr.write(`${e.message}\n`); return 2; }
    throw e;
  }
  const logger = createLogger('manager');
  const handle = await startManager(options, logger);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  logger.info('shutting down');
  await handle.stop();
  return 0;
}
