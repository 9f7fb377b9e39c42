// Promotion: stop replicating, forget the old source, turn on the semi-sync source side, then (and only
// then) accept writes. Idempotent: promoting a primary again changes nothing.
import { PreconditionFailedError } from './mysql-errors.ts';
import { contains, missingFrom, type GtidSet } from './gtid.ts';
import type { MysqlNode } from './session.ts';
import { applySemiSync } from './semisync.ts';
import { readStatus } from './status.ts';

/** Promotion settings: what must already be executed, and the semi-sync source side's fallback and wait count. */
export interface PromoteInput {
  /** Refuse unless everything in this set is executed here (e.g. what the node had received). */
  requireExecuted?: GtidSet;
  /** Semi-sync fallback; 'never' by default. */
  fallbackAfterMs?: 'never' | number;
  waitCount?: number;
}

/**
 * Makes the node a writable primary: stops and forgets replication, enables the semi-sync source side, then turns
 * read-only off. Throws PreconditionFailedError, changing nothing, when `requireExecuted` is not all executed.
 */
export async function promote(node: MysqlNode, input: PromoteInput, timeoutMs: number): Promise<void> {
  await node.run('promote', timeoutMs, async (s) => {
    const f = s.flavor;
    if (input.requireExecuted) {
      const executed = (await readStatus(s)).executed;
      if (!contains(executed, input.requireExecuted)) {
        throw new PreconditionFailedError(
          `promote refused: not yet executed: ${missingFrom(executed, input.requireExecuted)}`,
          node.target,
        );
      }
    }
    await s.query(f.stopReplica);
    await s.query(f.resetReplicaAll);
    await applySemiSync(s, {
      role: 'source',
      fallbackAfterMs: input.fallbackAfterMs ?? 'never',
      waitCount: input.waitCount ?? 1,
    });
    if (f.offlineMode) await s.query('SET GLOBAL offline_mode = OFF');
    if (f.superReadOnly) await s.query('SET GLOBAL super_read_only = OFF');
    await s.query('SET GLOBAL read_only = OFF');
  });
}
