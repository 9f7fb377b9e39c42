// Deterministic discrete-event simulator for the Raft core. One seed fixes everything: clock rates,
// message delays, loss, duplication and reordering, election timeouts. Time jumps from event to
// event (a node's next tick or a message's delivery); invariants are checked after every event.
//
// Persist-before-send is enforced by construction (processReady runs the agent's Ready loop,
// src/agent/loop.ts, which persists, then sends) and checked
// (InvariantChecker.onSend compares every outgoing message with what storage holds). A "crash
// between persist and send" fault kills a node after persisting a Ready and before sending it.
import { RawNode } from '../../../src/raft/rawnode.ts';
import { MemoryStorage } from '../../../src/raft/memory-storage.ts';
import type { Config } from '../../../src/raft/config.ts';
import type { Message } from '../../../src/raft/messages.ts';
import type { ConfChange, HardState, JsonValue, NodeId } from '../../../src/raft/types.ts';
import { drainReady } from '../../../src/agent/loop.ts';
import type { ProposeResult, StepResult } from '../../../src/raft/results.ts';
import { InvariantChecker } from './invariants.ts';
import { Rng } from '../rng.ts';

export interface SimOptions {
  seed: number;
  /** Initial voters. */
  voters: number;
  /** Extra nodes started with an empty configuration, available to membership changes. */
  spares?: number;
  electionTick?: number;
  heartbeatTick?: number;
  tickMs?: number;
  leaseDriftMs?: number;
  /** Each node's clock runs at 1 +- up to this rate (default 0.02). */
  maxClockSkew?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  maxBatchEntries?: number;
  maxInflight?: number;
  /** Round-trip every message through JSON (proves messages are plain data). Default true. */
  serialize?: boolean;
  /** Compact a node's log once it holds this many applied entries beyond its snapshot. */
  compactAfter?: number;
}

export interface NetConditions {
  loss: number;
  dup: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export const CALM: NetConditions = { loss: 0, dup: 0, minDelayMs: 1, maxDelayMs: 15 };

interface SimNode {
  id: NodeId;
  storage: MemoryStorage;
  node: RawNode | null;
  rate: number;
  offset: number;
  nextTickLocal: number;
  paused: boolean;
  /** Persist the next Ready, then crash before sending it. */
  crashAfterPersist: boolean;
  eligible: boolean;
  /** What this node puts in its vote requests; 'lagging' candidates are refused (a GTID-like hook). */
  lagging: boolean;
  appliedCount: number;
  lastApplied: number;
}

interface InFlight {
  msg: Message;
  at: number;
  seq: number;
}

export class Simulator {
  readonly ids: NodeId[];
  readonly nodes = new Map<NodeId, SimNode>();
  readonly checker = new InvariantChecker();
  readonly rng: Rng;
  now = 0;
  net: NetConditions = { ...CALM };
  /** Blocked directed links "from>to". */
  blocked = new Set<string>();
  stats = { delivered: 0, dropped: 0, ticks: 0, events: 0, proposals: 0, readies: 0 };
  private flight: InFlight[] = [];
  private seq = 0;
  readonly o: Required<SimOptions>;
  private proposalSeq = 0;
  /** Guard against a livelocked core: a schedule never needs this many events. */
  maxEvents = 2_000_000;

  private constructor(o: SimOptions) {
    this.o = {
      spares: 0,
      electionTick: 10,
      heartbeatTick: 2,
      tickMs: 100,
      leaseDriftMs: 0,
      maxClockSkew: 0.02,
      preVote: true,
      checkQuorum: true,
      maxBatchEntries: 4,
      maxInflight: 4,
      serialize: true,
      compactAfter: 0,
      ...o,
    };
    if (o.leaseDriftMs === undefined) {
      // Enough to cover the worst relative drift over one lease span, with margin.
      this.o.leaseDriftMs = Math.ceil(4 * this.o.maxClockSkew * (this.o.electionTick - 1) * this.o.tickMs) + 1;
    }
    this.rng = new Rng(o.seed);
    this.ids = [];
    for (let i = 0; i < o.voters + this.o.spares; i++) this.ids.push(`n${i}`);
  }

