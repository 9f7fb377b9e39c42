// Typed errors of the Raft core and its storage.

/** The base of every error the Raft core and its storage throw; `name` is the subclass's name. */
export class RaftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A Config field is out of range; the message names the field, the value and what is allowed. */
export class ConfigError extends RaftError {}

/** The API was used out of order (e.g. ready() twice without advance()). A bug in the caller. */
export class UsageError extends RaftError {}

/** Storage: the requested index is at or below the snapshot (already compacted away). */
export class CompactedError extends RaftError {}

/** Storage: the requested index is beyond the last stored entry. */
export class UnavailableError extends RaftError {}

/** Storage: a snapshot older than the one held was offered. */
export class SnapshotOutOfDateError extends RaftError {}

/** Storage content breaks an invariant (gap in the log, commit beyond the log...). Do not start. */
export class CorruptStorageError extends RaftError {}
