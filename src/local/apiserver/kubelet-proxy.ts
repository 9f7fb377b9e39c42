// pods/log and pods/exec reach the node's kubelet, as kube-apiserver does: the pod's spec.nodeName
// names a Node whose status carries the kubelet's address (InternalIP) and port
// (daemonEndpoints.kubeletEndpoint.Port). Logs are a streamed GET to /containerLogs/...; exec is an
// HTTP upgrade (WebSocket, v5.channel.k8s.io as kubectl 1.31+ sends it) piped byte for byte to
// /exec/.... The kubelet's serving certificate is not verified (kube-apiserver's default without
// --kubelet-certificate-authority); the server authenticates to it with its own bearer token.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { grOf, type ServerContext } from './context.ts';
import type { KindInfo } from './kinds.ts';
import type { Obj } from './meta.ts';
import { errors } from './status-errors.ts';

interface KubeletTarget {
  host: string;
  port: number;
  path: string;
}

function containerOf(pod: Obj, asked: string | null): string {
  const names = ((pod['spec']?.['containers'] ?? []) as Obj[]).map((c) => String(c['name']));
  const init = ((pod['spec']?.['initContainers'] ?? []) as Obj[]).map((c) => String(c['name']));
  const name = String(pod['metadata']['name']);
  if (asked) {
    if (!names.includes(asked) && !init.includes(asked))
      throw errors.badRequest(`container ${asked} is not valid for pod ${name}`);
    return asked;
  }
  if (names.length === 1) return names[0]!;
  throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
}

/** Where the kubelet serving `what` for this pod listens, and the path to ask it. */
export function kubeletTarget(
  ctx: ServerContext,
  k: KindInfo,
  ref: { ns: string; name: string; what: 'containerLogs' | 'exec' },
  q: URLSearchParams,
): KubeletTarget {
  const pod = ctx.store.get(grOf(k), ref.ns, ref.name);
  if (!pod) throw errors.notFound('', 'pods', ref.name);
  const container = containerOf(pod, q.get('container'));
  const nodeName = pod['spec']?.['nodeName'];
  if (!nodeName) throw errors.badRequest(`pod ${ref.name} does not have a host assigned`);
  const node = ctx.store.get('nodes', '', String(nodeName));
  const addr = ((node?.['status']?.['addresses'] ?? []) as Obj[]).find((a) => a['type'] === 'InternalIP');
  const port = node?.['status']?.['daemonEndpoints']?.['kubeletEndpoint']?.['Port'];
  if (!addr || typeof port !== 'number')
    throw errors.badRequest(`node "${String(nodeName)}" has no kubelet endpoint in its status`);
  const rest = new URLSearchParams(q);
  rest.delete('container');
  const path = `/${ref.what}/${encodeURIComponent(ref.ns)}/${encodeURIComponent(ref.name)}/${encodeURIComponent(container)}`;
  return { host: String(addr['address']), port, path: `${path}${rest.size ? `?${rest.toString()}` : ''}` };
}

/** Streams the kubelet's answer to a logs request back to the client, status and body as they come. */
export function proxyLogs(
  target: KubeletTarget,
  token: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  return new Promise((resolve) => {
    const up = httpsRequest(
      {
        host: target.host,
        port: target.port,
        path: target.path,
        method: 'GET',
        rejectUnauthorized: false,
        headers: { authorization: `Bearer ${token}` },
      },
      (r) => {
        res.writeHead(r.statusCode ?? 502, { 'content-type': r.headers['content-type'] ?? 'text/plain' });
        r.pipe(res);
        r.on('end', () => resolve());
        r.on('error', () => resolve());
      },
    );
    up.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`error dialing the kubelet: ${e.message}`);
      resolve();
    });
    req.on('close', () => up.destroy());
    up.end();
  });
}

const HOP_HEADERS = new Set(['host', 'authorization', 'content-length']);

/** Pipes an upgrade request (exec) to the kubelet: the kubelet answers the 101 itself. */
export function proxyUpgrade(
  target: KubeletTarget,
  token: string,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  const up = tlsConnect({ host: target.host, port: target.port, rejectUnauthorized: false }, () => {
    const lines = [`${req.method ?? 'GET'} ${target.path} HTTP/1.1`, `Host: ${target.host}:${target.port}`];
    lines.push(`Authorization: Bearer ${token}`);
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]!;
      if (!HOP_HEADERS.has(name.toLowerCase())) lines.push(`${name}: ${req.rawHeaders[i + 1]!}`);
    }
    up.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) up.write(head);
    up.pipe(socket);
    socket.pipe(up);
  });
  const close = () => {
    up.destroy();
    socket.destroy();
  };
  up.on('error', () => {
    if (socket.writable)
      socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\n\r\nerror dialing the kubelet\n');
    close();
  });
  up.on('close', close);
  socket.on('error', close);
  socket.on('close', close);
}
