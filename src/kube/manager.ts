// The manager/runnable framework, as controller-runtime's manager: probes (/healthz, /readyz with
// ?verbose like Kubernetes components), Prometheus /metrics, and an ordered list of Runnables started
// in order and stopped in reverse. What runs inside (webhooks, reconcilers, leader election) is
// plugged in by the caller; this module knows none of them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from '../util/log.ts';

/** Where the manager's own HTTP servers listen. */
export interface ManagerServing {
  healthPort: number;
  metricsPort: number;
  bindAddress: string;
}

/** One long-running part of the manager (webhook server, a reconciler, leader election...). */
export interface Runnable {
  name: string;
  /** Ready to serve: /readyz is 200 only when every runnable says so. */
  ready(): boolean;
  stop(): Promise<void>;
}

/** What a runnable factory receives: the logger and the shared metrics registry. */
export interface ManagerContext {
  logger: Logger;
  registry: Registry;
}

/** Builds and starts one runnable; a rejection stops everything started before it. */
export type RunnableFactory = (ctx: ManagerContext) => Promise<Runnable>;

/** A started manager: its bound ports, its runnables, and stop() which undoes everything. */
export interface ManagerHandle {
  ports: { health: number; metrics: number };
  runnables: Runnable[];
  registry: Registry;
  stop(): Promise<void>;
}

function listen(server: Server, portNumber: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(portNumber, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** The /readyz body: `ok`, or with ?verbose one `[+]name ok` / `[-]name failed` line per check. */
export function readyzBody(runnables: Runnable[], verbose: boolean): { status: number; body: string } {
  const waiting = runnables.filter((r) => !r.ready()).map((r) => r.name);
  const status = waiting.length ? 503 : 200;
  if (!verbose) return { status, body: waiting.length ? `not ready: ${waiting.join(', ')}\n` : 'ok\n' };
  const lines = runnables.map((r) => (r.ready() ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`));
  const verdict = waiting.length ? 'readyz check failed' : 'readyz check passed';
  return { status, body: `${[...lines, verdict].join('\n')}\n` };
}

function probeServer(runnables: () => Runnable[]): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://probe');
    if (url.pathname === '/healthz' || url.pathname === '/livez') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (url.pathname === '/readyz') {
      const { status, body } = readyzBody(runnables(), url.searchParams.has('verbose'));
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('try /healthz or /readyz\n');
  });
}

function metricsServer(registry: Registry): Server {
  return createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('try /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
}

/** Starts the probe and metrics servers, then each runnable in order; stop() reverses it. */
export async function startManager(
  serving: ManagerServing,
  logger: Logger,
  factories: RunnableFactory[] = [],
): Promise<ManagerHandle> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const ctx: ManagerContext = { logger, registry };
  const runnables: Runnable[] = [];
  const probes = probeServer(() => runnables);
  const metrics = metricsServer(registry);
  const stop = async (): Promise<void> => {
    for (const r of [...runnables].reverse()) {
      await r.stop().catch((e: unknown) => logger.error({ err: e, runnable: r.name }, 'stop failed'));
    }
    await Promise.all(
      [probes, metrics].map(
        (s) =>
          new Promise((res) => {
            s.close(res);
            s.closeAllConnections();
          }),
      ),
    );
  };
  try {
    const health = await listen(probes, serving.healthPort, serving.bindAddress);
    const metricsPort = await listen(metrics, serving.metricsPort, serving.bindAddress);
    for (const f of factories) runnables.push(await f(ctx));
    return { ports: { health, metrics: metricsPort }, runnables, registry, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
