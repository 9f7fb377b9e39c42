// Public surface of the Raft core. Design note: docs/raft.md.
export type { Config, VotePredicate } from './config.ts';
export type { Message, MessageType } from './messages.ts';
export type { Storage, StorageReader, PersistBatch, InitialState } from './storage.ts';
export type {
  ConfChange,
  ConfChangeType,
  ConfEntryData,
  ConfState,
  Entry,
  EntryType,
  HardState,
  JsonValue,
  NodeId,
  Role,
  Snapshot,
} from './types.ts';
export type { ProposeResult, StepResult, RefusalReason } from './results.ts';
export type { Ready, Status } from './rawnode.ts';
export { RawNode } from './rawnode.ts';
export { MemoryStorage, MemoryStorageStoppedError } from './memory-storage.ts';
export { validateMessage } from './validate-message.ts';
export {
  CompactedError,
  ConfigError,
  CorruptStorageError,
  RaftError,
  SnapshotOutOfDateError,
  UnavailableError,
  UsageError,
} from './raft-errors.ts';
