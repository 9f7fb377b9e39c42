// A bounded conversation with one server. Every operation runs inside `MysqlNode.run`, which opens a
// connection, detects the flavor once, and gives the whole operation ONE deadline: when it passes, the
// connection is destroyed (a SIGSTOPped server never answers, so nothing else would end the call) and
// the caller gets a TimeoutError. Errors are classified and stripped of secrets (errors.ts).
import { createConnection, type Connection } from 'mysql2/promise';
import type { Logger } from '../util/log.ts';
import {
  classify,
  ER_NO_SUCH_THREAD,
  InvalidArgumentError,
  StatementFailedError,
  TimeoutError,
} from './mysql-errors.ts';
import { detectFlavor, type Flavor } from './flavor.ts';

/** How to reach and log in to a server. */
export interface Endpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** A result row by column name. */
export type Row = Record<string, unknown>;

/** One open connection within a MysqlNode.run operation; query errors come out classified and free of secrets. */
export class Session {
  constructor(
    private readonly conn: Connection,
    readonly target: string,
    private readonly secrets: readonly string[],
    readonly flavor: Flavor,
    readonly deadline: number,
  ) {}

  /** Milliseconds left before the operation's deadline. */
  remainingMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  async query(sql: string, params: unknown[] = []): Promise<Row[]> {
    try {
      const [rows] = await this.conn.query({ sql, values: params });
      return Array.isArray(rows) ? (rows as Row[]) : [];
    } catch (err) {
      throw classify(err, this.target, this.secrets, 'query');
    }
  }

  async scalar(sql: string, params: unknown[] = []): Promise<unknown> {
    const rows = await this.query(sql, params);
    const first = rows[0];
    return first === undefined ? undefined : Object.values(first)[0];
  }

  /** This session's connection id, so that "kill every client" can spare it. */
  async connectionId(): Promise<number> {
    return Number(await this.scalar('SELECT CONNECTION_ID()'));
  }

  /** KILL CONNECTION `id`; false when that thread had already ended (between a listing and the KILL). */
  async kill(id: number): Promise<boolean> {
    try {
      await this.query(`KILL CONNECTION ${Number(id)}`);
      return true;
    } catch (err) {
      if (err instanceof StatementFailedError && err.errno === ER_NO_SUCH_THREAD) return false;
      throw err;
    }
  }
}

/** MysqlNode options. */
export interface NodeOptions {
  logger?: Logger;
}

/**
 * One server. Every operation runs through run(): a fresh connection and one deadline. Throws InvalidArgumentError at
 * construction for an empty host or a port outside 1..65535.
 */
export class MysqlNode {
  private flavor: Flavor | undefined;
  readonly target: string;

  constructor(
    readonly endpoint: Endpoint,
    private readonly opts: NodeOptions = {},
  ) {
    if (!endpoint.host) throw new InvalidArgumentError('endpoint.host: must be a non-empty host name or address');
    if (!Number.isInteger(endpoint.port) || endpoint.port < 1 || endpoint.port > 65535) {
      throw new InvalidArgumentError(`endpoint.port: ${endpoint.port} is not a TCP port (1..65535)`);
    }
    this.target = `${endpoint.host}:${endpoint.port}`;
  }

  /**
   * Runs `fn` on a fresh connection with one overall deadline. `secrets` are extra strings (beyond the
   * endpoint password) that must never appear in an error, e.g. a password the operation sets.
   */
  async run<T>(
    operation: string,
    timeoutMs: number,
    fn: (s: Session) => Promise<T>,
    secrets: readonly string[] = [],
  ): Promise<T> {
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new InvalidArgumentError(`timeoutMs: ${timeoutMs} must be a positive number of milliseconds`);
    }
    const allSecrets = [this.endpoint.password, ...secrets];
    const deadline = Date.now() + timeoutMs;
    let conn: Connection | undefined;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        conn?.destroy();
        reject(new TimeoutError(operation, timeoutMs, this.target));
      }, timeoutMs);
    });
    const work = (async () => {
      try {
        conn = await createConnection({
          host: this.endpoint.host,
          port: this.endpoint.port,
          user: this.endpoint.user,
          password: this.endpoint.password,
          connectTimeout: Math.max(1, timeoutMs),
          supportBigNumbers: true,
          bigNumberStrings: true,
          multipleStatements: false,
        });
      } catch (err) {
        throw classify(err, this.target, allSecrets, 'connect');
      }
      // A fatal error after the deadline would otherwise surface as an unhandled 'error' event.
      conn.on('error', () => {});
      if (timedOut) {
        conn.destroy();
        throw new TimeoutError(operation, timeoutMs, this.target);
      }
      const session = new Session(
        conn,
        this.target,
        allSecrets,
        this.flavor ?? (await this.detect(conn, allSecrets)),
        deadline,
      );
      return fn(session);
    })();
    work.catch(() => {}); // the race below reports it; avoid an unhandled rejection after a timeout
    try {
      return await Promise.race([work, expired]);
    } catch (err) {
      this.opts.logger?.debug(
        { target: this.target, operation, kind: (err as { kind?: string }).kind },
        'mysql operation failed',
      );
      throw err;
    } finally {
      clearTimeout(timer);
      conn?.destroy();
    }
  }

  private async detect(conn: Connection, secrets: readonly string[]): Promise<Flavor> {
    try {
      const [rows] = await conn.query('SELECT VERSION() AS v');
      const v = String((rows as Row[])[0]?.['v'] ?? '');
      this.flavor = detectFlavor(v);
      return this.flavor;
    } catch (err) {
      throw classify(err, this.target, secrets, 'query');
    }
  }
}
