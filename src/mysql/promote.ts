// Promotion: stop replicating, forget the old source, turn on the semi-sync source side, then (and only
// then) accept writes. Idempotent: promoting a primary again changes nothing.
import { PreconditionFailedError } from './mysql-errors.ts';
import { contains, missingFrom, type GtidSet } from './gtid.ts';
import type { MysqlNode } from './session.ts';
import { applySemiSync } from './semisync.ts';
import { readStatus } from './status.ts';
import { writeTermRow } from './term-row.ts';

/** Promotion settings: what must already be executed, and the semi-sync source side's fallback and wait count. */
export interface PromoteInput {
  /** Refuse unless everything in this set is executed here (e.g. what the node had received). */
  requireExecuted?: GtidSet;
  /** Semi-sync fallback; 'never' by default. */
  fallbackAfterMs?: 'never' | number;
  waitCount?: number;
  /** Write the term row (term-row.ts) after replication is reset and before the semi-sync source side
   * is on and the server writable: it is the first transaction of the new primary's term. */
  termRow?: { term: number; leader: string };
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
    if (input.termRow) {
      // Not acknowledged by anyone (no replica is attached yet): the source side is still off here,
      // so the row cannot wait for an ack that will never come. read_only stays ON for clients.
      await applySemiSync(s, { role: 'replica' });
      if (f.superReadOnly) await s.query('SET GLOBAL super_read_only = OFF');
      await writeTermRow(s, input.termRow.term, input.termRow.leader);
    }
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
