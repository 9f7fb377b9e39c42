// The kubelet's own HTTPS endpoint, which the API server reaches for pods/log and pods/exec (see
// src/local/apiserver/kubelet-proxy.ts): GET /containerLogs/{ns}/{pod}/{container} (follow, previous,
// tailLines, limitBytes) and /exec/{ns}/{pod}/{container} over WebSocket with the channel protocol
// (v5.channel.k8s.io, v4.channel.k8s.io): one leading byte per frame names stdin (0), stdout (1),
// stderr (2), the final status (3), resize (4), and in v5 a close (255). Callers present a bearer token.
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { timingSafeEqual } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { loopbackCertificate, type ServingCertificate } from '../../util/selfsigned.ts';
import type { ContainerRunner } from './container.ts';
import { killTree, type PodWorker } from './pod-worker.ts';

/** Finds the worker of a running pod. */
export type WorkerLookup = (ns: string, name: string) => PodWorker | undefined;

class HttpFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function status(code: number, message: string, reason = code === 404 ? 'NotFound' : 'BadRequest'): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

function authorized(req: IncomingMessage, token: string): boolean {
  const got = Buffer.from(String(req.headers.authorization ?? ''));
  const want = Buffer.from(`Bearer ${token}`);
  return got.length === want.length && timingSafeEqual(got, want);
}

function locate(lookup: WorkerLookup, path: string, what: string): { worker: PodWorker; runner: ContainerRunner } {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length !== 4 || parts[0] !== what) throw new HttpFailure(404, 'not found');
  const [, ns, pod, container] = parts as [string, string, string, string];
  const worker = lookup(ns, pod);
  if (!worker) throw new HttpFailure(404, `pod "${pod}" not found on this node`);
  const runner = [...worker.inits, ...worker.containers].find((c) => c.name === container);
  if (!runner) throw new HttpFailure(400, `container ${container} is not valid for pod ${pod}`);
  return { worker, runner };
}

function tail(text: string, lines: number): string {
  const all = text.split('\n');
  const hasEnd = all[all.length - 1] === '';
  const body = hasEnd ? all.slice(0, -1) : all;
  return body.slice(Math.max(0, body.length - lines)).join('\n') + (hasEnd && body.length ? '\n' : '');
}

function serveLogs(lookup: WorkerLookup, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const { worker, runner } = locate(lookup, url.pathname, 'containerLogs');
  const q = url.searchParams;
  const previous = q.get('previous') === 'true';
  const pod = worker.pod['metadata']['name'];
  // While a crashed container waits out its back-off, the one that just died is "previous" already.
  const inBackoff = Boolean(runner.state['waiting'] && runner.lastState['terminated']);
  const n = previous ? runner.restartCount - (inBackoff ? 0 : 1) : runner.restartCount;
  if (previous && (n < 0 || !runner.lastState['terminated']))
    throw new HttpFailure(400, `previous terminated container "${runner.name}" in pod "${pod}" not found`);
  const path = runner.logPath(n);
  if (!existsSync(path)) {
    const waiting = runner.state['waiting'];
    throw new HttpFailure(
      400,
      `container "${runner.name}" in pod "${pod}" is waiting to start: ${waiting?.['reason'] ?? 'ContainerCreating'}`,
    );
  }
  let text = readFileSync(path, 'utf8');
  if (q.get('tailLines') !== null) text = tail(text, Number(q.get('tailLines')));
  const limit = q.get('limitBytes') !== null ? Number(q.get('limitBytes')) : undefined;
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.write(limit !== undefined ? text.slice(0, limit) : text);
  if (q.get('follow') !== 'true' || previous) {
    res.end();
    return;
  }
  follow({ runner, attempt: n, path, from: statSync(path).size }, req, res);
}

