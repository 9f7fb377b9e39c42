// Typed errors for every MySQL operation. Callers branch on `kind` (exhaustively) rather than on driver
// codes, and no error carries SQL text, a driver error object or a password: a failed
// `CREATE USER ... IDENTIFIED BY` must not put its secret into a log line through an error.
// See docs/mysql.md, "Errors".

/** Every kind of MysqlError, for exhaustive switches. */
export type MysqlErrorKind =
  | 'unreachable'
  | 'auth-failed'
  | 'timeout'
  | 'statement-failed'
  | 'connection-lost'
  | 'unsupported-version'
  | 'invalid-argument'
  | 'precondition-failed';

/** The base of every error a MySQL operation throws: a kind to branch on, and a message prefixed with the target. */
export abstract class MysqlError extends Error {
  abstract readonly kind: MysqlErrorKind;
  /** host:port the operation talked to, when there was one. */
  readonly target: string | undefined;
  constructor(message: string, target?: string) {
    super(target ? `${target}: ${message}` : message);
    this.target = target;
    this.name = new.target.name;
  }
}

/** TCP connect failed: refused, no route, DNS. */
export class UnreachableError extends MysqlError {
  readonly kind = 'unreachable';
}

/** The server rejected the credentials (the user name may be shown; the password never is). */
export class AuthFailedError extends MysqlError {
  readonly kind = 'auth-failed';
}

/** The operation did not finish within its timeout; its connection was destroyed. */
export class TimeoutError extends MysqlError {
  readonly kind = 'timeout';
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
    target?: string,
  ) {
    super(`${operation} did not finish within ${timeoutMs} ms`, target);
  }
}

/** The server answered a statement with an error. */
export class StatementFailedError extends MysqlError {
  readonly kind = 'statement-failed';
  constructor(
    message: string,
    readonly errno: number | undefined,
    readonly sqlState: string | undefined,
    target?: string,
  ) {
    super(message, target);
  }
}

/** The connection broke after it was established (server killed, restarted, or connection killed). */
export class ConnectionLostError extends MysqlError {
  readonly kind = 'connection-lost';
}

/** The server's version has no row in the flavor table; the message lists the versions allowed. */
export class UnsupportedVersionError extends MysqlError {
  readonly kind = 'unsupported-version';
}

/** Bad input from the caller, e.g. a malformed GTID string. Names the field and what is allowed. */
export class InvalidArgumentError extends MysqlError {
  readonly kind = 'invalid-argument';
}

/** The server is not in a state where the operation is safe (e.g. promote a node with errant GTIDs). */
export class PreconditionFailedError extends MysqlError {
  readonly kind = 'precondition-failed';
}

/** Removes every secret (and its common escaped forms) from a message coming from the server or driver. */
export function redact(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const s of secrets) {
    if (!s) continue;
    for (const form of new Set([s, s.replace(/'/g, "\\'"), s.replace(/'/g, "''"), JSON.stringify(s).slice(1, -1)])) {
      out = out.split(form).join('[redacted]');
    }
  }
  return out;
}

/** ER_NO_SUCH_THREAD: KILL of a thread that has already ended. */
export const ER_NO_SUCH_THREAD = 1094;

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);
const LOST_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ECONNRESET',
  'EPIPE',
  'ER_CONNECTION_KILLED',
  'ER_SERVER_SHUTDOWN',
]);
// 1045 wrong password, 1044 no access to the database, 1698 unix-socket/auth plugin refusal.
const AUTH_ERRNOS = new Set([1045, 1044, 1698]);
// 1927 "Connection was killed", 1053 "Server shutdown in progress", 2013 lost during query.
const LOST_ERRNOS = new Set([1927, 1053, 2006, 2013]);

interface DriverError {
  code?: unknown;
  errno?: unknown;
  sqlState?: unknown;
  sqlMessage?: unknown;
  message?: unknown;
}

/**
 * Maps a mysql2 / socket error to a typed error. The result never references the driver error (which
 * holds `.sql`), and its message has every given secret removed.
 */
export function classify(
  err: unknown,
  target: string,
  secrets: readonly string[],
  phase: 'connect' | 'query',
): MysqlError {
  if (err instanceof MysqlError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as DriverError;
  const f: Failure = {
    code: typeof e.code === 'string' ? e.code : '',
    errno: typeof e.errno === 'number' ? e.errno : undefined,
    msg: redact(driverMessage(e, err), secrets),
    target,
    phase,
  };
  return connectionFailure(f) ?? statementFailure(f, typeof e.sqlState === 'string' ? e.sqlState : undefined);
}

/** A driver error reduced to what classify decides on; `msg` is already redacted. */
interface Failure {
  code: string;
  errno: number | undefined;
  msg: string;
  target: string;
  phase: 'connect' | 'query';
}

/** One row of the classifier table: which driver failures it recognises, and the typed error they become. */
interface FailureRule {
  matches(f: Failure): boolean;
  make(f: Failure): MysqlError;
}

/**
 * Refused credentials, an unreachable server and a dropped connection; the first row that matches decides. A timeout
 * while connecting means the server was never reached; during a query, that the connection was lost.
 */
const CONNECTION_FAILURES: readonly FailureRule[] = [
  {
    matches: ({ errno }) => errno !== undefined && AUTH_ERRNOS.has(errno),
    make: ({ msg, target }) => new AuthFailedError(msg, target),
  },
  {
    matches: ({ code }) => UNREACHABLE_CODES.has(code),
    make: ({ code, msg, target }) => new UnreachableError(`${code}: ${msg}`, target),
  },
  {
    matches: ({ code }) => code === 'ETIMEDOUT',
    make: ({ msg, target, phase }) =>
      phase === 'connect'
        ? new UnreachableError(`connect timed out: ${msg}`, target)
        : new ConnectionLostError(msg, target),
  },
  {
    matches: ({ code, errno }) => LOST_CODES.has(code) || (errno !== undefined && LOST_ERRNOS.has(errno)),
    make: ({ msg, target, phase }) => lost(msg, target, phase),
  },
];

/** Refused credentials, an unreachable server or a dropped connection; undefined for anything else. */
function connectionFailure(f: Failure): MysqlError | undefined {
  return CONNECTION_FAILURES.find((rule) => rule.matches(f))?.make(f);
}

/** A server error number means the statement failed; without one, the connection is taken as lost. */
function statementFailure({ code, errno, msg, target, phase }: Failure, sqlState: string | undefined): MysqlError {
  if (errno === undefined) return lost(msg, target, phase);
  return new StatementFailedError(`${code || 'error'} (${errno}): ${msg}`, errno, sqlState, target);
}

/** The server's message if there is one, else the error's own, else the thrown value as text. */
function driverMessage(e: DriverError, err: unknown): string {
  if (typeof e.sqlMessage === 'string') return e.sqlMessage;
  return typeof e.message === 'string' ? e.message : String(err);
}

/** A dropped connection: the server was never reached while connecting, or went away during a query. */
function lost(msg: string, target: string, phase: 'connect' | 'query'): MysqlError {
  return phase === 'connect' ? new UnreachableError(msg, target) : new ConnectionLostError(msg, target);
}
