// Fault schedules: a list of actions run against the simulator, then a healing phase that checks
// liveness. fast-check generates and shrinks them; a failing one prints as JSON and replays exactly.
import fc from 'fast-check';
import { Simulator } from './sim.ts';
import type { NetConditions } from './sim.ts';

export type PartitionKind = 'minority' | 'majority' | 'isolate' | 'asymmetric' | 'ring' | 'bridge';

export type Action =
  /** Let time pass; with `load`, the leader gets a few proposals every 100 ms meanwhile. */
  | { kind: 'run'; ms: number; load: boolean }
  | { kind: 'propose'; count: number }
  | { kind: 'partition'; shape: PartitionKind; pick: number }
  | { kind: 'heal' }
  | { kind: 'crash'; node: number }
  | { kind: 'restart'; node: number }
  | { kind: 'crashAfterPersist'; node: number }
  | { kind: 'pause'; node: number }
  | { kind: 'resume'; node: number }
  | { kind: 'net'; loss: number; dup: number; maxDelayMs: number }
  | { kind: 'transfer'; node: number }
  | { kind: 'member'; op: 'addLearner' | 'promote' | 'remove'; node: number }
  | { kind: 'ineligible'; node: number }
  | { kind: 'lagging'; node: number };

export interface Schedule {
  seed: number;
  voters: 3 | 5 | 7;
  actions: Action[];
}

export interface ScheduleResult {
  livenessMs: number;
  applied: number;
  leaders: number;
  events: number;
}

/** Liveness bound after healing, in election timeouts. */
export const LIVENESS_ELECTION_TIMEOUTS = 30;

export async function runSchedule(s: Schedule, opts: { compactAfter?: number } = {}): Promise<ScheduleResult> {
  const sim = await Simulator.create({
    seed: s.seed,
    voters: s.voters,
    spares: 2,
    compactAfter: opts.compactAfter ?? 8,
  });
  // Node -1 names the current leader (most faults are interesting when they hit it).
  const id = (k: number) => (k < 0 ? (sim.leader()?.id ?? sim.ids[0]!) : sim.ids[k % sim.ids.length]!);
  await sim.runUntil(() => sim.leader() !== undefined, 5000);
  for (const a of s.actions) await apply(sim, a, id);
  const bound = LIVENESS_ELECTION_TIMEOUTS * sim.o.electionTick * sim.o.tickMs;
  const live = await sim.healAndCommit(bound);
  sim.finalCheck();
  if (!live.ok)
    throw new Error(
      `liveness: no leader committed a proposal within ${bound} ms after healing (${JSON.stringify(statusOf(sim))})`,
    );
  const st = sim.checker.stats();
  return { livenessMs: live.elapsedMs, applied: st.applied, leaders: st.leaders, events: sim.stats.events };
}

function statusOf(sim: Simulator): unknown {
  return sim.up().map((n) => {
    const s = n.node!.status();
    return {
      id: n.id,
      role: s.role,
      term: s.term,
      lead: s.lead,
      commit: s.commit,
      last: s.lastIndex,
      voters: s.conf.voters,
      learners: s.conf.learners,
    };
  });
}

/** The actions aimed at one node (`node` -1 names the leader). */
type NodeAction = Extract<Action, { node: number }>;

async function apply(sim: Simulator, a: Action, id: (k: number) => string): Promise<void> {
  if ('node' in a) return applyToNode(sim, a, id(a.node));
  switch (a.kind) {
    case 'run':
      return run(sim, a.ms, a.load);
    case 'propose':
      for (let i = 0; i < a.count; i++) await sim.propose();
      return;
    case 'partition':
      return partition(sim, a.shape, a.pick);
    case 'heal':
      return sim.heal();
    case 'net': {
      const c: NetConditions = { loss: a.loss, dup: a.dup, minDelayMs: 1, maxDelayMs: a.maxDelayMs };
      sim.net = c;
      return;
    }
    default: {
      const never: never = a;
      throw new Error(`unknown action ${JSON.stringify(never)}`);
    }
  }
}

