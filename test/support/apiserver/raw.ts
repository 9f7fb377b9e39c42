// Plain HTTPS requests to the API server under test, to check wire details (Status bodies, headers,
// watch framing) that a typed client would hide.
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface Credentials {
  server: string;
  token?: string;
  caPem?: string;
  certPem?: string;
  keyPem?: string;
  insecure?: boolean;
}

export interface RawResponse {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
  json: any;
}

function options(
  c: Credentials,
  method: string,
  path: string,
  headers: Record<string, string>,
  auth: boolean,
): RequestOptions & { url: URL } {
  // The path goes out byte for byte: URL parsing turns a backslash into '/', so '/\x' would name a host.
  const url = new URL(c.server);
  if (!path.startsWith('/')) throw new Error(`raw request path must start with '/': ${JSON.stringify(path)}`);
  return {
    url,
    method,
    hostname: url.hostname,
    port: url.port,
    path,
    agent: false,
    ...(c.caPem ? { ca: c.caPem } : {}),
    // auth=false is an anonymous request: neither the token nor the client certificate.
    ...(c.certPem && auth ? { cert: c.certPem, key: c.keyPem } : {}),
    ...(c.insecure ? { rejectUnauthorized: false } : {}),
    headers: {
      accept: 'application/json',
      ...(auth && c.token ? { authorization: `Bearer ${c.token}` } : {}),
      ...headers,
    },
  };
}

/** What a raw request sends besides method, path and body. */
export interface RawOptions {
  headers?: Record<string, string>;
  /** Send the bearer token (default true). */
  auth?: boolean;
}

export function raw(
  c: Credentials,
  method: string,
  path: string,
  body?: unknown,
  { headers = {}, auth = true }: RawOptions = {},
): Promise<RawResponse> {
  const payload =
    body === undefined
      ? undefined
      : Buffer.isBuffer(body)
        ? body
        : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  // Explicit length: Node sends DELETE bodies without chunked framing otherwise.
  const o = options(
    c,
    method,
    path,
    payload === undefined
      ? headers
      : { 'content-type': 'application/json', 'content-length': String(payload.length), ...headers },
    auth,
  );
  const send = o.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(o, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export interface RawWatch {
  /** Raw lines as received, one event per line. */
  lines: string[];
  events: { type: string; object: any }[];
  /** Resolves when at least `n` events have arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<{ type: string; object: any }[]>;
  ended: Promise<void>;
  headers: Promise<IncomingMessage['headers']>;
  close(): void;
}

export function rawWatch(c: Credentials, path: string, headers: Record<string, string> = {}): RawWatch {
  const o = options(c, 'GET', path, headers, true);
  const send = o.url.protocol === 'https:' ? httpsRequest : httpRequest;
  const lines: string[] = [];
  const events: { type: string; object: any }[] = [];
  const waiters: (() => void)[] = [];
  let buffer = '';
  let resolveHeaders!: (h: IncomingMessage['headers']) => void;
  let resolveEnded!: () => void;
  const headersP = new Promise<IncomingMessage['headers']>((r) => (resolveHeaders = r));
  const ended = new Promise<void>((r) => (resolveEnded = r));
  const req = send(o, (res) => {
    resolveHeaders(res.headers);
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      buffer += d;
      let i;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        if (!line.trim()) continue;
        lines.push(line);
        events.push(JSON.parse(line));
        for (const w of waiters.splice(0)) w();
      }
    });
    res.on('end', () => resolveEnded());
    res.on('close', () => resolveEnded());
  });
  req.on('error', () => resolveEnded());
  req.end();
  return {
    lines,
    events,
    ended,
    headers: headersP,
    close: () => req.destroy(),
    async waitFor(n, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length < n) {
        if (Date.now() > deadline)
          throw new Error(
            `timed out waiting for ${n} watch events; got ${events.length}: ${JSON.stringify(events.map((e) => e.type))}`,
          );
        await Promise.race([new Promise<void>((r) => waiters.push(r)), new Promise((r) => setTimeout(r, 200)), ended]);
      }
      return events.slice(0, n);
    },
  };
}
