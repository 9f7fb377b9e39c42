// One agent's Raft node with its I/O: ConfigMap storage, the HTTP peer transport, the ticker, and THE
// Ready loop (loop.ts) between them. Whatever the agent does to its node (tick, a message, a proposal,
// a transfer) goes through here and is followed by a kick of the loop. A storage or loop failure is
// fatal: the caller exits and the restart reads the ConfigMap (docs/agent.md, "The Ready loop").
import { performance } from 'node:perf_hooks';
import type { Config } from '../raft/config.ts';
import type { Ready, Status } from '../raft/rawnode.ts';
import type { Message } from '../raft/messages.ts';
import type { Storage } from '../raft/storage.ts';
import type { HardState, JsonValue, NodeId, Role } from '../raft/types.ts';
import type { ProposeResult } from '../raft/results.ts';
import type { RaftLogger } from '../raft/logger.ts';
import { RawNode } from '../raft/rawnode.ts';
import { ReadyLoop } from './loop.ts';
import { startTicker, type Ticker } from './ticker.ts';
import type { PeerTransport } from './transport.ts';
import type { Timings } from './timings.ts';

/** The application hooks of the Raft core, plus the state machine. */
export interface RaftApp {
  /** Applies rd.snapshot then rd.committedEntries (the agent's state machine). */
  apply(rd: Ready): void | Promise<void>;
  /** The state machine as snapshot data (for compaction). */
  snapshotData?(): JsonValue;
  /** Runs before a Ready that carries a vote not yet durable is persisted (the vote guard). false:
   * persist the vote but withhold the grant (a dropped message, which Raft tolerates). */
  beforePersist?(rd: Ready): Promise<boolean>;
  votePredicate?: Config['votePredicate'];
  canCampaign?: Config['canCampaign'];
  candidateContext?: Config['candidateContext'];
  /** Runs before a TimeoutNow (a leader handing over to us) is stepped: the campaign it starts sends
   * candidateContext(), which must include what the old leader waited for us to apply (a stale one
   * makes the voters refuse, and the handover costs an election timeout). Bounded by 1 s. */
  beforeTransferCampaign?(): Promise<void>;
  /** Called once with the error that stopped the node. */
  onFatal(err: Error): void;
}

/** What RaftHost.start needs. */
export interface RaftHostOptions {
  id: NodeId;
  storage: Storage;
  transport: PeerTransport;
  timings: Timings;
  app: RaftApp;
  logger?: RaftLogger;
  /** Monotonic ms clock shared by ticks and the lease. */
  now?: () => number;
  /** Writes stop this long before the lease instant (time to fence). */
  leaseMarginMs?: number;
  /** Compact once this many applied entries follow the snapshot (default 200). */
  compactAfter?: number;
  /** Called after any step that changed this node's role (failover cause and timing). */
  onRoleChange?: (from: Role, to: Role) => void;
  /** Called at the first tick after the process did not run for more than `stallMs` (stopped, frozen,
   * starved), before the core ticks: the agent's dead man's switch (agent.ts). */
  onStall?: (sinceLastTickMs: number) => void;
  stallMs?: number;
}

/** Received messages split into those stepped at once and TimeoutNow, stepped after
 * RaftApp.beforeTransferCampaign (order within each part kept). */
export function splitTimeoutNow(messages: readonly unknown[]): { now: unknown[]; later: unknown[] } {
  const isTimeoutNow = (m: unknown) =>
    typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'timeoutNow';
  return { now: messages.filter((m) => !isTimeoutNow(m)), later: messages.filter(isTimeoutNow) };
}

/** A running Raft node driven by timers and peer messages. */
export class RaftHost {
  private ticker: Ticker | undefined;
  private stopped = false;
  private role: Role = 'follower';

  private constructor(
    readonly node: RawNode,
    private readonly loop: ReadyLoop,
    private readonly o: RaftHostOptions,
    readonly now: () => number,
  ) {}

