// Raft messages between agents over HTTP: POST /raft/v1/messages on AGENT_PEER_PORT, a JSON body
// {"messages":[...]}, HMAC-authenticated (peer-auth.ts). Docs: docs/agent.md, "Peer transport".
//
// Sending never waits for a peer: each peer has its own outbox and at most one request in flight;
// messages queued meanwhile go out together in the next request (batching). A slow or dead peer
// therefore only fills its own outbox, which drops its oldest messages past a bound (Raft tolerates
// loss; a stale heartbeat is worth nothing). A refused connection is reported at once, so the agent
// can start a pre-vote without waiting out the election timeout.
//
// Receiving authenticates before it parses: a request without a valid credential from a current
// member of this cluster, or carrying a message that claims another sender or receiver, is answered
// 401/403 and never reaches the core.
import { createServer, request, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, isIP, type AddressInfo } from 'node:net';
import type { Logger } from '../util/log.ts';
import type { Message } from '../raft/messages.ts';
import { AUTH_HEADER, signRequest, verifyRequest } from './peer-auth.ts';

/** The path peers POST to. */
export const MESSAGES_PATH = '/raft/v1/messages';
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** What the agent learns about a peer from sending to it. */
export type PeerState = 'ok' | 'refused' | 'timeout' | 'error';

/** Everything a transport needs; `resolve` and `isMember` are asked on every use (pods move). */
export interface TransportOptions {
  self: string;
  cluster: string;
  key: Buffer;
  /** Address to listen on. */
  host: string;
  port: number;
  /** Where a peer's transport listens now, or undefined when unknown (no pod IP yet). */
  resolve: (peer: string) => { host: string; port: number } | undefined;
  isMember: (id: string) => boolean;
  /** Authenticated messages from `from`, still untrusted JSON (RawNode.step validates them). */
  onMessages: (from: string, messages: unknown[]) => void;
  onPeerState?: (peer: string, state: PeerState, detail: string) => void;
  now?: () => number;
  requestTimeoutMs?: number;
  /** Most messages waiting for one peer; older ones are dropped beyond it. */
  maxQueue?: number;
  /** Largest accepted clock difference for a credential. */
  maxSkewMs?: number;
  logger?: Logger;
}

interface Outbox {
  queue: Message[];
  busy: boolean;
}

/** Counters for /metrics and tests. */
export interface TransportStats {
  requestsSent: number;
  messagesSent: number;
  dropped: number;
  rejected: number;
  received: number;
}

/** The HTTP peer transport of one agent. */
export class PeerTransport {
  private server: Server | undefined;
  private readonly outboxes = new Map<string, Outbox>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  /** The pod IP our requests leave from (the address we listen on, when it is one address). */
  private readonly localAddress: string | undefined;
  private stopped = false;
  readonly stats: TransportStats = { requestsSent: 0, messagesSent: 0, dropped: 0, rejected: 0, received: 0 };

  constructor(private readonly o: TransportOptions) {
    // Requests leave from our own address, as a pod's do: a peer (and a network policy, or a test's
    // partition) sees which member is talking. Unbound, every local agent's traffic leaves from 127.0.0.1.
    this.localAddress = isIP(o.host) && o.host !== '0.0.0.0' && o.host !== '::' ? o.host : undefined;
  }

