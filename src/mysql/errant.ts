// Errant transactions: GTIDs a node has that the primary does not. Such a node must not be re-attached
// (its extra writes would be lost or diverge); status reports the GTIDs. For MariaDB the answer is as
// good as gtid_binlog_state allows; see docs/mysql.md ("MariaDB GTIDs").
import { subtract, type GtidSet } from './gtid.ts';
import { MariaGtidSet } from './gtid-mariadb.ts';
import type { MysqlNode } from './session.ts';
import { readStatus } from './status.ts';

/** Whether a node has transactions the primary lacks, which ones, and (MariaDB) proof of a forked history. */
export interface ErrantReport {
  errant: boolean;
  /** The node's GTIDs the primary lacks, formatted. */
  gtids: string;
  /** MariaDB only: GTIDs proving the histories forked (same seq passed with another server). */
  diverged: string[];
}

/** Pure: compare a node's executed set with the primary's. */
export function errantAgainst(node: GtidSet, primary: GtidSet): ErrantReport {
  const extra = subtract(node, primary);
  const diverged =
    primary instanceof MariaGtidSet && node instanceof MariaGtidSet
      ? primary.divergedFrom(node).map((g) => `${g.domain}-${g.server}-${g.seq}`)
      : [];
  return { errant: !extra.isEmpty(), gtids: extra.toString(), diverged };
}

/** Reads both servers and compares; each read is bounded by `timeoutMs`. */
export async function detectErrant(node: MysqlNode, primary: MysqlNode, timeoutMs: number): Promise<ErrantReport> {
  const [mine, theirs] = await Promise.all([
    node.run('read executed GTIDs', timeoutMs, readStatus),
    primary.run('read executed GTIDs', timeoutMs, readStatus),
  ]);
  return errantAgainst(mine.executed, theirs.executed);
}

/** MariaDB's IO error when the source's binlog lacks the GTID a replica asks to resume after (gtid_strict_mode):
 * the replica holds a transaction the source lost (term-row.ts explains how that can happen). */
export const POSITION_REFUSED = /error 1236.*(missing the GTID|not in the master's binlog)/i;
