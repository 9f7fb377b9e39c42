// RawNode: the application's handle on one Raft node (shaped like etcd-io/raft's RawNode).
//
// Drive it from ONE loop (src/agent/loop.ts is that loop; nothing else runs it):
//   - call tick() every tickMs, step(msg) for each message received, propose()/... as needed;
//   - whenever hasReady(), take rd = ready() and, IN THIS ORDER:
//       1. PERSIST: Storage.persist(rd) (snapshot, entries, hard state, compaction; one write); await it;
//       2. SEND rd.messages (only now: a vote or an acknowledgement must never be seen by a peer
//          before the state it vouches for is durable; Figure 2 "before responding to RPCs");
//       3. APPLY rd.snapshot (if any) then rd.committedEntries to the state machine;
//       4. advance().
//   step()/tick()/propose() may be called while a Ready is being persisted; their output goes into
//   the next Ready. ready() may not be called again before advance().
//
// HARD STATE AND ENTRIES ARE PERSISTED BEFORE MESSAGES ARE SENT. The simulator checks this.
import type { Config, ResolvedConfig } from './config.ts';
import type { Message } from './messages.ts';
import type { StorageReader } from './storage.ts';
import type { ConfChange, ConfState, Entry, HardState, JsonValue, NodeId, Role, Snapshot } from './types.ts';
import type { ProposeResult, StepResult } from './results.ts';
import type { RaftLogger } from './logger.ts';
import { resolveConfig } from './config.ts';
import { RaftLog } from './log.ts';
import { Raft } from './raft.ts';
import { flush, maybeCommit } from './replication.ts';
import { validateMessage } from './validate-message.ts';
import { NOOP_LOGGER } from './logger.ts';
import { CorruptStorageError, UsageError } from './raft-errors.ts';

/** What the node hands out; its first four fields are a PersistBatch (Storage.persist(rd)). */
export interface Ready {
  /** The hard state to make durable, when it changed. */
  readonly hardState?: HardState;
  /** A snapshot from the leader: persist it, then restore the state machine from it. */
  readonly snapshot?: Snapshot;
  /** Entries to make durable (may overwrite a suffix of the stored log). */
  readonly entries: readonly Entry[];
  /** A local snapshot (from compact()): persist drops the log before it. */
  readonly compaction?: Snapshot;
  /** Send AFTER everything above is durable. */
  readonly messages: readonly Message[];
  /** Apply in order, after persisting. */
  readonly committedEntries: readonly Entry[];
}

/** A read-only view of the node's Raft state. */
export interface Status {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly lead: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly conf: ConfState;
  readonly leadTransferee: NodeId | null;
}

interface InProgress {
  readonly last: { index: number; term: number } | undefined;
  readonly snapshot: Snapshot | undefined;
  readonly compaction: Snapshot | undefined;
  readonly appliedTo: number;
}

/** The application's handle on one Raft node; drive it from one loop as the top of this file says. */
export class RawNode {
  private prevHs: HardState;
  private inProgress: InProgress | null = null;

  private constructor(
    private readonly r: Raft,
    private readonly logger: RaftLogger,
  ) {
    this.prevHs = r.hardState();
  }

  /** Start (or restart) a node from its storage. Reads everything persisted once. */
  static async start(storage: StorageReader, config: Config): Promise<RawNode> {
    const cfg: ResolvedConfig = resolveConfig(config);
    const { hardState } = await storage.initialState();
    const snap = await storage.snapshot();
    const first = await storage.firstIndex();
    const last = await storage.lastIndex();
    if (first !== snap.index + 1)
      throw new CorruptStorageError(`storage firstIndex ${first} is not snapshot index ${snap.index} + 1`);
    const ents = last >= first ? await storage.entries(first, last + 1, Number.POSITIVE_INFINITY) : [];
    ents.forEach((e, k) => {
      if (e.index !== first + k)
        throw new CorruptStorageError(`storage entry ${k} has index ${e.index}, expected ${first + k}`);
    });
    if (hardState.commit > last)
      throw new CorruptStorageError(`hard state commit ${hardState.commit} is beyond the last stored index ${last}`);
    const committed = Math.max(hardState.commit, snap.index);
    const applied = Math.min(Math.max(cfg.applied ?? snap.index, snap.index), committed);
    const logger = cfg.logger ?? NOOP_LOGGER;
    const log = new RaftLog(snap, ents, committed, applied);
    return new RawNode(new Raft(cfg, log, { ...hardState, commit: committed }, logger), logger);
  }