  static async create(o: SimOptions): Promise<Simulator> {
    const sim = new Simulator(o);
    const voters = sim.ids.slice(0, o.voters);
    for (const id of sim.ids) {
      const conf = voters.includes(id) ? { voters, learners: [] } : { voters: [], learners: [] };
      const skew = sim.o.maxClockSkew;
      const n: SimNode = {
        id,
        storage: new MemoryStorage(conf),
        node: null,
        rate: 1 + (sim.rng.next() * 2 - 1) * skew,
        offset: sim.rng.int(0, 1_000_000),
        nextTickLocal: 0,
        paused: false,
        crashAfterPersist: false,
        eligible: true,
        lagging: false,
        appliedCount: 0,
        lastApplied: 0,
      };
      n.nextTickLocal = sim.localNow(n) + sim.rng.int(1, sim.o.tickMs);
      sim.nodes.set(id, n);
      await sim.boot(n);
    }
    return sim;
  }

  localNow(n: SimNode): number {
    return n.offset + n.rate * this.now;
  }

  private config(n: SimNode): Config {
    const rng = this.rng.fork();
    return {
      id: n.id,
      electionTick: this.o.electionTick,
      heartbeatTick: this.o.heartbeatTick,
      maxBatchEntries: this.o.maxBatchEntries,
      maxInflight: this.o.maxInflight,
      preVote: this.o.preVote,
      checkQuorum: this.o.checkQuorum,
      tickMs: this.o.tickMs,
      leaseDriftMs: this.o.leaseDriftMs,
      now: () => this.localNow(n),
      random: () => rng.next(),
      canCampaign: () => n.eligible,
      candidateContext: () => ({ lagging: n.lagging }),
      votePredicate: (_c, ctx) =>
        ctx !== null && typeof ctx === 'object' && !Array.isArray(ctx) && ctx['lagging'] === true
          ? 'candidate replica is lagging'
          : true,
      applied: n.lastApplied,
    };
  }

  private async boot(n: SimNode): Promise<void> {
    this.checker.onRestart(n.id);
    n.node = await RawNode.start(n.storage, this.config(n));
    // Ticks never come early or in bursts (the lease needs that): resume at the next tick boundary.
    n.nextTickLocal = this.localNow(n) + this.o.tickMs;
  }

  get(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  up(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.node !== null);
  }

  leaders(): SimNode[] {
    return this.up().filter((n) => n.node!.status().role === 'leader');
  }

  /** The leader with the highest term, if any. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.leaders()) if (!best || n.node!.status().term > best.node!.status().term) best = n;
    return best;
  }

  // ---- faults -----------------------------------------------------------------------------------

  crash(id: NodeId): void {
    const n = this.get(id);
    n.node = null;
    n.paused = false;
  }

  async restart(id: NodeId): Promise<void> {
    const n = this.get(id);
    if (n.node) return;
    await this.boot(n);
    await this.processReady(n);
    this.check();
  }

  pause(id: NodeId): void {
    if (this.get(id).node) this.get(id).paused = true;
  }

  resume(id: NodeId): void {
    const n = this.get(id);
    if (!n.paused) return;
    n.paused = false;
    n.nextTickLocal = Math.max(n.nextTickLocal, this.localNow(n) + this.o.tickMs * this.rng.next());
  }

  /** Cut both directions between every node of `a` and every node of `b`. */
  split(a: NodeId[], b: NodeId[]): void {
    for (const x of a)
      for (const y of b) {
        this.blocked.add(`${x}>${y}`);
        this.blocked.add(`${y}>${x}`);
      }
  }

  isolate(id: NodeId): void {
    this.split(
      [id],
      this.ids.filter((x) => x !== id),
    );
  }

  /** Only neighbours in a ring can talk. */
  ring(): void {
    const ids = this.rng.shuffle([...this.ids]);
    for (let i = 0; i < ids.length; i++)
      for (let j = 0; j < ids.length; j++) {
        const d = Math.abs(i - j);
        if (d > 1 && d < ids.length - 1) this.blocked.add(`${ids[i]}>${ids[j]}`);
      }
  }

  heal(): void {
    this.blocked.clear();
  }

  // ---- application actions ------------------------------------------------------------------------

