// The agent's HTTP endpoints on AGENT_HTTP_PORT: /healthz (the process and its Raft loop live),
// /status (JSON). /readyz, /metrics and /prestop join as the failover side lands (docs/agent.md).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the endpoints read. */
export interface StatusServerOptions {
  host: string;
  port: number;
  status: () => unknown;
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
      case '/status':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.o.status()));
        return;
    }
    res.writeHead(404).end();
  }
}
