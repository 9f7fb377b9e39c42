// Majority arithmetic over a set of voters (Figure 2: "a majority of servers").
import type { NodeId } from './types.ts';

/** The smallest number of n voters that is a majority. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

/** The largest value v such that a majority of voters have value(voter) >= v; 0 with no voters. */
export function quorumValue(voters: readonly NodeId[], value: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  const vals = voters.map(value).sort((a, b) => b - a);
  return vals[majority(voters.length) - 1]!;
}

/** An election's outcome so far: a majority granted, a majority refused, or neither yet. */
export type VoteResult = 'won' | 'lost' | 'pending';

/** Tally granted/refused votes among voters; responses from non-voters are ignored. */
export function tally(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  let granted = 0;
  let rejected = 0;
  for (const v of voters) {
    const g = votes.get(v);
    if (g === true) granted++;
    else if (g === false) rejected++;
  }
  const q = majority(voters.length);
  if (granted >= q) return 'won';
  if (rejected > voters.length - q) return 'lost';
  return 'pending';
}
