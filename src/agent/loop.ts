// THE Ready loop: the one place in the code base that runs persist -> send -> apply -> advance.
// The agent drives its Raft node through ReadyLoop; the simulator, the paper-test network, the raft
// bench and the ConfigMap raft test call drainReady with in-memory storage and transport below the
// seam, so what they check is what the agent runs. The order is src/raft/rawnode.ts's:
//
//   HARD STATE AND ENTRIES ARE PERSISTED BEFORE MESSAGES ARE SENT
//
// (Figure 2: "update stable storage before responding to RPCs"): a granted vote or an acknowledgement
// must never reach a peer before the state it vouches for is durable. A persist that fails stops the
// loop for good: the Ready is neither sent nor applied nor advanced, and the node must be restarted
// from what its storage really holds (docs/agent.md, "The Ready loop").
import type { Message } from '../raft/messages.ts';
import type { Ready, RawNode } from '../raft/rawnode.ts';

/** What the loop does with each Ready; the caller supplies the I/O below the seam. */
export interface ReadyStages {
  /** Sees each Ready before anything is done with it (invariant checks, metrics). */
  inspect?(rd: Ready): void;
  /** Makes the Ready durable (Storage.persist takes it as a PersistBatch). Resolves only when it is. */
  persist(rd: Ready): Promise<void>;
  /** After persist, before send. Returning false stops here (the simulator's crash between persist
   * and send); the Ready is then neither sent, applied nor advanced. */
  persisted?(rd: Ready): boolean | Promise<boolean>;
  /** Hands the messages to the transport. Must not wait for peers (a slow peer never blocks the loop). */
  send(messages: readonly Message[]): void;
  /** Applies rd.snapshot (if any), then rd.committedEntries in order, to the state machine. */
  apply(rd: Ready): void | Promise<void>;
  /** After advance(): a place to decide on compaction. */
  advanced?(): void;
}

/** How a drain ended: nothing left to do, or a `persisted` stage said stop. */
export type DrainOutcome = 'settled' | 'stopped';

/** Thrown when a node keeps producing Readys that advance() does not settle (a core bug). */
export class ReadyLoopStuckError extends Error {
  constructor(rounds: number) {
    super(`raft node keeps producing Readys: ${rounds} rounds without settling (advance() does not settle them)`);
    this.name = 'ReadyLoopStuckError';
  }
}

const MAX_ROUNDS = 1000;

/** Runs persist -> send -> apply -> advance for every Ready `node` has, until it has none. Rejects
 * (leaving the Ready un-advanced) when a stage does; the node must then be dropped. */
export async function drainReady(node: RawNode, stages: ReadyStages): Promise<DrainOutcome> {
  for (let rounds = 0; node.hasReady(); rounds++) {
    if (rounds >= MAX_ROUNDS) throw new ReadyLoopStuckError(rounds);
    const rd = node.ready();
    stages.inspect?.(rd);
    await stages.persist(rd);
    if (stages.persisted && !(await stages.persisted(rd))) return 'stopped';
    if (rd.messages.length > 0) stages.send(rd.messages);
    await stages.apply(rd);
    node.advance();
    stages.advanced?.();
  }
  return 'settled';
}

/**
 * Serialises drains for a node driven by timers and network events (the agent). Callers change the
 * node synchronously (tick, step, propose) and then kick(); at most one drain runs at a time, and
 * output produced while one runs is picked up by it. After a failed drain the loop is dead: kick()
 * does nothing and onFatal has been called once with the error.
 */
export class ReadyLoop {
  private running: Promise<void> | undefined;
  private error: Error | undefined;

  constructor(
    private readonly node: RawNode,
    private readonly stages: ReadyStages,
    private readonly onFatal: (err: Error) => void,
  ) {}

  /** The error that stopped the loop, if any. */
  get failed(): Error | undefined {
    return this.error;
  }

  /** Starts a drain unless one is running (which will see the new output) or the loop is dead. */
  kick(): void {
    if (this.running || this.error) return;
    this.running = this.drain();
  }

  /** Resolves once no drain is running (for tests and orderly shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      await drainReady(this.node, this.stages);
    } catch (err) {
      this.error = err instanceof Error ? err : new Error(String(err));
      this.running = undefined;
      this.onFatal(this.error);
      return;
    }
    this.running = undefined;
    // Output that arrived between the last hasReady() and here would otherwise wait for the next kick.
    if (this.node.hasReady()) this.kick();
  }
}