  /** Advance logical time by one tick (call every tickMs). */
  tick(): void {
    this.r.tick();
  }

  /** Start an election now (as if the election timer fired). Refused, like the timer, while this
   * node heard from a leader within electionTick ticks, is not a voter, or canCampaign() says no. */
  campaign(): void {
    this.r.hup(false);
  }

  /** Forget the current leader (followers only): from now on this node grants (pre)votes and may
   * campaign as if the election timeout had passed since it last heard from it. Leader stickiness is
   * what the leader's lease rests on, so call this only once that lease can no longer be acted on
   * (the agent: the leader's process is gone and its mysqld is fenced; docs/failover.md). A message
   * from the leader restores it as usual. */
  forgetLeader(): void {
    this.r.forgetLeader();
  }

  /** Feed an untrusted message from the network. Invalid ones (malformed, not for us, from a
   * non-member) are dropped without any state change and the result says why (also logged at debug
   * level). A stale-term message is also reported as not ok, though it may be answered with our term.
   * Messages never throw. */
  step(raw: unknown): StepResult {
    const v = validateMessage(raw, this.r.id);
    if (!v.ok) {
      this.logger.debug({ id: this.r.id, reason: v.reason }, 'raft: dropped invalid message');
      return v;
    }
    const dropped = this.r.step(v.msg);
    return dropped === null ? { ok: true } : { ok: false, reason: dropped };
  }

  /** Append `data` as a normal entry (leader only). Committed when it comes back in committedEntries. */
  propose(data: JsonValue): ProposeResult {
    if (data === undefined)
      return { ok: false, reason: 'invalid', detail: 'data must be a JSON value', leader: this.r.lead };
    return this.r.propose(data);
  }

  /** Propose a single-server membership change (leader only; one at a time). */
  proposeConfChange(change: ConfChange): ProposeResult {
    const types = ['addLearner', 'promote', 'remove'];
    if (typeof change !== 'object' || change === null || !types.includes(change.type)) {
      return {
        ok: false,
        reason: 'invalid',
        detail: `change.type must be one of ${types.join(', ')}`,
        leader: this.r.lead,
      };
    }
    if (typeof change.node !== 'string' || change.node.length === 0 || change.node.length > 253) {
      return {
        ok: false,
        reason: 'invalid',
        detail: 'change.node must be a non-empty node id of at most 253 characters',
        leader: this.r.lead,
      };
    }
    return this.r.proposeConfChange(change);
  }

  /** Hand leadership to voter `to` (thesis 3.10). Proposals are refused until it completes or times
   * out (electionTick ticks after its TimeoutNow could go out); the lease is void from now on in this
   * term. The TimeoutNow waits until `to` holds the whole log AND every instant leaseValidUntil() has
   * returned has passed, so the target never wins inside a lease already handed out. A caller that
   * has already fenced itself (stopped writing, whatever it was promised) says `fenced: true` and the
   * TimeoutNow may go at once. */
  transferLeadership(to: NodeId, opts: { fenced?: boolean } = {}): ProposeResult {
    return this.r.transferLeadership(to, opts.fenced === true);
  }

  /** Take a local snapshot at `index` (<= applied) holding the application state `data`, and drop
   * the log before it. The snapshot reaches Storage.persist (as `compaction`) through the next Ready. */
  compact(index: number, data: JsonValue): Snapshot {
    const log = this.r.log;
    if (!Number.isSafeInteger(index) || index <= log.snapshot.index || index > log.applied) {
      throw new UsageError(
        `compact: index=${index} must be an integer in (${log.snapshot.index}, applied=${log.applied}]`,
      );
    }
    let conf = log.snapshot.conf;
    for (let i = index; i > log.snapshot.index; i--) {
      const e = log.entry(i);
      if (e?.type === 'conf') {
        conf = (e.data as unknown as { conf: ConfState }).conf;
        break;
      }
    }
    const snap: Snapshot = { index, term: log.term(index)!, conf, data };
    log.compact(snap);
    this.r.pendingCompaction = snap;
    return snap;
  }

