// One logger factory for every subcommand. Secrets are redacted by key wherever they appear so that a
// password passed through an options object can never reach a log line.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Keys whose values createLogger censors, at the top level and up to two levels deep. */
export const REDACTED_KEYS = [
  'password',
  'rootPassword',
  'replicationPassword',
  'agentPassword',
  'token',
  'authorization',
  'tls.key',
  'key',
];

/** A pino logger named `name` (under the key `logger`), with secrets redacted by key. */
export function createLogger(name: string, options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => (k.includes('.') ? [k] : [k, `*.${k}`, `*.*.${k}`]));
  // The logger's own name goes under `logger`, so that `name` stays free for an object's name.
  const settings: LoggerOptions = {
    base: { pid: process.pid, logger: name },
    level: process.env['LOG_LEVEL'] ?? 'info',
    redact: { paths, censor: '[redacted]' },
    ...options,
  };
  return destination ? pino(settings, destination) : pino(settings);
}

/** A logger that writes nothing: the default for library code and tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
