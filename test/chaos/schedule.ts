// The nemesis schedule of a chaos run, drawn from its seed: which faults, in which order, held how long,
// with how much quiet between them. Pure, so a printed seed replays the same run's faults exactly.
import { Rng } from '../support/rng.ts';

/** Every fault the harness injects (docs/chaos.md describes each). */
export const FAULT_KINDS = [
  'kill-mysqld', // kill -9 the primary's mysqld
  'kill-agent', // kill -9 the primary's agent
  'kill-pod', // kubectl delete pod <primary> (graceful: preStop handover)
  'stop-primary', // SIGSTOP the primary's mysqld and agent past the election timeout, then SIGCONT
  'partition-primary', // cut the primary from the other nodes (Raft and replication), clients still reach it
  'partition-heal-mid-failover', // as above, healed while the majority is electing
  'apiserver-down', // the API server stops answering for a while
  'restart-cluster', // every pod deleted at once
  'switchover-storm', // several switchover requests in a row
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

/** One planned fault. `holdMs` is how long it lasts where that applies; `quietMs` the pause after recovery. */
export interface PlannedFault {
  index: number;
  kind: FaultKind;
  holdMs: number;
  quietMs: number;
}

/** How long each kind is held, as [min, max] ms, relative to the election timeout where it must outlast it. */
function holdRange(kind: FaultKind, electionTimeoutMs: number): [number, number] {
  switch (kind) {
    case 'stop-primary':
    case 'partition-primary':
      return [electionTimeoutMs + 1000, electionTimeoutMs * 2 + 2000];
    case 'partition-heal-mid-failover':
      return [Math.round(electionTimeoutMs * 0.8), electionTimeoutMs + 1500];
    case 'apiserver-down':
      return [5000, 15_000];
    case 'switchover-storm':
      return [3, 5]; // requests in the storm, not ms
    default:
      return [0, 0];
  }
}

/**
 * A schedule of `count` faults. The first `FAULT_KINDS.length` cover every kind once in a seeded order
 * (so a short CI run still sees different kinds); the rest are drawn uniformly. `only` narrows the kinds.
 */
export function planFaults(
  seed: number,
  count: number,
  electionTimeoutMs: number,
  only: readonly FaultKind[] = FAULT_KINDS,
): PlannedFault[] {
  if (only.length === 0) throw new Error('planFaults: no fault kinds to choose from');
  const rng = new Rng(seed);
  const firstRound = rng.shuffle([...only]);
  const out: PlannedFault[] = [];
  for (let index = 0; index < count; index++) {
    const kind = index < firstRound.length ? firstRound[index]! : rng.pick(only);
    const [lo, hi] = holdRange(kind, electionTimeoutMs);
    out.push({ index, kind, holdMs: rng.int(lo, hi), quietMs: rng.int(2000, 6000) });
  }
  return out;
}

/** Parses `--faults a,b` into kinds, naming what is allowed when a name is wrong. */
export function parseFaultKinds(text: string): FaultKind[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(FAULT_KINDS as readonly string[]).includes(n))
      throw new Error(`--faults: unknown fault "${n}"; allowed: ${FAULT_KINDS.join(', ')}`);
  }
  return names as FaultKind[];
}
