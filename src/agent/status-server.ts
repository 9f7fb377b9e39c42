// The agent's HTTP endpoints on AGENT_HTTP_PORT: /healthz (the process lives), /readyz (the node
// serves its role: 200, else 503 with the reason), /status (JSON), /metrics (Prometheus text) and
// /prestop (hand over, then answer). Docs: docs/agent.md.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the endpoints read. */
export interface StatusServerOptions {
  host: string;
  port: number;
  status: () => unknown;
  /** GET /readyz: 200 when ready, else 503; the body says why either way. */
  ready?: () => { ready: boolean; reason: string };
  /** GET /metrics. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** GET /prestop (the mysqld container's preStop hook): hand over, answer when done. */
  prestop?: () => Promise<void>;
}

/** A small HTTP server for probes and people. */
export class StatusServer {
  private server: Server | undefined;
  port = 0;

  constructor(private readonly o: StatusServerOptions) {}

  /** Listens; resolves with the bound port. */
  async start(): Promise<number> {
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && !(req.method === 'POST' && path === '/prestop')) {
      res.writeHead(405).end();
      return;
    }
    switch (path) {
      case '/healthz':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      case '/prestop':
        if (!this.o.prestop) break;
        this.o.prestop().then(
          () => res.writeHead(200, { 'content-type': 'text/plain' }).end('handed over'),
          (err: unknown) => res.writeHead(500).end(String(err)),
        );
        return;
      case '/readyz': {
        if (!this.o.ready) break;
        const r = this.o.ready();
        res.writeHead(r.ready ? 200 : 503, { 'content-type': 'text/plain' }).end(`${r.reason}\n`);
        return;
      }
      case '/metrics':
        if (!this.o.metrics) break;
        this.o.metrics().then(
          (m) => res.writeHead(200, { 'content-type': m.contentType }).end(m.body),
          (err: unknown) => res.writeHead(500).end(String(err)),
        );
        return;
      case '/status':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.o.status()));
        return;
    }
    res.writeHead(404).end();
  }
}