  /** Runs `act` on the current (unpaused) leader, then its Ready and the invariants; undefined without one. */
  private async viaLeader(act: (node: RawNode) => ProposeResult): Promise<ProposeResult | undefined> {
    const l = this.leader();
    if (!l || l.paused) return undefined;
    const r = act(l.node!);
    await this.processReady(l);
    this.check();
    return r;
  }

  propose(data?: JsonValue): Promise<ProposeResult | undefined> {
    return this.viaLeader((n) => {
      const r = n.propose(data ?? `p${++this.proposalSeq}`);
      this.stats.proposals++;
      return r;
    });
  }

  confChange(change: ConfChange): Promise<ProposeResult | undefined> {
    return this.viaLeader((n) => n.proposeConfChange(change));
  }

  transfer(to: NodeId): Promise<ProposeResult | undefined> {
    return this.viaLeader((n) => n.transferLeadership(to));
  }

  // ---- the event loop ---------------------------------------------------------------------------

  private send(m: Message): void {
    this.recent.push(m);
    if (this.recent.length > 300) this.recent.shift();
    if (this.blocked.has(`${m.from}>${m.to}`) || this.rng.chance(this.net.loss)) {
      this.stats.dropped++;
      return;
    }
    const copies = this.rng.chance(this.net.dup) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = this.rng.int(this.net.minDelayMs, Math.max(this.net.minDelayMs, this.net.maxDelayMs));
      const msg = this.o.serialize ? (JSON.parse(JSON.stringify(m)) as Message) : m;
      this.flight.push({ msg, at: this.now + delay, seq: this.seq++ });
    }
  }

  /** The last messages sent, for replay by the fuzzer. */
  readonly recent: Message[] = [];

  /** Hand `raw` (anything) to node `to` as if it came off the network, then process and check. */
  async inject(to: NodeId, raw: unknown): Promise<StepResult | undefined> {
    const n = this.get(to);
    if (!n.node || n.paused) return undefined;
    const r = n.node.step(raw);
    await this.processReady(n);
    this.check();
    return r;
  }

  /** Persist, (maybe crash,) send, apply, advance: the agent's own Ready loop (src/agent/loop.ts),
   * with in-memory storage and this simulated network below the seam. */
  async processReady(n: SimNode): Promise<void> {
    const node = n.node;
    if (!node) return;
    let durable: { hs: HardState; last: number } = { hs: { term: 0, vote: null, commit: 0 }, last: 0 };
    await drainReady(node, {
      inspect: (rd) => {
        this.stats.readies++;
        this.checker.onReady(n.id, node, rd);
      },
      persist: (rd) => n.storage.persist(rd),
      persisted: async () => {
        const { hardState } = await n.storage.initialState();
        this.checker.onPersisted(n.id, hardState);
        if (n.crashAfterPersist) {
          n.crashAfterPersist = false;
          this.crash(n.id);
          return false;
        }
        durable = { hs: hardState, last: await n.storage.lastIndex() };
        return true;
      },
      send: (messages) => {
        for (const m of messages) {
          this.checker.onSend(n.id, m, durable.hs, durable.last);
          this.send(m);
        }
      },
      apply: (rd) => {
        if (rd.snapshot) n.lastApplied = rd.snapshot.index;
        this.checker.onApply(n.id, node.status().term, rd.committedEntries);
        const lastEntry = rd.committedEntries[rd.committedEntries.length - 1];
        if (lastEntry) n.lastApplied = lastEntry.index;
      },
      advanced: () => this.maybeCompact(n),
    });
  }

  private maybeCompact(n: SimNode): void {
    const node = n.node;
    if (!node || this.o.compactAfter <= 0) return;
    const s = node.status();
    if (s.applied - (s.firstIndex - 1) >= this.o.compactAfter) node.compact(s.applied, { appliedUpTo: s.applied });
  }

