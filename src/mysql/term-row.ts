// The project's own schema `mysqlraft`: one row per Raft term in which this server became primary
// (term, leader pod, server uuid or id, time), written before the server accepts writes, so that every
// transaction in the binlog follows the row of the term that allowed it (docs/failover.md).
import { MariaGtidSet } from './gtid-mariadb.ts';
import type { Session } from './session.ts';

/** The project's own schema. */
export const TERM_SCHEMA = 'mysqlraft';
/** The table of terms, schema-qualified. */
export const TERM_TABLE = `${TERM_SCHEMA}.term`;

/** Each term's transactions of one MariaDB server start at this sequence number or later (termSeqFloor). */
export const TERM_SEQ_SHIFT = 32n;

/**
 * MariaDB numbers a server's transactions per domain; after crash recovery as a replica cut an
 * unacknowledged tail from the binlog (flavor.ts, crashRecoveryAsReplica), the next transaction would
 * reuse a cut one's number. A replica that had received the cut transaction would then hold a different
 * transaction under the same GTID, look caught up, and silently skip the new one. So a new primary's
 * first transaction of a term jumps to `term << 32` (at least): no number is ever reused across terms,
 * and such a replica asks for a GTID the primary does not have, which MariaDB refuses (error 1236)
 * instead of skipping anything.
 */
export function termSeqFloor(term: number): bigint {
  return BigInt(term) << TERM_SEQ_SHIFT;
}

async function jumpSeqToTerm(s: Session, term: number): Promise<void> {
  if (s.flavor.gtidKind !== 'mariadb') return;
  const domain = Number((await s.scalar('SELECT @@SESSION.gtid_domain_id')) ?? 0);
  const pos = MariaGtidSet.parse(String((await s.scalar('SELECT @@GLOBAL.gtid_binlog_pos')) ?? ''), 'gtid_binlog_pos');
  const last = pos.head(domain)?.seq ?? 0n;
  const floor = termSeqFloor(term);
  if (floor > last) await s.query(`SET SESSION gtid_seq_no = ${floor.toString()}`);
}

/** Records that `leader` became primary in `term` on this server; idempotent per term. */
export async function writeTermRow(s: Session, term: number, leader: string): Promise<void> {
  await jumpSeqToTerm(s, term);
  await s.query(`CREATE DATABASE IF NOT EXISTS ${TERM_SCHEMA}`);
  await s.query(
    `CREATE TABLE IF NOT EXISTS ${TERM_TABLE} (term BIGINT UNSIGNED PRIMARY KEY, leader VARCHAR(253) NOT NULL, ` +
      'server VARCHAR(64) NOT NULL, at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB',
  );
  const server = String((await s.scalar('SELECT @@GLOBAL.server_id')) ?? '');
  await s.query(`INSERT IGNORE INTO ${TERM_TABLE} (term, leader, server) VALUES (?, ?, ?)`, [term, leader, server]);
}
