// The term row, acknowledged (docs/failover.md, "The term row"). A new primary used to write its row
// `mysqlraft.term(term, leader, server)` before any replica was attached, so if it died before a
// replica fetched the row it came back errant. Now:
//   1. prepareSource: replication reset, semi-sync source side on, read_only stays ON for clients;
//   2. the `primary = self @ term` record is proposed with the GTID set G_T it has now;
//   3. once the record is committed and a semi-sync replica is attached, the row is written (it
//      waits for an acknowledgement, AFTER_SYNC) and only when a peer has received it does the
//      node become writable. No client write can precede an acknowledged term row.
// A node that dies between writing the row and any replica receiving it was therefore never
// writable in that term: everything it executed after G_T is the agent's own term-row step. The
// rejoin check (discardableTermRow) recognises exactly that case (the current primary has no row for
// that term, and the extra GTIDs all follow G_T) and rewindTermRow drops it instead of calling the
// node errant. Any other extra transaction is still errant: never re-attached, never promoted.
import {
  applySemiSync,
  contains,
  parseGtid,
  PreconditionFailedError,
  missingFrom,
  MysqlError,
  readStatus,
  StatementFailedError,
  status,
  subtract,
  TERM_TABLE,
  union,
  writeTermRow,
  type GtidSet,
  type MysqlNode,
} from '../mysql/index.ts';
import type { ActContext } from './act.ts';

/** Step 1: stop and forget replication, semi-sync source side on; read_only stays ON. Throws
 * PreconditionFailedError, changing nothing, unless everything `received` is executed. */
export async function prepareSource(c: ActContext, received: GtidSet, mariadb: boolean): Promise<void> {
  await c.side.own.run('prepare primary', c.timeoutMs, async (s) => {
    const executed = (await readStatus(s)).executed;
    if (!contains(executed, received))
      throw new PreconditionFailedError(`promotion refused: not yet executed: ${missingFrom(executed, received)}`);
    await s.query(s.flavor.stopReplica);
    await s.query(s.flavor.resetReplicaAll);
    await applySemiSync(s, {
      role: 'source',
      fallbackAfterMs: c.semiSync.fallbackAfterMs,
      // MariaDB always waits for exactly one acknowledgement (docs/mysql.md).
      waitCount: mariadb ? 1 : c.semiSync.waitCount,
    });
  });
}

/** How far step 3 is. */
export type TermRowProgress = 'waiting-for-record' | 'waiting-for-replica' | 'written' | 'acknowledged';

/**
 * Step 3, one round at a time: waits for our record to commit and a semi-sync replica to attach,
 * writes the row once (the write itself waits for the acknowledgement; a timeout leaves it in the
 * binlog), then reports `acknowledged` once some peer has received everything we executed.
 */
export async function advanceTermRow(c: ActContext, term: number): Promise<TermRowProgress> {
  const m = c.memory;
  await forgetCutTermRow(c, term);
  if (m.termRowAcked === term) return 'acknowledged';
  const p = c.state().primary;
  if (p?.pod !== c.self || p.term !== term) return 'waiting-for-record';
  // With a fallback to async allowed (spec.semiSync.timeout), semi-sync off, or no other member, the
  // write is its own acknowledgement: the user accepted that a write may be on one node only. It is
  // written with the source side off (nobody may be there to acknowledge; rewritable() turns it on).
  const noAck = c.semiSync.fallbackAfterMs !== 'never' || c.semiSync.enabled === false || c.peers().length === 0;
  if (m.termRowWritten !== term) {
    if (noAck) {
      await writeRow(c, term, true);
      m.termRowWritten = m.termRowAcked = term;
      return 'acknowledged';
    }
    const own = await status(c.side.own, c.timeoutMs);
    if (own.semiSync.clients < 1) return 'waiting-for-replica';
    m.termRowWritten = term;
    try {
      await writeRow(c, term, false);
    } catch (err) {
      // A timeout is the write waiting for its acknowledgement (it is in the binlog): the peers' GTIDs
      // below tell when it arrived. Anything else means it was not written: try again next round.
      if (!(err instanceof MysqlError && err.kind === 'timeout')) m.termRowWritten = undefined;
      throw err;
    }
  }
  const executed = (await status(c.side.own, c.timeoutMs)).executed;
  if (!(await somePeerHolds(c, executed))) return 'written';
  m.termRowAcked = term;
  return 'acknowledged';
}

/** Whether a peer has received all of `executed`, answered by the first peer that has: an unreachable
 * one (the old primary, cut off) must not hold every poll of the promotion for its timeout (it did:
 * ~1 s of each silent-loss failover). Nor must it hold a poll whose answer is "not yet": a peer whose
 * address has been silent (the leader watch's probes timed out) is not asked, unless every peer's is
 * (before, a poll that came before the new replica's acknowledgement waited 1 s for the cut-off one). */
export function somePeerHolds(c: ActContext, executed: GtidSet): Promise<boolean> {
  const all = c.peers();
  const heard = all.filter((pod) => !c.addressSilent?.(pod));
  const peers = heard.length > 0 ? heard : all;
  if (peers.length === 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    let left = peers.length;
    for (const pod of peers)
      void received(c, pod).then((r) => {
        if (r && contains(r, executed)) resolve(true);
        else if (--left === 0) resolve(false);
      });
  });
}

