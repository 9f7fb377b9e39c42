// A small synchronous-delivery network for paper tests: every node has a MemoryStorage, Readys are
// persisted before their messages enter the network, and settle() delivers until quiet.
// The fault-injecting, time-driven simulator is sim.ts; this one is for precise single-rule tests.
import { RawNode } from '../../../src/raft/rawnode.ts';
import { MemoryStorage } from '../../../src/raft/memory-storage.ts';
import type { Config } from '../../../src/raft/config.ts';
import type { Message } from '../../../src/raft/messages.ts';
import type { Entry, NodeId } from '../../../src/raft/types.ts';
import { drainReady } from '../../../src/agent/loop.ts';

export interface NetNode {
  id: NodeId;
  node: RawNode;
  storage: MemoryStorage;
  applied: Entry[];
}

export type Overrides = Partial<Omit<Config, 'id'>>;

export function baseConfig(id: NodeId, clock: { now: number }, over: Overrides = {}): Config {
  return {
    id,
    electionTick: 10,
    heartbeatTick: 1,
    maxBatchEntries: 64,
    maxInflight: 16,
    preVote: false,
    checkQuorum: false,
    tickMs: 100,
    leaseDriftMs: 50,
    now: () => clock.now,
    // Fixed: every node waits the longest timeout, so tests decide who campaigns.
    random: () => 0.999,
    ...over,
  };
}

export class Net {
  readonly nodes = new Map<NodeId, NetNode>();
  readonly clock = { now: 0 };
  /** Links that drop messages, as "from>to". */
  readonly cut = new Set<string>();
  /** Every message delivered, in order (for assertions). */
  readonly delivered: Message[] = [];
  /** Messages sent while their destination is held (see hold()). */
  held: Message[] = [];
  private holding = new Set<NodeId>();
  private queue: Message[] = [];

  static async create(ids: NodeId[], over: Overrides | ((id: NodeId) => Overrides) = {}): Promise<Net> {
    const net = new Net();
    for (const id of ids) {
      const o = typeof over === 'function' ? over(id) : over;
      await net.add(id, new MemoryStorage({ voters: ids, learners: [] }), o);
    }
    return net;
  }

  async add(id: NodeId, storage: MemoryStorage, over: Overrides = {}): Promise<NetNode> {
    const node = await RawNode.start(storage, baseConfig(id, this.clock, over));
    const n: NetNode = { id, node, storage, applied: [] };
    this.nodes.set(id, n);
    return n;
  }

  get(id: NodeId): NetNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /** Restart a node from its storage (its volatile state is lost). */
  async restart(id: NodeId, over: Overrides = {}): Promise<NetNode> {
    const old = this.get(id);
    this.queue = this.queue.filter((m) => m.to !== id);
    return this.add(id, old.storage, over);
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  hold(id: NodeId): void {
    this.holding.add(id);
  }

  release(id: NodeId): void {
    this.holding.delete(id);
    this.queue.push(...this.held.filter((m) => m.to === id));
    this.held = this.held.filter((m) => m.to !== id);
  }

  /** Persist, send, apply, advance: the agent's own Ready loop (src/agent/loop.ts). */
  async processReady(n: NetNode): Promise<void> {
    await drainReady(n.node, {
      persist: (rd) => n.storage.persist(rd),
      send: (messages) => {
        for (const m of messages) {
          if (this.cut.has(`${m.from}>${m.to}`)) continue;
          if (this.holding.has(m.to)) this.held.push(m);
          else this.queue.push(m);
        }
      },
      apply: (rd) => {
        n.applied.push(...rd.committedEntries);
      },
    });
  }

  /** Deliver messages (FIFO) and process Readys until nothing moves. */
  async settle(limit = 100_000): Promise<void> {
    for (let i = 0; i < limit; i++) {
      for (const n of this.nodes.values()) await this.processReady(n);
      const m = this.queue.shift();
      if (!m) return;
      const to = this.nodes.get(m.to);
      if (!to) continue;
      this.delivered.push(m);
      to.node.step(m);
    }
    throw new Error('network did not settle');
  }

  /** Tick the given nodes (default all) `n` times, advancing the clock by tickMs each time, settling. */
  async tick(n = 1, ids: NodeId[] = [...this.nodes.keys()]): Promise<void> {
    for (let i = 0; i < n; i++) {
      this.clock.now += 100;
      for (const id of ids) this.get(id).node.tick();
      await this.settle();
    }
  }

  /** Let stickiness lapse everywhere (no node campaigns: timeouts are 2*electionTick-1), then make
   * `id` campaign and settle. */
  async elect(id: NodeId, electionTick = 10): Promise<void> {
    await this.tick(electionTick);
    this.get(id).node.campaign();
    await this.settle();
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.node.status().role === 'leader').map((n) => n.id);
  }

  /** Drop all queued messages (a test can then inspect what a step produced via ready()). */
  clearQueue(): void {
    this.queue = [];
  }
}
