// The embedded Kubernetes API server: wiring of store, kinds, admission, conversion, controllers and
// the HTTP(S) listener. Design and the list of what it deliberately leaves out: docs/apiserver.md.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { silentLogger } from '../../util/log.ts';
import { loopbackCertificate, type ServingCertificate } from '../../util/selfsigned.ts';
import { Admission } from './admission-chain.ts';
import { anonymousForbidden, isPublicPath, tokenMatches } from './auth.ts';
import type { ServerContext } from './context.ts';
import { grOf } from './context.ts';
import { createConverter } from './conversion.ts';
import { CrdController } from './crd-controller.ts';
import { ClusterIpAllocator, DEFAULT_SERVICE_CIDR } from './cluster-ip.ts';
import { ApiError, errors } from './status-errors.ts';
import type { Duplex } from 'node:stream';
import { kubeletTarget, proxyUpgrade } from './kubelet-proxy.ts';
import { route } from './router.ts';
import { GarbageCollector } from './gc.ts';
import { handle, type HandlerOptions } from './handlers.ts';
import { requestUrl, writeError, writeText } from './http-io.ts';
import { KindRegistry } from './kinds.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { FilePersistence, loadSnapshot } from './persistence.ts';
import { createObject } from './rest.ts';
import { Store, type StoreSnapshot } from './store.ts';
import type { ServiceResolver } from './webhook-client.ts';
import type { Obj } from './meta.ts';

/**
 * How to run the embedded server; every field has a default (loopback, a free port, a random token, self-signed HTTPS,
 * memory only).
 */
export interface ApiServerOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  token?: string;
  /** 'self-signed' (default) serves HTTPS with a fresh loopback CA; false serves plain HTTP. */
  tls?: 'self-signed' | false | ServingCertificate;
  dataFile?: string;
  historyLimit?: number;
  bookmarkIntervalMs?: number;
  watchTimeoutMs?: number;
  serviceResolver?: ServiceResolver;
  logger?: Logger;
  clock?: () => number;
  /** Where Service clusterIPs come from (default 127.96.0.0/16: loopback, so they route on this machine). */
  serviceCidr?: string;
}

