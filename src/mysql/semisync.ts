// Semi-synchronous replication, AFTER_SYNC, without silent fallback to async: wait even with no replica
// connected, and a timeout at the flavor's maximum (49.7 days) unless the caller accepts fallback.
// Verified on MariaDB 10.11: with these settings a commit stays in "Waiting for semi-sync ACK from
// slave" and Rpl_semi_sync_master_status stays ON; with a short timeout it returns after the timeout and
// the status turns OFF (async). See docs/mysql.md, "Semi-sync".
import { InvalidArgumentError } from './mysql-errors.ts';
import type { MysqlNode, Session } from './session.ts';
import { statusVars } from './status.ts';

/** Which side of semi-sync replication a node takes. */
export type SemiSyncRole = 'source' | 'replica';

/** Semi-sync settings: the role, when (if ever) the source falls back to async, and acks per commit. */
export interface SemiSyncInput {
  role: SemiSyncRole;
  /** 'never' (the default) or milliseconds after which the source falls back to async. */
  fallbackAfterMs?: 'never' | number;
  /** Acks per commit; flavors without the setting (MariaDB) accept only 1. */
  waitCount?: number;
}

async function installPlugins(s: Session): Promise<void> {
  for (const p of [s.flavor.semiSync.sourcePlugin, s.flavor.semiSync.replicaPlugin]) {
    if (!p) continue;
    const rows = await s.query('SELECT PLUGIN_STATUS FROM information_schema.PLUGINS WHERE PLUGIN_NAME = ?', [p.name]);
    if (rows.length === 0) await s.query(`INSTALL PLUGIN ${p.name} SONAME ?`, [p.soname]);
  }
}

/**
 * Configures semi-sync on an open session: installs the plugins if needed, then enables exactly one side with
 * AFTER_SYNC. Throws InvalidArgumentError for a wait count or fallback the flavor cannot honour.
 */
export async function applySemiSync(s: Session, input: SemiSyncInput): Promise<void> {
  const n = s.flavor.semiSync;
  const waitCount = input.waitCount ?? 1;
  if (!Number.isInteger(waitCount) || waitCount < 1)
    throw new InvalidArgumentError(`waitCount: ${waitCount} must be an integer >= 1`);
  if (n.waitCount === null && waitCount !== 1) {
    throw new InvalidArgumentError(
      `waitCount: ${s.flavor.name} always waits for exactly one acknowledgement (allowed: 1)`,
    );
  }
  const fb = input.fallbackAfterMs ?? 'never';
  if (fb !== 'never' && (!Number.isInteger(fb) || fb < 1))
    throw new InvalidArgumentError(`fallbackAfterMs: ${fb} must be 'never' or an integer >= 1`);
  await installPlugins(s);
  const source = input.role === 'source';
  // Order: the source side's waiting rules before it is enabled, so no commit runs in between unguarded.
  await s.query(`SET GLOBAL ${n.waitPoint} = 'AFTER_SYNC'`);
  await s.query(`SET GLOBAL ${n.waitNoReplica} = ON`);
  await s.query(`SET GLOBAL ${n.timeout} = ${fb === 'never' ? n.timeoutMax : String(fb)}`);
  if (n.waitCount !== null) await s.query(`SET GLOBAL ${n.waitCount} = ?`, [waitCount]);
  // A replica never has the source side on: its applier commits must not wait for acks of its own.
  await s.query(`SET GLOBAL ${n.sourceEnabled} = ${source ? 'ON' : 'OFF'}`);
  await s.query(`SET GLOBAL ${n.replicaEnabled} = ${source ? 'OFF' : 'ON'}`);
}

/** applySemiSync in its own bounded operation on `node`. */
export async function configureSemiSync(node: MysqlNode, input: SemiSyncInput, timeoutMs: number): Promise<void> {
  await node.run(`configure semi-sync (${input.role})`, timeoutMs, (s) => applySemiSync(s, input));
}

/**
 * How many sessions wait for a semi-sync acknowledgement now, and whether this server's crash recovery
 * would cut their transactions rather than commit them (the flavor's crashRecoveryAsReplica).
 */
export async function ackWaiters(node: MysqlNode, timeoutMs: number): Promise<{ waiting: number; crashCuts: boolean }> {
  return node.run('semi-sync waiters', timeoutMs, async (s) => {
    const name = s.flavor.semiSync.statusWaitSessions;
    return {
      waiting: Number((await statusVars(s, [name])).get(name) ?? 0),
      crashCuts: s.flavor.mycnf.crashRecoveryAsReplica.length > 0,
    };
  });
}
