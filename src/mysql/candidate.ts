// Choosing the failover candidate: a pure function over status snapshots (observe -> decide -> act).
// The candidate must have received everything any other reachable, non-errant replica received, so
// that promoting it loses no acknowledged transaction; otherwise it refuses and says why.
import { contains, missingFrom, union, type GtidSet } from './gtid.ts';
import type { StatusSnapshot } from './status.ts';

/** One replica as observed for the candidate choice. */
export interface Observed {
  name: string;
  /** null when the node could not be read (unreachable, timed out). */
  status: StatusSnapshot | null;
  /** Set by the caller when errant detection flagged the node. */
  errant?: boolean;
}

/** The chosen candidate, why, and the GTIDs it must apply before promotion; or a refusal that says why. */
export type Decision =
  { ok: true; candidate: string; reason: string; mustApply: GtidSet } | { ok: false; reason: string };

/** What a node would have once its relay log is applied. */
function have(s: StatusSnapshot): GtidSet {
  return union(s.executed, s.retrieved);
}

/** What else chooseCandidate must respect: the old primary's semi-sync ack count. */
export interface ChooseOptions {
  /**
   * The semi-sync wait count the old primary committed with: every acknowledged transaction reached at
   * least this many of `nodes`. Unless more than `nodes.length - ackCount` non-errant replicas are
   * observed, the ones that acknowledged a write may all be unreachable, so the choice is refused.
   */
  ackCount?: number;
}

/**
 * The replica to promote: one whose received GTIDs cover every other reachable non-errant replica's (fewest left
 * to apply, then by name). Refuses while an IO thread still runs, when none qualifies, or when ackCount says too
 * few replicas were observed.
 */
export function chooseCandidate(nodes: readonly Observed[], opts: ChooseOptions = {}): Decision {
  const live = nodes.filter((n) => n.status !== null);
  const stillReceiving = live.filter((n) => n.status?.replica?.ioRunning !== 'no' && n.status?.replica !== null);
  if (stillReceiving.length > 0) {
    return {
      ok: false,
      reason: `IO thread still running on ${stillReceiving.map((n) => n.name).join(', ')}: revoke first`,
    };
  }
  const eligible = live.filter((n) => !n.errant);
  const down = nodes.filter((n) => n.status === null).map((n) => n.name);
  if (eligible.length === 0) {
    return { ok: false, reason: `no reachable non-errant replica (unreachable: ${down.join(', ') || 'none'})` };
  }
  if (opts.ackCount !== undefined) {
    const needed = nodes.length - opts.ackCount + 1;
    if (eligible.length < needed) {
      return {
        ok: false,
        reason:
          `only ${eligible.length} of ${nodes.length} replicas observed and non-errant, need ${needed} ` +
          `(each acknowledged write reached ${opts.ackCount}; unreachable: ${down.join(', ') || 'none'}): an acknowledged write may exist only on replicas not observed`,
      };
    }
  }
  const all = eligible.map((n) => ({ name: n.name, set: have(n.status!), status: n.status! }));
  const covering = all.filter((c) => all.every((o) => contains(c.set, o.set)));
  if (covering.length === 0) {
    const [a, b] = all;
    const detail =
      a && b
        ? `${a.name} lacks ${missingFrom(a.set, b.set) || '-'} of ${b.name}; ${b.name} lacks ${missingFrom(b.set, a.set) || '-'} of ${a.name}`
        : '';
    return { ok: false, reason: `no replica has every transaction the others received: ${detail}` };
  }
  // Among equals, prefer the one with least to apply, then the name (deterministic).
  covering.sort((x, y) => {
    const lx = missingFrom(x.status.executed, x.set).length;
    const ly = missingFrom(y.status.executed, y.set).length;
    return lx - ly || x.name.localeCompare(y.name);
  });
  const pick = covering[0]!;
  const skipped = nodes
    .filter((n) => n.status === null || n.errant)
    .map((n) => `${n.name} (${n.status === null ? 'unreachable' : 'errant'})`);
  return {
    ok: true,
    candidate: pick.name,
    mustApply: pick.set,
    reason:
      `${pick.name} has received every transaction of ${all.map((c) => c.name).join(', ')}` +
      (skipped.length ? `; ignored ${skipped.join(', ')}` : ''),
  };
}