/** A running embedded API server: where it listens, how to reach it (token, CA, kubeconfig), and how to stop it. */
export interface EmbeddedApiServer {
  url: string;
  host: string;
  port: number;
  token: string;
  caPem: string | undefined;
  context: ServerContext;
  kubeconfig(namespace?: string): string;
  /** Resolves once the in-server controllers (GC, namespaces, CRDs) have nothing queued. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const BOOTSTRAP_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * Starts the embedded API server with its controllers and bootstrap namespaces; resolves once it listens. Throws
 * DataFileError when the data file is not a snapshot.
 */
export async function startApiServer(o: ApiServerOptions = {}): Promise<EmbeddedApiServer> {
  const log = o.logger ?? silentLogger();
  const token = o.token ?? randomBytes(24).toString('base64url');
  const snapshot = o.dataFile ? loadSnapshot(o.dataFile) : undefined;
  const ctx = createContext(o, snapshot);
  const { store } = ctx;
  const onError = (key: string, err: unknown): void =>
    log.warn({ key, err: err instanceof Error ? err.message : String(err) }, 'controller job failed');
  const crds = new CrdController(ctx, onError);
  const gc = new GarbageCollector(ctx, onError);
  if (!snapshot) await bootstrapNamespaces(ctx);
  const persistence = o.dataFile ? new FilePersistence(store, o.dataFile) : undefined;

  const cert = servingCertificate(o.tls);
  const watches = new Set<() => void>();
  const host = o.host ?? '127.0.0.1';
  let address = '';
  const handlerOptions: HandlerOptions = {
    serverAddress: () => address,
    bookmarkIntervalMs: o.bookmarkIntervalMs ?? 60_000,
    watchTimeoutMs: o.watchTimeoutMs ?? 30 * 60_000,
    token,
    trackWatch: (end) => {
      watches.add(end);
      return () => watches.delete(end);
    },
  };
  const listener = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      await authenticatedRequest(ctx, handlerOptions, req, res);
    } catch (e) {
      if (!(e instanceof Error && e.name === 'ApiError'))
        log.error({ err: e instanceof Error ? e.stack : String(e), url: req.url }, 'request failed');
      writeError(res, e);
    }
  };
  const server: Server = cert
    ? createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => void listener(req, res))
    : createHttpServer((req, res) => void listener(req, res));
  server.keepAliveTimeout = 5000;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    upgrade(ctx, token, req, { socket, head }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  address = `${hostInUrl}:${port}`;
  const url = `${cert ? 'https' : 'http'}://${address}`;
  log.info({ url }, 'embedded API server listening');

  return {
    url,
    host,
    port,
    token,
    caPem: cert?.caPem,
    context: ctx,
    kubeconfig: (namespace) =>
      renderKubeconfig({
        server: url,
        token,
        ...(cert ? { caPem: cert.caPem } : {}),
        ...(namespace ? { namespace } : {}),
      }),
    async idle() {
      // One controller's work can queue another's: settle a few rounds.
      for (let i = 0; i < 5; i++) {
        await Promise.all([gc.idle(), crds.idle()]);
        await new Promise((r) => setImmediate(r));
      }
    },
    async close() {
      for (const end of [...watches]) end();
      gc.stop();
      crds.stop();
      persistence?.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** The store (from the snapshot when there is one), kinds, conversion, clusterIP allocation and admission. */
function createContext(o: ApiServerOptions, snapshot: StoreSnapshot | undefined): ServerContext {
  const store = new Store({ historyLimit: o.historyLimit ?? 5000, ...(snapshot ? { initial: snapshot } : {}) });
  const kinds = new KindRegistry();
  const converter = createConverter(o.serviceResolver);
  const ctx = { store, kinds, converter, clock: o.clock ?? Date.now } as ServerContext;
  ctx.clusterIps = new ClusterIpAllocator(o.serviceCidr ?? DEFAULT_SERVICE_CIDR, () => usedClusterIps(store));
  ctx.admission = new Admission({
    listConfigurations: (type) =>
      store.list(
        type === 'mutating'
          ? 'mutatingwebhookconfigurations.admissionregistration.k8s.io'
          : 'validatingwebhookconfigurations.admissionregistration.k8s.io',
      ),
    namespaceLabels: (ns) => store.get('namespaces', '', ns)?.['metadata']?.['labels'],
    versionsOf: (k) => kinds.versionsOf(k.group, k.resource),
    convert: async (k, obj, toVersion) => (await converter.convert(k, [obj], toVersion))[0]!,
    resolve: o.serviceResolver,
    user: { username: 'admin', uid: 'admin', groups: ['system:masters', 'system:authenticated'] },
  });
  return ctx;
}

/** The namespaces a fresh server has; history then starts after them, as a fresh watch cache's does. */
async function bootstrapNamespaces(ctx: ServerContext): Promise<void> {
  const nsKind = ctx.kinds.get('', 'v1', 'namespaces')!;
  for (const name of BOOTSTRAP_NAMESPACES) {
    if (!ctx.store.get(grOf(nsKind), '', name))
      await createObject(ctx, nsKind, '', { metadata: { name } }, { dryRun: false, fieldValidation: 'Ignore' });
  }
  // As a fresh watch cache: history starts after bootstrap, so a watch from resourceVersion 1 is 410.
  ctx.store.markHistoryStart();
}

function servingCertificate(tls: ApiServerOptions['tls']): ServingCertificate | undefined {
  if (tls === false) return undefined;
  return tls === undefined || tls === 'self-signed' ? loopbackCertificate() : tls;
}

/** Checks the request target and the bearer token (public paths need none), then serves the request. */
async function authenticatedRequest(
  ctx: ServerContext,
  opts: HandlerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = requestUrl(req);
  // A malformed target (bad %-escape): Go's net/http refuses it before kube-apiserver sees it.
  if (!url) {
    writeText(res, 400, '400 Bad Request');
    return;
  }
  if (!isPublicPath(url.pathname) && !tokenMatches(req.headers.authorization, opts.token)) {
    if (req.headers.authorization === undefined) throw anonymousForbidden(req.method ?? 'GET', url);
    throw errors.unauthorized();
  }
  await handle(ctx, opts, req, res, url);
}

/** An upgrade request: pods/exec is proxied to the kubelet; anything else is answered with a Status and closed. */
function upgrade(
  ctx: ServerContext,
  token: string,
  req: IncomingMessage,
  conn: { socket: Duplex; head: Buffer },
): void {
  try {
    const url = requestUrl(req);
    if (!url) throw errors.badRequest('bad request target');
    if (!tokenMatches(req.headers.authorization, token)) throw errors.unauthorized();
    const r = route(url.pathname);
    const k = r.type === 'resource' ? ctx.kinds.get(r.group, r.version, r.resource) : undefined;
    if (r.type !== 'resource' || k?.kind !== 'Pod' || r.subresource !== 'exec' || !r.namespace || !r.name)
      throw errors.resourceNotFound();
    proxyUpgrade(
      kubeletTarget(ctx, k, { ns: r.namespace, name: r.name, what: 'exec' }, url.searchParams),
      token,
      req,
      conn.socket,
      conn.head,
    );
  } catch (e) {
    const status = (e instanceof ApiError ? e : errors.internal(String(e))).toStatus();
    const body = JSON.stringify(status);
    conn.socket.end(
      `HTTP/1.1 ${status.code} ${status.reason ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
}

function usedClusterIps(store: Store): Set<string> {
  const used = new Set<string>();
  for (const s of store.list('services')) {
    const ip = s['spec']?.['clusterIP'];
    if (typeof ip === 'string' && ip !== 'None') used.add(ip);
  }
  return used;
}

export type { Obj };
