// The GTID half of a vote: does the candidate hold everything this voter vouches for? Pure, shared by
// the vote predicate and the vote guard (controller.ts), table-tested in test/agent/controller-vote.test.ts.
//
// A voter vouches for everything it received (executed + relay log): a write it acknowledged is among
// it, so a candidate lacking any of it must not win with this vote (docs/failover.md, invariant 2).
//
// An errant voter (it found itself holding transactions the primary lacks, and stays detached) vouches
// only for the part of its set the primary also held when checked. Without this it refuses every
// candidate, since none has its errant transactions, and with one node errant and another gone no
// election completes. Why ignoring the errant part cannot lose an acknowledged write:
//   - the primary holds every acknowledged write: those of earlier terms (it was elected holding all a
//     voter received, and drained its relay log before its record) and those of its own term (it
//     executed them), so a GTID the primary lacks was never acknowledged to anyone;
//   - an errant node is never re-attached, so after the check it receives nothing new that could be
//     acknowledged and then mistaken for errant;
//   - the reference may be read later than the check: the primary's set only grows, which makes the
//     vouched part larger and the check stricter, never looser.
// The non-errant part is still checked in full. Without a reference (not checked yet, or the primary
// could not be read) the whole set counts, as before: fail closed.
import { contains, missingFrom, subtract, MariaGtidSet, type GtidSet } from '../mysql/index.ts';

/** What the voter holds that `primary` also held: the voter's set without its errant part. MariaDB
 * lists are per domain and server the last seq seen, so this is the pointwise minimum there. */
export function vouchedPart(mine: GtidSet, primary: GtidSet): GtidSet {
  if (mine instanceof MariaGtidSet && primary instanceof MariaGtidSet)
    return MariaGtidSet.of(
      mine
        .gtids()
        .map((g) => {
          const theirs = primary.seqOf(g.domain, g.server);
          return { ...g, seq: theirs < g.seq ? theirs : g.seq };
        })
        .filter((g) => g.seq >= 0n),
    );
  return subtract(mine, subtract(mine, primary));
}

/**
 * true when `candidate` holds everything this voter vouches for: all of `mine`, or, for a voter known
 * to be errant against a primary whose set was `errantAgainst`, the part of `mine` that primary held
 * (see the top of this file). Otherwise the refusal's reason. Throws when the kinds differ.
 */
export function candidateHolds(candidate: GtidSet, mine: GtidSet, errantAgainst?: GtidSet): true | string {
  const vouched = errantAgainst ? vouchedPart(mine, errantAgainst) : mine;
  if (contains(candidate, vouched)) return true;
  return `candidate lacks ${missingFrom(candidate, vouched)}${errantAgainst ? ' (errant transactions not counted)' : ''}`;
}
