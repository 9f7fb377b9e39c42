// Bootstrap of the accounts the operator needs on every node. Runs with sql_log_bin = 0 on each node
// separately: accounts are node-local setup, and a binlogged CREATE USER on a replica would be an
// errant transaction. Idempotent: re-running updates passwords and grants to the given values.
import { TERM_SCHEMA } from './term-row.ts';
import { InvalidArgumentError, StatementFailedError } from './mysql-errors.ts';
import type { MysqlNode, Session } from './session.ts';

/** A MySQL account: user, password and host (default '%'). */
export interface Account {
  user: string;
  password: string;
  /** Host part of the account; '%' by default. */
  host?: string;
}

/** The accounts the operator needs on every node. */
export interface BootstrapInput {
  /** The agent's own account on its own mysqld: everything root may do, WITH GRANT OPTION. Where
   * read_only does not bind root (MariaDB), root loses that exemption and only this account keeps it.
   * Without it neither happens (the MySQL layer's own tests work as root). */
  admin?: Account;
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

async function ensureAccount(
  s: Session,
  a: Account,
  privileges: readonly string[],
  on: string,
  grantOption = false,
): Promise<void> {
  const host = a.host ?? '%';
  await s.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [a.user, host, a.password]);
  await s.query('ALTER USER ?@? IDENTIFIED BY ?', [a.user, host, a.password]);
  await s.query(`GRANT ${privileges.join(', ')} ON ${on} TO ?@?${grantOption ? ' WITH GRANT OPTION' : ''}`, [
    a.user,
    host,
  ]);
}

/**
 * Where read_only does not bind root (MariaDB: READ_ONLY ADMIN), a client logged in as root could keep
 * writing on a fenced old primary after reconnecting, and those writes could be acknowledged and then
 * lost. Taking the exemption from every root account makes read_only bind root as super_read_only does
 * on MySQL; the operator's admin account keeps it.
 */
async function bindRootByReadOnly(s: Session): Promise<void> {
  const priv = s.flavor.readOnlyAdmin;
  if (!priv) return;
  const roots = await s.query("SELECT User AS user, Host AS host FROM mysql.user WHERE User = 'root'");
  for (const r of roots) {
    try {
      await s.query(`REVOKE ${priv} ON *.* FROM ?@?`, [String(r['user']), String(r['host'])]);
    } catch (err) {
      // mariadb-install-db's root@<hostname> is listed but cannot be revoked from (and, with
      // skip_name_resolve, cannot log in): nothing to bind.
      if (!(err instanceof StatementFailedError && err.errno !== undefined && NO_SUCH_GRANTEE.has(err.errno)))
        throw err;
    }
  }
}

// ER_PASSWORD_NO_MATCH (no such account row), ER_NONEXISTING_GRANT.
const NO_SUCH_GRANTEE = new Set([1133, 1141]);

/**
 * Creates or updates the four accounts and the probe table on this node only (not binlogged), and makes
 * read_only bind root (bindRootByReadOnly). Throws
 * InvalidArgumentError for a bad user name, host or a password under 8 characters.
 */
export async function bootstrapUsers(node: MysqlNode, input: BootstrapInput, timeoutMs: number): Promise<void> {
  if (input.admin) check('admin', input.admin);
  check('replication', input.replication);
  check('agent', input.agent);
  check('probe', input.probe);
  const secrets = [input.replication.password, input.agent.password, input.probe.password];
  if (input.admin) secrets.push(input.admin.password);
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
      if (input.admin) {
        await ensureAccount(s, input.admin, ['ALL PRIVILEGES'], '*.*', true);
        await bindRootByReadOnly(s);
      }
    },
    secrets,
  );
}