  /** Listens on host:port; resolves with the bound port (useful with port 0). */
  async start(): Promise<number> {
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  /** Queues messages for their peers; returns at once. */
  send(messages: readonly Message[]): void {
    if (this.stopped) return;
    for (const m of messages) {
      let box = this.outboxes.get(m.to);
      if (!box) this.outboxes.set(m.to, (box = { queue: [], busy: false }));
      box.queue.push(m);
      const max = this.o.maxQueue ?? 1024;
      if (box.queue.length > max) this.stats.dropped += box.queue.splice(0, box.queue.length - max).length;
      if (!box.busy) {
        box.busy = true;
        // Let the rest of this Ready (and anything else queued in this turn) join the batch.
        setImmediate(() => void this.flush(m.to, box).catch(() => {}));
      }
    }
  }

  /**
   * Opens (and closes) a TCP connection to the peer's port and reports how that went, through
   * onPeerState too. `refused` means nothing listens there: the peer's agent process is gone. A
   * stopped (SIGSTOP) or overloaded agent still has its socket, so the kernel accepts: `ok`.
   */
  probe(peer: string, timeoutMs = 1000): Promise<PeerState> {
    const addr = this.o.resolve(peer);
    if (!addr || this.stopped) return Promise.resolve('error');
    return new Promise<PeerState>((resolve) => {
      const sock = connect({
        host: addr.host,
        port: addr.port,
        ...(this.localAddress ? { localAddress: this.localAddress } : {}),
      });
      const done = (state: PeerState, detail: string) => {
        clearTimeout(timer);
        sock.destroy();
        this.o.onPeerState?.(peer, state, detail);
        resolve(state);
      };
      const timer = setTimeout(() => done('timeout', `no connection within ${timeoutMs} ms`), timeoutMs);
      sock.once('connect', () => done('ok', ''));
      sock.once('error', (e: NodeJS.ErrnoException) =>
        done(e.code === 'ECONNREFUSED' ? 'refused' : 'error', e.code ?? e.message),
      );
    });
  }

  /** Stops listening and sending; in-flight requests are abandoned. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.agent.destroy();
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private async flush(peer: string, box: Outbox): Promise<void> {
    while (box.queue.length > 0 && !this.stopped) {
      const batch = box.queue.splice(0, box.queue.length);
      const state = await this.post(peer, batch);
      if (state.state !== 'ok') this.stats.dropped += batch.length;
      this.o.onPeerState?.(peer, state.state, state.detail);
    }
    box.busy = false;
  }

  private post(peer: string, batch: Message[]): Promise<{ state: PeerState; detail: string }> {
    const addr = this.o.resolve(peer);
    if (!addr) return Promise.resolve({ state: 'error', detail: `no address known for ${peer}` });
    const body = Buffer.from(JSON.stringify({ messages: batch }));
    const at = Math.round((this.o.now ?? Date.now)());
    const auth = signRequest(this.o.key, { cluster: this.o.cluster, from: this.o.self, to: peer, at }, body);
    this.stats.requestsSent++;
    this.stats.messagesSent += batch.length;
    return new Promise((resolve) => {
      const req = request(
        {
          host: addr.host,
          port: addr.port,
          method: 'POST',
          path: MESSAGES_PATH,
          agent: this.agent,
          ...(this.localAddress ? { localAddress: this.localAddress } : {}),
          headers: { 'content-type': 'application/json', 'content-length': body.length, [AUTH_HEADER]: auth },
          timeout: this.o.requestTimeoutMs ?? 1000,
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve(
              res.statusCode === 204
                ? { state: 'ok', detail: '' }
                : { state: 'error', detail: `HTTP ${res.statusCode}` },
            ),
          );
          res.on('error', (e) => resolve({ state: 'error', detail: e.message }));
        },
      );
      req.on('timeout', () => {
        req.destroy();
        resolve({ state: 'timeout', detail: `no answer within ${this.o.requestTimeoutMs ?? 1000} ms` });
      });
      req.on('error', (e: NodeJS.ErrnoException) =>
        resolve({ state: e.code === 'ECONNREFUSED' ? 'refused' : 'error', detail: e.code ?? e.message }),
      );
      req.end(body);
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'POST' || req.url !== MESSAGES_PATH) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413).end(`body over ${MAX_BODY_BYTES} bytes`);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (size <= MAX_BODY_BYTES) this.receive(req, res, Buffer.concat(chunks));
    });
    req.on('error', () => res.destroy());
  }

  private refuse(res: ServerResponse, code: number, reason: string): void {
    this.stats.rejected++;
    this.o.logger?.warn({ reason }, 'peer transport: request refused');
    res.writeHead(code, { 'content-type': 'text/plain' }).end(reason);
  }

  private receive(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const header = req.headers[AUTH_HEADER];
    const verdict = verifyRequest(typeof header === 'string' ? header : undefined, body, {
      key: this.o.key,
      cluster: this.o.cluster,
      self: this.o.self,
      isMember: this.o.isMember,
      now: (this.o.now ?? Date.now)(),
      maxSkewMs: this.o.maxSkewMs ?? 30_000,
    });
    if (!verdict.ok) return this.refuse(res, 401, verdict.reason);
    const messages = parseMessages(body);
    if (typeof messages === 'string') return this.refuse(res, 400, messages);
    for (const m of messages) {
      const claim = m as { from?: unknown; to?: unknown };
      if (claim.from !== verdict.from || claim.to !== this.o.self)
        return this.refuse(res, 403, `a message claims ${String(claim.from)} -> ${String(claim.to)}`);
    }
    this.stats.received += messages.length;
    res.writeHead(204).end();
    this.o.onMessages(verdict.from, messages);
  }
}

function parseMessages(body: Buffer): unknown[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return 'body is not JSON';
  }
  const messages = (parsed as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(messages)) return 'body must be {"messages": [...]}';
  if (!messages.every((m) => typeof m === 'object' && m !== null && !Array.isArray(m)))
    return 'every message must be a JSON object';
  return messages;
}
