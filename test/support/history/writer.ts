// The workload of fault tests, the failover bench and chaos: several clients doing list-append
// transactions and reads, each operation recorded as invoke + ok/fail/info on the monotonic clock.
// A client talks to one node until it errs, then tries the next (a client of the master Service sees
// the same: refused, read-only, or hung until the Service moves). Appends run as one transaction that
// also reads the term row and the server's identity (@@server_id: MariaDB has no @@server_uuid; the
// harness gives every node its own), so the checker can tie every acknowledged write to a term.
// Reads also return @@read_only and count only on a writable node (a read-only replica may lag).
import { fromAddress } from './client-address.ts';
import { createConnection, type Connection } from 'mysql2/promise';
import type { Op } from './types.ts';

export interface Endpoint {
  host: string;
  port: number;
}

export interface WriterOptions {
  /** The nodes a client may talk to, tried in turn (read anew after each error). */
  endpoints: () => Endpoint[];
  user: string;
  password: string;
  clients?: number;
  keys?: string[];
  /** Fraction of operations that are reads. */
  readRatio?: number;
  /** Source address of the clients' connections (partitions tell clients from nodes by it). */
  localAddress?: string;
  /** An operation not answered within this is abandoned (fail before COMMIT was sent, else info). */
  opTimeoutMs?: number;
  /** Pause between a client's operations. */
  thinkMs?: number;
}

export const HIST_SCHEMA = 'hist';
export const DEFAULT_KEYS = ['k0', 'k1', 'k2', 'k3'];

/** The schema and the writer's account (no READ ONLY ADMIN, so read_only refuses it), created on the
 * primary through a root connection; replicated to the others. */
export async function prepareSchema(root: Connection, user: string, password: string, keys = DEFAULT_KEYS) {
  await root.query(`CREATE DATABASE IF NOT EXISTS ${HIST_SCHEMA}`);
  await root.query(
    `CREATE TABLE IF NOT EXISTS ${HIST_SCHEMA}.lists (k VARCHAR(16) PRIMARY KEY, val LONGTEXT NOT NULL) ENGINE=InnoDB`,
  );
  for (const k of keys) await root.query(`INSERT IGNORE INTO ${HIST_SCHEMA}.lists VALUES (?, '')`, [k]);
  await root.query(`CREATE USER IF NOT EXISTS '${user}'@'%' IDENTIFIED BY '${password}'`);
  await root.query(`GRANT SELECT, UPDATE ON ${HIST_SCHEMA}.* TO '${user}'@'%'`);
  await root.query(`GRANT SELECT ON mysqlraft.* TO '${user}'@'%'`);
}

/** "1,2,3," -> [1, 2, 3] */
export function parseList(val: string): number[] {
  return val
    .split(',')
    .filter((s) => s !== '')
    .map(Number);
}

class Abandoned extends Error {}

function within<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        onTimeout();
        reject(new Abandoned(`no answer within ${ms} ms`));
      }, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Runs the clients until stop(); `ops` is the history so far. */
