// The slice of a pino Logger the core uses, so that tests can pass anything with these methods.
import type { Logger } from '../util/log.ts';

/** The logging calls the Raft core makes; a pino Logger fits. */
export type RaftLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

const noop = (): void => {};

/** A RaftLogger that drops everything. */
export const NOOP_LOGGER: RaftLogger = { debug: noop, info: noop, warn: noop, error: noop } as unknown as RaftLogger;
