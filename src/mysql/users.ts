// Bootstrap of the accounts the operator needs on every node. Runs with sql_log_bin = 0 on each node
// separately: accounts are node-local setup, and a binlogged CREATE USER on a replica would be an
// errant transaction. Idempotent: re-running updates passwords and grants to the given values.
import { TERM_SCHEMA } from './term-row.ts';
import { InvalidArgumentError } from './mysql-errors.ts';
import type { MysqlNode, Session } from './session.ts';

/** A MySQL account: user, password and host (default '%'). */
export interface Account {
  user: string;
  password: string;
  /** Host part of the account; '%' by default. */
  host?: string;
}

/** The three accounts the operator needs on every node. */
export interface BootstrapInput {
  /** Used by replicas to pull the binlog: REPLICATION SLAVE only. */
  replication: Account;
  /** Used by the agent: replication control, read-only switch, killing sessions, status. */
  agent: Account;
  /** An ordinary user: may INSERT into one probe table, so fencing can prove that writes are refused. */
  probe: Account;
}

/** The table the probe account may insert into, so fencing can prove writes are refused. */
export const PROBE_TABLE = 'mysql_raft_operator.fence_probe';

const NAME = /^[A-Za-z0-9_.-]{1,32}$/;
const HOST = /^[A-Za-z0-9_.%:-]{1,60}$/;

function check(field: string, a: Account): void {
  if (typeof a?.user !== 'string' || !NAME.test(a.user))
    throw new InvalidArgumentError(`${field}.user: must match ${NAME}`);
  if (typeof a.password !== 'string' || a.password.length < 8) {
    throw new InvalidArgumentError(`${field}.password: must be a string of at least 8 characters`);
  }
  if (a.host !== undefined && !HOST.test(a.host)) throw new InvalidArgumentError(`${field}.host: must match ${HOST}`);
}

async function ensureAccount(s: Session, a: Account, privileges: readonly string[], on: string): Promise<void> {
  const host = a.host ?? '%';
  await s.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [a.user, host, a.password]);
  await s.query('ALTER USER ?@? IDENTIFIED BY ?', [a.user, host, a.password]);
  await s.query(`GRANT ${privileges.join(', ')} ON ${on} TO ?@?`, [a.user, host]);
}

/**
 * Creates or updates the three accounts and the probe table on this node only (not binlogged). Throws
 * InvalidArgumentError for a bad user name, host or a password under 8 characters.
 */
export async function bootstrapUsers(node: MysqlNode, input: BootstrapInput, timeoutMs: number): Promise<void> {
  check('replication', input.replication);
  check('agent', input.agent);
  check('probe', input.probe);
  const secrets = [input.replication.password, input.agent.password, input.probe.password];
  await node.run(
    'bootstrap users',
    timeoutMs,
    async (s) => {
      await s.query('SET SESSION sql_log_bin = 0');
      await s.query('CREATE DATABASE IF NOT EXISTS mysql_raft_operator');
      await s.query(`CREATE TABLE IF NOT EXISTS ${PROBE_TABLE} (id INT PRIMARY KEY) ENGINE=InnoDB`);
      await ensureAccount(s, input.replication, s.flavor.replicationPrivileges, '*.*');
      await ensureAccount(s, input.agent, s.flavor.agentPrivileges, '*.*');
      // Peers read the term table of the primary (src/agent/term-row.ts: was our term row acknowledged?).
      await s.query(`GRANT SELECT ON ${TERM_SCHEMA}.* TO ?@?`, [input.agent.user, input.agent.host ?? '%']);
      await ensureAccount(s, input.probe, ['INSERT'], PROBE_TABLE);
    },
    secrets,
  );
}
