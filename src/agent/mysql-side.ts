// How the agent reaches MySQL: its own mysqld as `mysqlraft_admin` over MYSQL_HOST:MYSQL_PORT (the same
// pod; as root only to create the accounts the first time), a peer's mysqld as `mysqlraft_agent` at the
// peer pod's IP (to fence a remote old primary, to compare GTIDs), and the accounts it creates on its
// own mysqld at start (docs/agent.md, "MySQL users").
import { MysqlError, MysqlNode, bootstrapUsers } from '../mysql/index.ts';
import type { Credentials } from './secrets.ts';

/** Account names the agents create on every mysqld. */
export const MYSQL_USERS = {
  admin: 'mysqlraft_admin',
  replication: 'mysqlraft_repl',
  agent: 'mysqlraft_agent',
  probe: 'mysqlraft_probe',
} as const;

/** The admin account's password: derived from the agent's, so no Secret has to change. */
function adminPassword(creds: Credentials): string {
  return `${creds.agentPassword}-admin`;
}

/** Connections to this pod's mysqld and to peers'. */
export class MysqlSide {
  /** Our own mysqld as the admin account (usable once bootstrapUsers ran). */
  readonly own: MysqlNode;
  /** Our own mysqld as root: only to create the accounts the first time. */
  private readonly root: MysqlNode;

  constructor(
    private readonly creds: Credentials,
    host: string,
    readonly port: number,
    private readonly peerIp: (pod: string) => string | undefined,
  ) {
    this.root = new MysqlNode({ host, port, user: 'root', password: creds.rootPassword });
    this.own = new MysqlNode({ host, port, user: MYSQL_USERS.admin, password: adminPassword(creds) });
  }

  /** A peer's mysqld as the agent account, or undefined without a pod IP. */
  peer(pod: string): MysqlNode | undefined {
    const ip = this.peerIp(pod);
    return ip
      ? new MysqlNode({ host: ip, port: this.port, user: MYSQL_USERS.agent, password: this.creds.agentPassword })
      : undefined;
  }

  /** Where replicas connect to `pod`, with the replication account. */
  source(
    pod: string,
  ): { host: string; port: number; replicationUser: string; replicationPassword: string } | undefined {
    const ip = this.peerIp(pod);
    return ip
      ? {
          host: ip,
          port: this.port,
          replicationUser: MYSQL_USERS.replication,
          replicationPassword: this.creds.replicationPassword,
        }
      : undefined;
  }

  /**
   * Creates the admin, replication, agent and probe accounts (not binlogged; idempotent; no password
   * logged) and makes read_only bind root (src/mysql/users.ts). As the admin account once it exists:
   * root may no longer write on a read-only node; as root the first time.
   */
  async bootstrapUsers(timeoutMs: number): Promise<void> {
    const input = {
      admin: { user: MYSQL_USERS.admin, password: adminPassword(this.creds) },
      replication: { user: MYSQL_USERS.replication, password: this.creds.replicationPassword },
      agent: { user: MYSQL_USERS.agent, password: this.creds.agentPassword },
      probe: { user: MYSQL_USERS.probe, password: `${this.creds.agentPassword}-probe` },
    };
    try {
      await bootstrapUsers(this.own, input, timeoutMs);
    } catch (err) {
      if (!(err instanceof MysqlError && err.kind === 'auth-failed')) throw err;
      await bootstrapUsers(this.root, input, timeoutMs);
    }
  }
}