/** Streams what is appended to a log file until that attempt has ended and been read, or the client goes. */
function follow(
  log: { runner: ContainerRunner; attempt: number; path: string; from: number },
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const { runner, attempt: n, path } = log;
  let offset = log.from;
  let closed = false;
  req.on('close', () => (closed = true));
  const poll = (): void => {
    if (closed) return;
    const size = existsSync(path) ? statSync(path).size : offset;
    const ended = runner.restartCount !== n || !runner.proc;
    if (size > offset) {
      const s = createReadStream(path, { start: offset, end: size - 1 });
      offset = size;
      s.on('data', (d) => res.write(d));
      s.on('end', () => setTimeout(poll, 200));
      return;
    }
    if (ended) {
      res.end();
      return;
    }
    setTimeout(poll, 200);
  };
  poll();
}

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

function serveExec(ws: WebSocket, worker: PodWorker, runner: ContainerRunner, q: URLSearchParams): void {
  const command = q.getAll('command');
  const tty = q.get('tty') === 'true';
  const send = (channel: number, data: Buffer | string) => {
    if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
  };
  const finish = (st: Record<string, unknown>) => {
    send(3, JSON.stringify({ metadata: {}, ...st }));
    ws.close(1000);
  };
  if (!runner.proc) {
    finish({ status: 'Failure', message: `container ${runner.name} is not running`, reason: 'BadRequest', code: 400 });
    return;
  }
  const child = worker.spawnIn(runner.name, command, tty);
  child.stdout?.on('data', (d: Buffer) => send(1, d));
  child.stderr?.on('data', (d: Buffer) => send(tty ? 1 : 2, d));
  if (q.get('stdin') !== 'true') child.stdin?.end();
  ws.on('message', (data: Buffer) => {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
    if (buf[0] === 0 && buf.length > 1) child.stdin?.write(buf.subarray(1));
    else if (buf[0] === 255 && buf[1] === 0) child.stdin?.end();
  });
  ws.on('close', () => killTree(child));
  child.once('error', (e) =>
    finish({
      status: 'Failure',
      message: `exec failed: unable to start container process: exec: "${command[0] ?? ''}": ${e.message}`,
      reason: 'InternalError',
      code: 500,
    }),
  );
  child.once('close', (code) => {
    if (code === 0) return finish({ status: 'Success' });
    finish({
      status: 'Failure',
      message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code ?? 137}`,
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: String(code ?? 137) }] },
    });
  });
}

/** A started kubelet endpoint. */
export interface KubeletServer {
  port: number;
  close(): Promise<void>;
}

/** Serves logs and exec for the pods `lookup` knows, on host:port (0 picks a port). */
export async function startKubeletServer(o: {
  host: string;
  port: number;
  token: string;
  lookup: WorkerLookup;
  cert?: ServingCertificate;
}): Promise<KubeletServer> {
  const cert = o.cert ?? loopbackCertificate();
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered: Set<string>) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  const server: Server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    try {
      if (!authorized(req, o.token)) throw new HttpFailure(401, 'Unauthorized');
      const url = new URL(req.url ?? '/', 'https://kubelet');
      if (url.pathname.startsWith('/exec/')) throw new HttpFailure(400, 'Upgrade request required');
      serveLogs(o.lookup, req, res, url);
    } catch (e) {
      const code = e instanceof HttpFailure ? e.code : 500;
      if (!res.headersSent) res.writeHead(code, { 'content-type': 'application/json' });
      res.end(status(code, e instanceof Error ? e.message : String(e), code === 401 ? 'Unauthorized' : undefined));
    }
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      if (!authorized(req, o.token)) throw new HttpFailure(401, 'Unauthorized');
      const url = new URL(req.url ?? '/', 'https://kubelet');
      const { worker, runner } = locate(o.lookup, url.pathname, 'exec');
      wss.handleUpgrade(req, socket, head, (ws) => serveExec(ws, worker, runner, url.searchParams));
    } catch (e) {
      const code = e instanceof HttpFailure ? e.code : 500;
      const body = status(code, e instanceof Error ? e.message : String(e));
      socket.end(
        `HTTP/1.1 ${code} Error\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