export class Writer {
  readonly ops: Op[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private nextValue = 1;
  private nextId = 1;
  private readonly keys: string[];

  constructor(private readonly o: WriterOptions) {
    this.keys = o.keys ?? DEFAULT_KEYS;
  }

  start(): void {
    this.running = true;
    for (let c = 0; c < (this.o.clients ?? 4); c++) this.loops.push(this.client(c));
  }

  async stop(): Promise<Op[]> {
    this.running = false;
    await Promise.all(this.loops);
    return this.ops;
  }

  /** Acknowledged appends so far. */
  get acked(): number {
    return this.ops.filter((o) => o.kind === 'append' && o.type === 'ok').length;
  }

  private async connect(ep: Endpoint, ms: number): Promise<Connection> {
    const conn = await createConnection({
      ...fromAddress(ep.host, ep.port, this.o.localAddress),
      user: this.o.user,
      password: this.o.password,
      connectTimeout: ms,
    });
    conn.on('error', () => {});
    return conn;
  }

  private async client(c: number): Promise<void> {
    let conn: Connection | undefined;
    let node = c; // index into endpoints, moved on after an error
    const timeout = this.o.opTimeoutMs ?? 1000;
    while (this.running) {
      const eps = this.o.endpoints();
      if (eps.length === 0) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      const ep = eps[node % eps.length]!;
      const key = this.keys[Math.floor(Math.random() * this.keys.length)]!;
      const isRead = Math.random() < (this.o.readRatio ?? 0.2);
      const op: Op = {
        id: this.nextId++,
        client: c,
        kind: isRead ? 'read' : 'append',
        key,
        ...(isRead ? {} : { value: this.nextValue++ }),
        invokeMs: performance.now(),
        completeMs: 0,
        type: 'fail',
        node: ep.host,
      };
      this.ops.push(op);
      let commitSent = false;
      let abandoned = false;
      // An abandoned operation must not go on in the background (a late COMMIT would land a value
      // recorded as failed): every step checks first.
      const step = () => {
        if (abandoned) throw new Abandoned('abandoned');
      };
      try {
        const run = async () => {
          if (!conn) {
            const fresh = await this.connect(ep, timeout);
            if (abandoned) fresh.destroy();
            step();
            conn = fresh;
          }
          if (isRead) await this.read(conn, op);
          else
            await this.append(conn, op, step, () => {
              commitSent = true;
            });
        };
        await within(run(), timeout, () => {
          abandoned = true;
          conn?.destroy();
        });
        op.type = 'ok';
      } catch (err) {
        op.type = commitSent ? 'info' : 'fail';
        op.error = (err as Error).message.slice(0, 200);
        conn?.destroy();
        conn = undefined;
        node++;
      }
      op.completeMs = performance.now();
      if (this.o.thinkMs) await new Promise((r) => setTimeout(r, this.o.thinkMs));
    }
    conn?.destroy();
  }

  private async read(conn: Connection, op: Op): Promise<void> {
    const [rows] = await conn.query(`SELECT val, @@GLOBAL.read_only AS ro FROM ${HIST_SCHEMA}.lists WHERE k = ?`, [
      op.key,
    ]);
    const row = (rows as { val: string; ro: number }[])[0];
    if (!row) throw new Error(`no row for ${op.key}`);
    if (Number(row.ro) !== 0) throw new Error('read on a read-only node');
    op.list = parseList(row.val);
  }

  private async append(conn: Connection, op: Op, step: () => void, committing: () => void): Promise<void> {
    await conn.query('BEGIN');
    try {
      step();
      // The write first, then the term: InnoDB takes the transaction's read view at its first plain
      // read, so reading the term after the write was allowed sees the row the primary wrote before
      // it became writable. Read first, a transaction begun on a replica just before its promotion
      // would commit under the term of the primary before it.
      const [res] = await conn.query(`UPDATE ${HIST_SCHEMA}.lists SET val = CONCAT(val, ?, ',') WHERE k = ?`, [
        String(op.value),
        op.key,
      ]);
      step();
      const [rows] = await conn.query('SELECT (SELECT MAX(term) FROM mysqlraft.term) AS term, @@server_id AS uuid');
      const row = (rows as { term: number | string | null; uuid: string | number }[])[0]!;
      if ((res as { affectedRows: number }).affectedRows !== 1) throw new Error(`no row for ${op.key}`);
      step();
      committing();
      await conn.query('COMMIT');
      op.term = Number(row.term);
      op.serverUuid = String(row.uuid);
    } catch (err) {
      if (!(err instanceof Abandoned)) await conn.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
}

/** Each key's list on a node (the final read after a run), through any account that can read hist. */
export async function readFinal(conn: Connection, keys = DEFAULT_KEYS): Promise<Record<string, number[]>> {
  const [rows] = await conn.query(`SELECT k, val FROM ${HIST_SCHEMA}.lists`);
  const out: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, [] as number[]]));
  for (const r of rows as { k: string; val: string }[]) out[r.k] = parseList(r.val);
  return out;
}