  /** Starts the node from its storage and begins ticking. */
  static async start(o: RaftHostOptions): Promise<RaftHost> {
    const now = o.now ?? (() => performance.now());
    const t = o.timings;
    const node = await RawNode.start(o.storage, {
      id: o.id,
      electionTick: t.electionTick,
      electionJitterTick: t.electionJitterTick,
      heartbeatTick: t.heartbeatTick,
      maxBatchEntries: t.maxBatchEntries,
      maxInflight: 16,
      preVote: true,
      checkQuorum: true,
      tickMs: t.tickMs,
      leaseDriftMs: t.leaseDriftMs,
      now,
      random: Math.random,
      ...(o.app.votePredicate ? { votePredicate: o.app.votePredicate } : {}),
      ...(o.app.canCampaign ? { canCampaign: o.app.canCampaign } : {}),
      ...(o.app.candidateContext ? { candidateContext: o.app.candidateContext } : {}),
      ...(o.logger ? { logger: o.logger } : {}),
    });
    // The loop's failure handler needs the host, which needs the loop: a holder breaks the cycle.
    const ref: { host?: RaftHost } = {};
    let durable: HardState = (await o.storage.initialState()).hardState;
    let withheld: { term: number; to: string } | undefined;
    const loop = new ReadyLoop(
      node,
      {
        persist: async (rd) => {
          if (commitOnly(rd, durable)) return;
          // Only a vote that is not durable yet is guarded: a restarted node re-sends the vote it holds.
          if (rd.hardState && newVote(rd.hardState, durable) && (await o.app.beforePersist?.(rd)) === false)
            withheld = { term: rd.hardState.term, to: rd.hardState.vote! };
          await o.storage.persist(rd);
          if (rd.hardState) durable = rd.hardState;
        },
        send: (msgs) => o.transport.send(withheld ? msgs.filter((m) => !isGrant(m, withheld!)) : msgs),
        apply: (rd) => o.app.apply(rd),
        advanced: () => {
          const s = node.status();
          const data = o.app.snapshotData?.();
          if (data !== undefined && s.applied - (s.firstIndex - 1) >= (o.compactAfter ?? 200))
            node.compact(s.applied, data);
        },
      },
      (err) => {
        ref.host?.stop();
        o.app.onFatal(err);
      },
    );
    const host = new RaftHost(node, loop, o, now);
    ref.host = host;
    host.ticker = startTicker(
      t.tickMs,
      (since) => {
        // Before the core hears of the time that passed: the stall hook acts on what it finds first.
        if (o.onStall && since > (o.stallMs ?? Infinity)) o.onStall(since);
        host.do(() => node.tick());
      },
      now,
    );
    loop.kick(); // a restarted node may have committed entries to apply
    return host;
  }

  /** Runs `fn` on the node (unless stopped), then drains what it produced. */
  do<T>(fn: (node: RawNode) => T): T | undefined {
    if (this.stopped) return undefined;
    const r = fn(this.node);
    const role = this.node.status().role;
    if (role !== this.role) {
      const was = this.role;
      this.role = role;
      this.o.onRoleChange?.(was, role);
    }
    this.loop.kick();
    return r;
  }

  /** Messages from an authenticated peer (still untrusted: RawNode.step validates each). */
  receive(messages: readonly unknown[]): void {
    const hook = this.o.app.beforeTransferCampaign;
    const { now, later } = hook ? splitTimeoutNow(messages) : { now: messages, later: [] };
    this.do((n) => {
      for (const m of now) n.step(m);
    });
    if (later.length === 0 || !hook) return;
    let timer: NodeJS.Timeout | undefined;
    void Promise.race([hook(), new Promise((r) => (timer = setTimeout(r, 1000)))])
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        this.do((n) => {
          for (const m of later) n.step(m);
        });
      });
  }

  propose(data: JsonValue): ProposeResult | undefined {
    return this.do((n) => n.propose(data));
  }

  status(): Status {
    return this.node.status();
  }

  /** The lease instant (see RawNode.leaseValidUntil), on this host's clock. */
  leaseValidUntil(): number {
    return this.node.leaseValidUntil(this.now());
  }

  /** Holds the lease for longer than the fence margin from now. */
  hasLeaseWithMargin(): boolean {
    const now = this.now();
    return this.node.leaseValidUntil(now) - now > (this.o.leaseMarginMs ?? 0);
  }

  /** Resolves once the loop is idle (tests, shutdown). */
  idle(): Promise<void> {
    return this.loop.idle();
  }

  /** Stops ticking and accepting work; the storage is left as it is. */
  stop(): void {
    this.stopped = true;
    this.ticker?.stop();
  }

  get timings(): Timings {
    return this.o.timings;
  }
}

/**
 * A Ready whose only durable change is a higher commit index is not written: term, vote and entries
 * are what a message may vouch for (Figure 2), while the commit index is re-learnt from the leader
 * after a restart. Skipping these writes keeps heartbeats and their answers from queueing behind
 * ConfigMap updates (the leader lease rests on them) and saves one API write per replication round.
 */
export function commitOnly(rd: Ready, durable: HardState): boolean {
  if (rd.entries.length > 0 || rd.snapshot || rd.compaction) return false;
  const hs = rd.hardState;
  return !hs || (hs.term === durable.term && hs.vote === durable.vote);
}

/** The hard state records a vote (term, candidate) that storage does not hold yet. */
export function newVote(hs: HardState, durable: HardState): boolean {
  return hs.vote !== null && (hs.term !== durable.term || hs.vote !== durable.vote);
}

/** A granted vote for `w.to` in `w.term`. */
function isGrant(m: Message, w: { term: number; to: string }): boolean {
  return m.type === 'voteResp' && !m.reject && m.to === w.to && m.term === w.term;
}