/**
 * Fencing by crash cuts an unacknowledged (or acknowledged but uncommitted) term row from the binlog
 * and the table; memory would still say it was written, and the node would go writable without it
 * (seen in a 30-minute chaos run: the writes of three terms read an older term). So check it is there.
 */
async function forgetCutTermRow(c: ActContext, term: number): Promise<void> {
  const m = c.memory;
  if (m.termRowWritten !== term && m.termRowAcked !== term) return;
  if (await hasTermRow(c.side.own, term, c.self, c.timeoutMs)) return;
  c.log.warn({ term }, 'our term row is gone (cut by crash recovery): writing it again');
  m.termRowWritten = m.termRowAcked = undefined;
}

async function writeRow(c: ActContext, term: number, sourceOff: boolean): Promise<void> {
  await c.side.own.run('write the term row', c.timeoutMs, async (s) => {
    if (sourceOff) await applySemiSync(s, { role: 'replica' });
    // read_only stays ON for clients; the agent's own account may write (MySQL: super_read_only off).
    if (s.flavor.superReadOnly) await s.query('SET GLOBAL super_read_only = OFF');
    await writeTermRow(s, term, c.self);
  });
}

async function received(c: ActContext, pod: string): Promise<GtidSet | null> {
  const node = c.side.peer(pod);
  if (!node) return null;
  try {
    const s = await status(node, Math.min(c.timeoutMs, 1000));
    return union(s.executed, s.retrieved);
  } catch {
    return null;
  }
}

/** What the rejoin check knows. */
export interface RejoinFacts {
  /** Our executed GTIDs, and the primary's. */
  own: GtidSet;
  primary: GtidSet;
  /** Our latest `primary` record in the log (term and the GTID set before its term row), if any. */
  record: { term: number; gtid: GtidSet } | undefined;
  /** The primary holds the term row of `record.term` written by us. */
  primaryHasOurTermRow: boolean;
}

/**
 * Pure: our extra GTIDs are exactly an unacknowledged term-row step, safe to drop. True only when we
 * have a record, the primary lacks its term row (so it never reached a replica, so we never became
 * writable in that term), and every extra GTID follows the record's set.
 */
export function discardableTermRow(f: RejoinFacts): boolean {
  const extra = subtract(f.own, f.primary);
  if (extra.isEmpty() || !f.record || f.primaryHasOurTermRow) return false;
  const after = subtract(f.own, f.record.gtid);
  return subtract(extra, after).isEmpty() && contains(f.own, f.record.gtid);
}

/** Whether `node` holds the row of `term` written by `leader` (no schema or table yet counts as no). */
async function hasTermRow(node: MysqlNode, term: number, leader: string, timeoutMs: number): Promise<boolean> {
  return node.run('read the term row', timeoutMs, async (s) => {
    const rows = await s
      .query(`SELECT 1 AS x FROM ${TERM_TABLE} WHERE term = ? AND leader = ?`, [term, leader])
      .catch((err: unknown) => {
        // ER_NO_SUCH_TABLE / ER_BAD_DB_ERROR: no row either.
        if (err instanceof StatementFailedError && (err.errno === 1146 || err.errno === 1049)) return [];
        throw err;
      });
    return rows.length > 0;
  });
}

/** Our rejoin facts against `primary`. */
export async function rejoinFacts(c: ActContext, primary: MysqlNode): Promise<RejoinFacts> {
  const [own, theirs] = await Promise.all([status(c.side.own, c.timeoutMs), status(primary, c.timeoutMs)]);
  const r = c.state().records[c.self];
  const record = r ? { term: r.term, gtid: parseGtid(own.executed.kind, r.gtid, 'record gtid') } : undefined;
  return {
    own: own.executed,
    primary: theirs.executed,
    record,
    primaryHasOurTermRow: record ? await hasTermRow(primary, record.term, c.self, c.timeoutMs) : false,
  };
}

const RESET_BINLOG: Record<string, string> = {
  mariadb: 'RESET MASTER',
  mysql80: 'RESET MASTER',
  mysql84: 'RESET BINARY LOGS AND GTIDS',
};

/** Drops the unacknowledged term-row step: the row itself (not binlogged), then the GTID history is
 * set back to the record's set (binlog reset; MariaDB gtid_binlog_state, MySQL gtid_purged). */
export async function rewindTermRow(c: ActContext, record: { term: number; gtid: GtidSet }): Promise<void> {
  await c.side.own.run('discard the unacknowledged term row', c.timeoutMs, async (s) => {
    const f = s.flavor;
    await s.query(f.stopReplica);
    await s.query('SET SESSION sql_log_bin = 0');
    await s.query('DELETE FROM mysqlraft.term WHERE term = ? AND leader = ?', [record.term, c.self]);
    await s.query('SET SESSION sql_log_bin = 1');
    await s.query(RESET_BINLOG[f.name] ?? 'RESET MASTER');
    if (f.gtidKind === 'mariadb') {
      await s.query('SET GLOBAL gtid_binlog_state = ?', [record.gtid.toString()]);
      await s.query('SET GLOBAL gtid_slave_pos = @@GLOBAL.gtid_binlog_pos');
    } else await s.query('SET GLOBAL gtid_purged = ?', [record.gtid.toString()]);
  });
}
