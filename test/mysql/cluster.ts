// Shared set-up for the real-server tests: N instances with the operator's accounts bootstrapped, and a
// MysqlNode per instance logged in as the agent (so the tests also prove the agent's grants suffice).
import { eventually } from '../support/eventually.ts';
import { createConnection, type Connection } from 'mysql2/promise';
import { startInstances, type Harness, type Instance } from '../support/mariadb/harness.ts';
import { MysqlNode } from '../../src/mysql/session.ts';
import { bootstrapUsers, type BootstrapInput } from '../../src/mysql/users.ts';
import { promote } from '../../src/mysql/promote.ts';
import { pointAt } from '../../src/mysql/replication.ts';

export const ACCOUNTS: BootstrapInput = {
  replication: { user: 'repl', password: 'Repl-pw-7f3a9c' },
  agent: { user: 'agent', password: 'Agent-pw-2b8e1d' },
  probe: { user: 'probe', password: 'Probe-pw-5c4d2a' },
};

export const T = 5000; // per-operation timeout in tests

export interface Cluster {
  h: Harness;
  nodes: MysqlNode[];
  root(i: number): MysqlNode;
}

export function agentNode(inst: Instance): MysqlNode {
  return new MysqlNode({
    host: inst.host,
    port: inst.port,
    user: ACCOUNTS.agent.user,
    password: ACCOUNTS.agent.password,
  });
}

export async function startCluster(n: number, t: { teardown: (fn: () => unknown) => void }): Promise<Cluster> {
  const h = await startInstances(n, t);
  const root = (i: number) => new MysqlNode(h.root(h.instances[i]!));
  await Promise.all(h.instances.map((_, i) => bootstrapUsers(root(i), ACCOUNTS, T)));
  return { h, nodes: h.instances.map(agentNode), root };
}

/** Where a replica of `inst` connects, with the replication account. */
export function sourceOf(inst: Instance): Parameters<typeof pointAt>[1] {
  return {
    host: inst.host,
    port: inst.port,
    replicationUser: ACCOUNTS.replication.user,
    replicationPassword: ACCOUNTS.replication.password,
  };
}

/** db1 primary, the rest replicas with semi-sync, plus a table for tests. */
export async function replicate(c: Cluster, primary = 0): Promise<void> {
  await promote(c.nodes[primary]!, {}, T);
  const source = sourceOf(c.h.instances[primary]!);
  await Promise.all(c.nodes.map((n, i) => (i === primary ? undefined : pointAt(n, source, T))));
}

export async function sql(inst: Instance, h: Harness): Promise<Connection> {
  const c = await createConnection({ ...h.root(inst), connectTimeout: 3000 });
  c.on('error', () => {});
  return c;
}

export function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  return eventually(fn, what, timeoutMs);
}
