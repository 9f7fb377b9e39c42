// The project's own schema `mysqlraft`: one row per Raft term in which this server became primary
// (term, leader pod, server uuid or id, time), written before the server accepts writes, so that every
// transaction in the binlog follows the row of the term that allowed it (docs/failover.md).
import type { Session } from './session.ts';

/** The project's own schema. */
export const TERM_SCHEMA = 'mysqlraft';
/** The table of terms, schema-qualified. */
export const TERM_TABLE = `${TERM_SCHEMA}.term`;

/** Records that `leader` became primary in `term` on this server; idempotent per term. */
export async function writeTermRow(s: Session, term: number, leader: string): Promise<void> {
  await s.query(`CREATE DATABASE IF NOT EXISTS ${TERM_SCHEMA}`);
  await s.query(
    `CREATE TABLE IF NOT EXISTS ${TERM_TABLE} (term BIGINT UNSIGNED PRIMARY KEY, leader VARCHAR(253) NOT NULL, ` +
      'server VARCHAR(64) NOT NULL, at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB',
  );
  const server = String((await s.scalar('SELECT @@GLOBAL.server_id')) ?? '');
  await s.query(`INSERT IGNORE INTO ${TERM_TABLE} (term, leader, server) VALUES (?, ?, ?)`, [term, leader, server]);
}