/** Lets `ms` pass; with `load`, the leader gets two proposals every 100 ms meanwhile. */
async function run(sim: Simulator, ms: number, load: boolean): Promise<void> {
  if (!load) return sim.run(ms);
  for (let left = ms; left > 0; left -= 100) {
    await sim.propose();
    await sim.propose();
    await sim.run(Math.min(100, left));
  }
}

async function applyToNode(sim: Simulator, a: NodeAction, node: string): Promise<void> {
  switch (a.kind) {
    case 'crash':
      return sim.crash(node);
    case 'restart':
      return sim.restart(node);
    case 'crashAfterPersist':
      sim.get(node).crashAfterPersist = true;
      return;
    case 'pause':
      return sim.pause(node);
    case 'resume':
      return sim.resume(node);
    case 'transfer':
      await sim.transfer(node);
      return;
    case 'member':
      await sim.confChange({ type: a.op, node });
      return;
    case 'ineligible':
      sim.get(node).eligible = false;
      return;
    case 'lagging':
      sim.get(node).lagging = true;
      return;
    default: {
      const never: never = a;
      throw new Error(`unknown action ${JSON.stringify(never)}`);
    }
  }
}

function partition(sim: Simulator, shape: PartitionKind, pick: number): void {
  const ids = [...sim.ids];
  const rot = ((pick % ids.length) + ids.length) % ids.length;
  const order = [...ids.slice(rot), ...ids.slice(0, rot)];
  switch (shape) {
    case 'minority':
    case 'majority':
      return splitAroundLeader(sim, shape, order);
    case 'isolate':
      return sim.isolate(sim.leader()?.id ?? order[0]!);
    case 'asymmetric': {
      // The leader can send but not receive (its heartbeats arrive; nothing comes back).
      const l = sim.leader()?.id ?? order[0]!;
      for (const x of ids) if (x !== l) sim.blocked.add(`${x}>${l}`);
      return;
    }
    case 'ring':
      return sim.ring();
    case 'bridge': {
      // One follower loses the leader but keeps everyone else (the partial partition that
      // PreVote plus stickiness must survive without a second lease).
      const l = sim.leader()?.id;
      const f = order.find((x) => x !== l)!;
      if (l) sim.split([l], [f]);
      return;
    }
    default: {
      const never: never = shape;
      throw new Error(`unknown partition ${String(never)}`);
    }
  }
}

/** Splits the nodes in two halves; the leader ends up on the named side when there is one. */
function splitAroundLeader(sim: Simulator, shape: 'minority' | 'majority', order: string[]): void {
  const ids = [...sim.ids];
  const half = Math.floor(ids.length / 2);
  const l = sim.leader()?.id;
  const rest = order.filter((x) => x !== l);
  const small = shape === 'minority' && l ? [l, ...rest.slice(0, half - 1)] : rest.slice(0, half);
  sim.split(
    small,
    ids.filter((x) => !small.includes(x)),
  );
}

// ---- fast-check arbitraries -----------------------------------------------------------------------

const node = fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 8 }));

export const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('run' as const),
      ms: fc.integer({ min: 50, max: 2500 }),
      load: fc.boolean(),
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('propose' as const), count: fc.integer({ min: 1, max: 5 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('partition' as const),
      shape: fc.constantFrom<PartitionKind>(
        'minority',
        'majority',
        'isolate',
        'asymmetric',
        'ring',
        'bridge',
        'bridge',
      ),
      pick: node,
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'heal' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('crash' as const), node }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('restart' as const), node }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('crashAfterPersist' as const), node }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pause' as const), node }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resume' as const), node }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('net' as const),
      loss: fc.constantFrom(0, 0.05, 0.2),
      dup: fc.constantFrom(0, 0.05, 0.2),
      maxDelayMs: fc.constantFrom(5, 50, 300),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('transfer' as const), node }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('member' as const),
      op: fc.constantFrom('addLearner' as const, 'promote' as const, 'remove' as const),
      node,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ineligible' as const), node }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lagging' as const), node }) },
);

export const scheduleArb: fc.Arbitrary<Schedule> = fc.record({
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  voters: fc.constantFrom<3 | 5 | 7>(3, 3, 5, 5, 7),
  actions: fc.array(actionArb, { minLength: 1, maxLength: 14 }),
});
