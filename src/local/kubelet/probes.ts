// Probes and lifecycle handlers as the kubelet runs them: httpGet (2xx/3xx is success), tcpSocket
// (connect), exec (exit 0), each bounded by timeoutSeconds. Named ports resolve against the
// container's ports. gRPC probes are not supported here and fail with that message.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { Obj } from './client.ts';

/** Outcome of one probe. */
export interface ProbeResult {
  ok: boolean;
  message: string;
}

/** What a probe needs from its container. */
export interface ProbeTarget {
  podIP: string;
  container: Obj;
  /** Runs a command in the container's environment; resolves with its exit code and output. */
  exec(command: string[], timeoutMs: number): Promise<{ code: number; output: string }>;
}

function resolvePort(port: unknown, container: Obj): number {
  if (typeof port === 'number') return port;
  const p = ((container['ports'] ?? []) as Obj[]).find((x) => x['name'] === port);
  if (!p) throw new Error(`port "${String(port)}" is not a named port of container ${container['name']}`);
  return Number(p['containerPort']);
}

function httpGet(h: Obj, t: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const port = resolvePort(h['port'], t.container);
    const host = h['host'] || t.podIP;
    const send = String(h['scheme'] ?? 'HTTP').toUpperCase() === 'HTTPS' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.32' };
    for (const x of (h['httpHeaders'] ?? []) as Obj[]) headers[String(x['name'])] = String(x['value']);
    const req = send(
      { host, port, path: h['path'] ?? '/', method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve({ ok: code >= 200 && code < 400, message: `HTTP probe failed with statuscode: ${code}` });
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')),
    );
    req.on('error', (e) =>
      resolve({ ok: false, message: `Get "http://${host}:${port}${h['path'] ?? '/'}": ${e.message}` }),
    );
    req.end();
  });
}

function tcp(s: Obj, t: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const port = resolvePort(s['port'], t.container);
    const host = s['host'] || t.podIP;
    const sock = connect({ host, port, timeout: timeoutMs });
    sock.once('connect', () => {
      sock.destroy();
      resolve({ ok: true, message: '' });
    });
    sock.once('timeout', () => {
      sock.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    });
    sock.once('error', (e) => resolve({ ok: false, message: `dial tcp ${host}:${port}: ${e.message}` }));
  });
}

/** Runs a probe or handler (httpGet, tcpSocket, exec) once. */
export async function runHandler(h: Obj, t: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  try {
    if (h['httpGet']) return await httpGet(h['httpGet'], t, timeoutMs);
    if (h['tcpSocket']) return await tcp(h['tcpSocket'], t, timeoutMs);
    if (h['exec']) {
      const r = await t.exec((h['exec']['command'] ?? []) as string[], timeoutMs);
      return { ok: r.code === 0, message: r.output.trim() || `command exited with ${r.code}` };
    }
    if (h['sleep']) {
      await new Promise((r) => setTimeout(r, Number(h['sleep']['seconds'] ?? 0) * 1000));
      return { ok: true, message: '' };
    }
    return { ok: false, message: 'unsupported probe or handler (gRPC is not supported by the local pod runner)' };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

/** A probe's settings with Kubernetes' defaults. */
export function probeTiming(p: Obj): {
  initialMs: number;
  periodMs: number;
  timeoutMs: number;
  failures: number;
  successes: number;
} {
  return {
    initialMs: Number(p['initialDelaySeconds'] ?? 0) * 1000,
    periodMs: Number(p['periodSeconds'] ?? 10) * 1000,
    timeoutMs: Number(p['timeoutSeconds'] ?? 1) * 1000,
    failures: Number(p['failureThreshold'] ?? 3),
    successes: Number(p['successThreshold'] ?? 1),
  };
}