  /** Run the simulation for `ms` of global time. */
  async run(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      const next = this.nextEventTime();
      if (next === undefined || next > end) break;
      this.now = Math.max(this.now, next);
      await this.step();
    }
    this.now = end;
    this.check();
  }

  /** Run until `cond` holds (checked after every event) or `ms` pass; true if it held. */
  async runUntil(cond: () => boolean, ms: number): Promise<boolean> {
    const end = this.now + ms;
    while (!cond()) {
      const next = this.nextEventTime();
      if (next === undefined || next > end) {
        this.now = end;
        return cond();
      }
      this.now = Math.max(this.now, next);
      await this.step();
    }
    return true;
  }

  private nextEventTime(): number | undefined {
    let t: number | undefined;
    for (const n of this.nodes.values()) {
      if (!n.node || n.paused) continue;
      const gt = (n.nextTickLocal - n.offset) / n.rate;
      if (t === undefined || gt < t) t = gt;
    }
    for (const f of this.flight) {
      if (this.deliverable(f) && (t === undefined || f.at < t)) t = f.at;
    }
    return t;
  }

  private deliverable(f: InFlight): boolean {
    const n = this.nodes.get(f.msg.to);
    return !n || !n.paused;
  }

  /** Handle everything due at `now`, in a seeded random order. */
  private async step(): Promise<void> {
    const due: (() => Promise<void>)[] = [];
    for (const n of this.nodes.values()) {
      if (n.node && !n.paused && this.localNow(n) >= n.nextTickLocal - 1e-9) {
        due.push(async () => {
          if (!n.node || n.paused) return;
          n.nextTickLocal += this.o.tickMs;
          this.stats.ticks++;
          n.node.tick();
          await this.processReady(n);
        });
      }
    }
    const ready: InFlight[] = [];
    const rest: InFlight[] = [];
    for (const f of this.flight) (f.at <= this.now && this.deliverable(f) ? ready : rest).push(f);
    this.flight = rest;
    for (const f of ready) due.push(() => this.deliver(f.msg));
    this.rng.shuffle(due);
    for (const d of due) {
      if (++this.stats.events > this.maxEvents)
        throw new Error(`simulation exceeded ${this.maxEvents} events (livelock?) at ${this.now} ms`);
      await d();
      this.check();
    }
  }

  private async deliver(m: Message): Promise<void> {
    const n = this.nodes.get(m.to);
    if (!n || !n.node) {
      this.stats.dropped++;
      return;
    }
    this.stats.delivered++;
    n.node.step(m);
    await this.processReady(n);
  }

  check(): void {
    this.checker.check(
      this.up().map((n) => ({
        id: n.id,
        node: n.node!,
        localNow: this.localNow(n),
        toGlobal: (local: number) => (local - n.offset) / n.rate,
      })),
      this.now,
    );
  }

  finalCheck(): void {
    this.checker.finalCheck(this.up().map((n) => ({ id: n.id, node: n.node! })));
  }

  /** Liveness: heal everything, then within `ms` a leader exists and a fresh proposal commits on it. */
  async healAndCommit(ms: number): Promise<{ ok: boolean; elapsedMs: number }> {
    const start = this.now;
    this.heal();
    this.net = { ...CALM };
    for (const n of this.nodes.values()) {
      n.eligible = true;
      n.lagging = false;
      n.crashAfterPersist = false;
      if (n.paused) this.resume(n.id);
      if (!n.node) await this.restart(n.id);
    }
    const haveLeader = await this.runUntil(() => this.leader() !== undefined && this.leaderIsStable(), ms);
    if (!haveLeader) return { ok: false, elapsedMs: this.now - start };
    const marker = `liveness-${this.now}`;
    for (let attempt = 0; attempt < 50 && this.now - start < ms; attempt++) {
      const r = await this.propose(marker);
      if (r?.ok) {
        const idx = r.index;
        const l = this.leader()!;
        const committed = await this.runUntil(
          () => (l.node?.status().commit ?? 0) >= idx,
          Math.min(ms - (this.now - start), 10 * this.o.electionTick * this.o.tickMs),
        );
        if (committed && l.node?.term(idx) === r.term) return { ok: true, elapsedMs: this.now - start };
      }
      await this.runUntil(
        () => this.leader() !== undefined,
        Math.max(1, Math.min(ms - (this.now - start), this.o.tickMs)),
      );
    }
    return { ok: false, elapsedMs: this.now - start };
  }

  private leaderIsStable(): boolean {
    const l = this.leader();
    return l !== undefined && l.node!.status().leadTransferee === null;
  }
}
