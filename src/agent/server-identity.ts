// Each data directory's own server_id. The StatefulSet starts mysqld with a server_id per ordinal, but a
// node re-cloned from an empty volume (the way out of errant transactions) would come back with the
// same id as its former self, and MySQL and MariaDB replicas skip every event that carries their own
// server_id: the fresh node would silently miss everything its former self wrote, and a new primary
// waiting for its term row to reach a replica would wait forever (seen in the chaos run). So the first
// agent to meet an empty data directory draws a random id, keeps it in a schema that is never
// replicated (written with sql_log_bin = 0), and sets it whenever mysqld runs with another one.
import { randomInt } from 'node:crypto';
import type { MysqlNode } from '../mysql/index.ts';

/** The local-only schema (never in the binary log; the account bootstrap creates it too). */
export const LOCAL_SCHEMA = 'mysql_raft_operator';

/** Ids the per-ordinal scheme uses (1<ordinal>) stay clear of the drawn ones. */
const MIN_DRAWN = 1_000_000;
const MAX_DRAWN = 4_294_967_295;

/** This data directory's server_id: the stored one, or a new random one stored now. */
export async function serverIdentity(own: MysqlNode, timeoutMs: number): Promise<number> {
  return own.run('server identity', timeoutMs, async (s) => {
    await s.query('SET SESSION sql_log_bin = 0');
    await s.query(`CREATE DATABASE IF NOT EXISTS ${LOCAL_SCHEMA}`);
    await s.query(
      `CREATE TABLE IF NOT EXISTS ${LOCAL_SCHEMA}.identity (k VARCHAR(32) PRIMARY KEY, v BIGINT UNSIGNED NOT NULL) ENGINE=InnoDB`,
    );
    const stored = await s.scalar(`SELECT v FROM ${LOCAL_SCHEMA}.identity WHERE k = 'server_id'`);
    if (stored !== undefined && stored !== null) return Number(stored);
    const drawn = randomInt(MIN_DRAWN, MAX_DRAWN);
    await s.query(`INSERT IGNORE INTO ${LOCAL_SCHEMA}.identity VALUES ('server_id', ?)`, [drawn]);
    return Number(await s.scalar(`SELECT v FROM ${LOCAL_SCHEMA}.identity WHERE k = 'server_id'`));
  });
}

/** Sets mysqld's server_id to `id` (it starts with the per-ordinal one after every restart). */
export async function applyServerIdentity(own: MysqlNode, id: number, timeoutMs: number): Promise<void> {
  await own.run('set server_id', timeoutMs, async (s) => {
    await s.query('SET GLOBAL server_id = ?', [id]);
  });
}
