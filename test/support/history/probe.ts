// The read_only probe: every 50 ms, on every node independently (a hung node does not delay the
// others), `SELECT @@read_only, SYSDATE(6)`. The server's own clock stamps the sample (all nodes run
// on this machine, so their clocks agree), mapped onto performance.now(): samples of different nodes
// compare by the instant each server read the variable, not by when its answer arrived.
import { fromAddress } from './client-address.ts';
import { createConnection, type Connection } from 'mysql2/promise';
import type { ProbeSample } from './types.ts';
import type { Endpoint } from './writer.ts';

export interface ProbeOptions {
  nodes: () => (Endpoint & { name: string })[];
  user: string;
  password: string;
  intervalMs?: number;
  /** Source address of the probe's connections (see WriterOptions.localAddress). */
  localAddress?: string;
  timeoutMs?: number;
}

export class Probe {
  readonly samples: ProbeSample[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  /** Probe rounds that got no answer, per node. */
  readonly misses = new Map<string, number>();

  constructor(private readonly o: ProbeOptions) {}

  start(): void {
    this.running = true;
    this.loops = this.o.nodes().map((n) => this.loop(n.name));
  }

  async stop(): Promise<ProbeSample[]> {
    this.running = false;
    await Promise.all(this.loops);
    return this.samples;
  }

  /** The nodes seen writable in the last sample of each. */
  writableNow(): string[] {
    const last = new Map<string, ProbeSample>();
    for (const s of this.samples) last.set(s.node, s);
    return [...last.values()].filter((s) => s.writable).map((s) => s.node);
  }

  private async loop(name: string): Promise<void> {
    const every = this.o.intervalMs ?? 50;
    const timeout = this.o.timeoutMs ?? 1000;
    let conn: Connection | undefined;
    while (this.running) {
      const started = performance.now();
      const ep = this.o.nodes().find((n) => n.name === name);
      let timer: NodeJS.Timeout | undefined;
      try {
        if (!ep) throw new Error(`node ${name} gone`);
        const work = (async () => {
          let c = conn;
          if (!c) {
            c = await createConnection({
              ...fromAddress(ep.host, ep.port, this.o.localAddress),
              user: this.o.user,
              password: this.o.password,
              connectTimeout: timeout,
            });
            c.on('error', () => {});
            conn = c;
          }
          const [rows] = await c.query('SELECT @@GLOBAL.read_only AS ro, UNIX_TIMESTAMP(SYSDATE(6)) AS at');
          return (rows as { ro: number; at: string }[])[0]!;
        })();
        const row = await Promise.race([
          work,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('probe timeout')), timeout);
          }),
        ]);
        this.samples.push({
          node: name,
          atMs: Number(row.at) * 1000 - performance.timeOrigin,
          writable: Number(row.ro) === 0,
        });
      } catch {
        this.misses.set(name, (this.misses.get(name) ?? 0) + 1);
        this.samples.push({ node: name, atMs: performance.now(), writable: null });
        conn?.destroy();
        conn = undefined;
      } finally {
        clearTimeout(timer);
      }
      const wait = every - (performance.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    conn?.destroy();
  }
}
