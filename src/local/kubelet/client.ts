// A small JSON REST client for the pod runner, over a kubeconfig: plain objects in and out (no typed
// model conversion, so status fields round-trip exactly), list+watch streams, and errors carrying the
// HTTP status. Works against the embedded server and a real kube-apiserver alike.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** How long one API request may go unanswered. */
const REQUEST_TIMEOUT_MS = 30_000;
/** A watch silent this long is assumed dead (the server sends nothing on a quiet watch, so the caller
 * simply resumes from its last resourceVersion). */
const WATCH_IDLE_MS = 60_000;

/** A Kubernetes object as JSON (untyped on purpose: the runner reads every kind's fields by name). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- plain JSON of any kind, read by field name
export type Obj = Record<string, any>;

/** A non-2xx answer from the API server. */
export class ApiStatusError extends Error {
  constructor(
    readonly status: number,
    readonly body: Obj | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ApiStatusError';
  }
}

/** One watch event as the server sends it. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Obj;
}

/** REST calls the runner's controllers make. */
export class KubeClient {
  private readonly server: URL;

  constructor(
    private readonly kc: KubeConfig,
    private readonly timeouts: { requestMs: number; watchIdleMs: number } = {
      requestMs: REQUEST_TIMEOUT_MS,
      watchIdleMs: WATCH_IDLE_MS,
    },
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  private async options(method: string, path: string, headers: Record<string, string>): Promise<RequestOptions> {
    const opts: RequestOptions = {
      method,
      hostname: this.server.hostname.replace(/^\[|\]$/g, ''),
      port: this.server.port || (this.server.protocol === 'https:' ? 443 : 80),
      path,
      headers: { accept: 'application/json', ...headers },
      agent: false,
    };
    await this.kc.applyToHTTPSOptions(opts);
    return opts;
  }

  /** One request; resolves with the parsed JSON body of a 2xx answer, throws ApiStatusError otherwise. */
  async call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Obj> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    // Content-Length always: Node sends a DELETE body neither chunked nor sized otherwise.
    const opts = await this.options(
      method,
      path,
      payload ? { 'content-type': contentType, 'content-length': String(Buffer.byteLength(payload)) } : {},
    );
    const send = this.server.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Obj | undefined;
          try {
            json = text ? (JSON.parse(text) as Obj) : undefined;
          } catch {
            json = undefined;
          }
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 300) resolve(json ?? {});
          else reject(new ApiStatusError(code, json, `${method} ${path}: ${code} ${json?.['message'] ?? text}`));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      // A server that stops answering (partition, paused process) must not hang a pod's status or a
      // controller forever: give up, and the caller's next sync retries.
      const ms = this.timeouts.requestMs;
      req.setTimeout(ms, () => req.destroy(new Error(`${method} ${path}: no answer within ${ms} ms`)));
      req.end(payload);
    });
  }

  get(path: string): Promise<Obj> {
    return this.call('GET', path);
  }
  create(path: string, body: Obj): Promise<Obj> {
    return this.call('POST', path, body);
  }
  update(path: string, body: Obj): Promise<Obj> {
    return this.call('PUT', path, body);
  }
  mergePatch(path: string, body: Obj): Promise<Obj> {
    return this.call('PATCH', path, body, 'application/merge-patch+json');
  }
  delete(path: string, options: Obj = {}): Promise<Obj> {
    return this.call('DELETE', path, { kind: 'DeleteOptions', apiVersion: 'v1', ...options });
  }

  /** Streams watch events until the server ends the stream, `signal` aborts, or the stream stays silent
   * past `idleMs` (a server that went away without closing it); resolves then, and the caller resumes. */
  async watch(
    path: string,
    onEvent: (e: WatchEvent) => void,
    signal: AbortSignal,
    idleMs = this.timeouts.watchIdleMs,
  ): Promise<void> {
    const opts = await this.options('GET', path, {});
    const send = this.server.protocol === 'https:' ? httpsRequest : httpRequest;
    await new Promise<void>((resolve, reject) => {
      const idle = new AbortController();
      let dog = setTimeout(() => idle.abort(), idleMs);
      const both = AbortSignal.any([signal, idle.signal]);
      both.addEventListener('abort', () => clearTimeout(dog));
      const req = send({ ...opts, signal: both }, (res) => {
        if ((res.statusCode ?? 0) >= 300) {
          res.resume();
          reject(new ApiStatusError(res.statusCode ?? 0, undefined, `watch ${path}: ${res.statusCode}`));
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          clearTimeout(dog);
          dog = setTimeout(() => idle.abort(), idleMs);
          buf += chunk;
          let i;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i).trim();
            buf = buf.slice(i + 1);
            if (line) onEvent(JSON.parse(line) as WatchEvent);
          }
        });
        res.on('end', () => (clearTimeout(dog), resolve()));
        res.on('error', () => (clearTimeout(dog), resolve()));
      });
      req.on('error', (e) => (clearTimeout(dog), both.aborted ? resolve() : reject(e)));
      req.end();
    });
  }
}

/** The REST path of a kind's collection, optionally one object and a subresource. */
export function restPath(
  apiVersion: string,
  plural: string,
  at: { namespace?: string | undefined; name?: string | undefined; sub?: string | undefined } = {},
): string {
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = at.namespace ? `/namespaces/${encodeURIComponent(at.namespace)}` : '';
  const name = at.name ? `/${encodeURIComponent(at.name)}` : '';
  return `${base}${ns}/${plural}${name}${at.sub ? `/${at.sub}` : ''}`;
}

/** True for a 404 from the server. */
export function isNotFound(e: unknown): boolean {
  return e instanceof ApiStatusError && e.status === 404;
}

/** True for a 409 from the server. */
export function isConflict(e: unknown): boolean {
  return e instanceof ApiStatusError && e.status === 409;
}