  hasReady(): boolean {
    const r = this.r;
    if (r.pendingBcast && r.role === 'leader') return true;
    if (r.msgs.length > 0 || r.pendingSnapshot !== null || r.pendingCompaction !== null) return true;
    if (r.log.lastIndex() > r.log.stable || r.log.committed > r.log.applied) return true;
    return !sameHardState(r.hardState(), this.prevHs);
  }

  ready(): Ready {
    if (this.inProgress) throw new UsageError('ready() called again before advance()');
    const r = this.r;
    flush(r);
    const entries = r.log.unstable();
    const hs = r.hardState();
    const committedEntries = r.log.committedAfter(r.log.applied);
    const snapshot = r.pendingSnapshot ?? undefined;
    const compaction = r.pendingCompaction ?? undefined;
    const messages = r.msgs;
    r.msgs = [];
    const last = entries[entries.length - 1];
    const lastApplied = committedEntries[committedEntries.length - 1];
    this.inProgress = {
      last: last ? { index: last.index, term: last.term } : undefined,
      snapshot,
      compaction,
      appliedTo: lastApplied?.index ?? (snapshot ? snapshot.index : r.log.applied),
    };
    const rd: { -readonly [K in keyof Ready]: Ready[K] } = { entries, messages, committedEntries };
    if (!sameHardState(hs, this.prevHs)) rd.hardState = hs;
    if (snapshot) rd.snapshot = snapshot;
    if (compaction) rd.compaction = compaction;
    this.prevHs = hs;
    return rd;
  }

  /** The caller persisted, sent and applied the last Ready. */
  advance(): void {
    const p = this.inProgress;
    if (!p) throw new UsageError('advance() called without a ready()');
    this.inProgress = null;
    const r = this.r;
    if (p.snapshot) {
      if (r.pendingSnapshot === p.snapshot) r.pendingSnapshot = null;
      r.log.applied = Math.max(r.log.applied, p.snapshot.index);
    }
    if (p.compaction && r.pendingCompaction === p.compaction) r.pendingCompaction = null;
    if (p.last) r.log.stableTo(p.last.index, p.last.term);
    r.log.applied = Math.max(r.log.applied, Math.min(p.appliedTo, r.log.committed));
    // The leader's own log counts toward the quorum only once durable.
    if (r.role === 'leader') maybeCommit(r);
  }

  status(): Status {
    const r = this.r;
    return {
      id: r.id,
      role: r.role,
      term: r.term,
      vote: r.vote,
      lead: r.lead,
      commit: r.log.committed,
      applied: r.log.applied,
      firstIndex: r.log.firstIndex(),
      lastIndex: r.log.lastIndex(),
      conf: r.conf,
      leadTransferee: r.leadTransferee,
    };
  }

  /**
   * The leader lease (thesis 6.4). Returns the instant, on the clock of Config.now, before which this
   * node may serve as the only writable primary; -Infinity when it holds no lease (not leader, a
   * transfer is under way or happened this term, no quorum-acknowledged heartbeat yet, or `now` is
   * earlier than the round it rests on, i.e. the clock went backwards).
   *
   * Guarantee: no other node can become leader before the returned instant, provided that
   *   (a) every node calls tick() no more often than once per tickMs of its own clock (late is fine,
   *       early or in catch-up bursts is not), and
   *   (b) over an interval of (electionTick - 1) * tickMs, any two nodes' clocks disagree by less
   *       than leaseDriftMs.
   * Stop writes BEFORE `now` reaches it. The returned instant is recorded as promised: a later
   * transferLeadership() holds its TimeoutNow until it has passed (unless the caller says it fenced).
   */
  leaseValidUntil(now: number): number {
    return this.r.leaseValidUntil(now);
  }

  /** leaseValidUntil(now) > now. */
  hasLease(now: number): boolean {
    return this.r.leaseValidUntil(now) > now;
  }

  /** The in-memory log after the snapshot (for tests, invariant checks and debugging). */
  logEntries(): readonly Entry[] {
    return this.r.log.all();
  }

  /** The latest snapshot this node holds. */
  snapshot(): Snapshot {
    return this.r.log.snapshot;
  }

  /** Term of entry i, if held. */
  term(i: number): number | undefined {
    return this.r.log.term(i);
  }
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
