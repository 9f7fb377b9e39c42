// How the agent reaches MySQL: its own mysqld as root over MYSQL_HOST:MYSQL_PORT (the same pod), a
// peer's mysqld as `mysqlraft_agent` at the peer pod's IP (to fence a remote old primary, to compare
// GTIDs), and the accounts it creates on its own mysqld at start (docs/agent.md, "MySQL users").
import { MysqlNode, bootstrapUsers } from '../mysql/index.ts';
import type { Credentials } from './secrets.ts';

/** Account names the agents create on every mysqld. */
export const MYSQL_USERS = {
  replication: 'mysqlraft_repl',
  agent: 'mysqlraft_agent',
  probe: 'mysqlraft_probe',
} as const;

/** Connections to this pod's mysqld and to peers'. */
export class MysqlSide {
  readonly own: MysqlNode;

  constructor(
    private readonly creds: Credentials,
    host: string,
    readonly port: number,
    private readonly peerIp: (pod: string) => string | undefined,
  ) {
    this.own = new MysqlNode({ host, port, user: 'root', password: creds.rootPassword });
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

  /** Creates the replication, agent and probe accounts (not binlogged; idempotent; no password logged). */
  async bootstrapUsers(timeoutMs: number): Promise<void> {
    await bootstrapUsers(
      this.own,
      {
        replication: { user: MYSQL_USERS.replication, password: this.creds.replicationPassword },
        agent: { user: MYSQL_USERS.agent, password: this.creds.agentPassword },
        probe: { user: MYSQL_USERS.probe, password: `${this.creds.agentPassword}-probe` },
      },
      timeoutMs,
    );
  }
}
