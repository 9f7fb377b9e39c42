// The failover primitive sequence after the primary is lost: revoke -> observe -> choose -> wait ->
// promote -> repoint. The agent runs these steps from Raft decisions; bench/mysql.ts times them and the
// tests check that no acknowledged write is lost. See docs/mysql.md ("Failover").
import { chooseCandidate, type Observed } from './candidate.ts';
import { MysqlError, PreconditionFailedError } from './mysql-errors.ts';
import { promote } from './promote.ts';
import { pointAt, stopIo, waitApplied } from './replication.ts';
import type { MysqlNode } from './session.ts';
import { status } from './status.ts';

/** One replica taking part in a failover, with the address the others would replicate from. */
export interface FailoverMember {
  name: string;
  node: MysqlNode;
  /** Address replicas use to reach this node. */
  host: string;
  port: number;
  errant?: boolean;
}

/** The replicas of a lost primary, the replication account to repoint them with, and a per-step timeout. */
export interface FailoverInput {
  replicas: FailoverMember[];
  replicationUser: string;
  replicationPassword: string;
  /** Per-step timeout. */
  timeoutMs: number;
  /** The old primary's semi-sync wait count; when set, too few observed replicas refuse (chooseCandidate). */
  ackCount?: number;
}

/** The promoted replica and why, which replicas follow it now, which were unreachable, each step's time in ms. */
export interface FailoverResult {
  candidate: string;
  reason: string;
  repointed: string[];
  unreachable: string[];
  stepsMs: { revoke: number; choose: number; wait: number; promote: number; repoint: number };
}

async function reachable<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    if (
      err instanceof MysqlError &&
      (err.kind === 'unreachable' || err.kind === 'timeout' || err.kind === 'connection-lost')
    )
      return null;
    throw err;
  }
}

/**
 * Revokes every replica, chooses a candidate, waits until it applied what it must, promotes it and repoints the
 * reachable non-errant others. Throws PreconditionFailedError when the choice is refused; unreachable replicas are
 * skipped.
 */
export async function failover(input: FailoverInput): Promise<FailoverResult> {
  const { timeoutMs } = input;
  const mark = (() => {
    let t = performance.now();
    return () => {
      const n = performance.now();
      const d = n - t;
      t = n;
      return d;
    };
  })();
  // Revoke everywhere first: from here on no replica acknowledges the old primary.
  const revoked = await Promise.all(input.replicas.map((m) => reachable(stopIo(m.node, timeoutMs).then(() => true))));
  const revoke = mark();
  const snaps = await Promise.all(
    input.replicas.map((m, i) => (revoked[i] ? reachable(status(m.node, timeoutMs)) : Promise.resolve(null))),
  );
  const observed: Observed[] = input.replicas.map((m, i) => ({
    name: m.name,
    status: snaps[i] ?? null,
    errant: m.errant ?? false,
  }));
  const decision = chooseCandidate(observed, input.ackCount === undefined ? {} : { ackCount: input.ackCount });
  if (!decision.ok) throw new PreconditionFailedError(`failover refused: ${decision.reason}`);
  const choose = mark();
  const cand = input.replicas.find((m) => m.name === decision.candidate)!;
  await waitApplied(cand.node, decision.mustApply, timeoutMs);
  const wait = mark();
  await promote(cand.node, { requireExecuted: decision.mustApply }, timeoutMs);
  const promoteMs = mark();
  const others = input.replicas.filter((m, i) => m !== cand && observed[i]!.status !== null && !m.errant);
  await Promise.all(
    others.map((m) =>
      pointAt(
        m.node,
        {
          host: cand.host,
          port: cand.port,
          replicationUser: input.replicationUser,
          replicationPassword: input.replicationPassword,
        },
        timeoutMs,
      ),
    ),
  );
  const repoint = mark();
  return {
    candidate: cand.name,
    reason: decision.reason,
    repointed: others.map((m) => m.name),
    unreachable: observed.filter((o) => o.status === null).map((o) => o.name),
    stepsMs: { revoke, choose, wait, promote: promoteMs, repoint },
  };
}
