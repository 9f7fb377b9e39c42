// One logger factory for every subcommand. Secrets are redacted by key wherever they appear so that a
// password passed through an options object can never reach a log line.
import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

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

export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => (k.includes('.') ? [k] : [k, `*.${k}`, `*.*.${k}`]));
  return pino({
    name,
    level: process.env['LOG_LEVEL'] ?? 'info',
    redact: { paths, censor: '[redacted]' },
    ...options,
  });
}

/** A logger that writes nothing: the default for library code and tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
