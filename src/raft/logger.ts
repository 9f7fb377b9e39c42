// The slice of a pino Logger the core uses, so that tests can pass anything with these methods.
import type { Logger } from '../util/log.ts';

export type RaftLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

const noop = (): void => {};

export const NOOP_LOGGER: RaftLogger = { debug: noop, info: noop, warn: noop, error: noop } as unknown as RaftLogger;
