// A loopback TCP proxy whose links can be stalled (bytes held, connection open: the silent watch) or
// cut (connections reset): the network faults client-node's watch does not notice by itself.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type ProxyMode = 'forward' | 'stall' | 'refuse';

export class TcpProxy {
  private server: Server | undefined;
  private readonly links = new Set<[Socket, Socket]>();
  /** Upstream sockets whose answers are swallowed: the request lands, the reply never comes. */
  private readonly mute = new WeakSet<Socket>();
  private muteTrigger: string | undefined;
  mode: ProxyMode = 'forward';
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      if (this.mode === 'refuse') return client.destroy();
      const upstream = connect(this.targetPort, this.targetHost);
      const link: [Socket, Socket] = [client, upstream];
      this.links.add(link);
      const forward = (from: Socket, to: Socket) =>
        from.on('data', (d: Buffer) => {
          if (from === client && this.muteTrigger && d.includes(this.muteTrigger)) {
            this.mute.add(upstream);
            this.muteTrigger = undefined;
          }
          if (this.mode !== 'stall' && !this.mute.has(from)) to.write(d);
        });
      forward(client, upstream);
      forward(upstream, client);
      const close = () => {
        this.links.delete(link);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** From now on, replies on the connections open now are dropped; new connections work normally. */
  muteOpenReplies(): void {
    for (const [, upstream] of this.links) this.mute.add(upstream);
  }

  /** Once, for the next plain-HTTP request containing `marker` (e.g. "PUT /api/v1/..."): it is
   * delivered, and its reply is dropped. */
  muteReplyTo(marker: string): void {
    this.muteTrigger = marker;
  }

  /** Resets every open connection. */
  cut(): void {
    for (const [a, b] of this.links) {
      a.destroy();
      b.destroy();
    }
    this.links.clear();
  }

  get connections(): number {
    return this.links.size;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}
