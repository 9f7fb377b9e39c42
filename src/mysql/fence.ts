// Fencing a (former) primary: make it refuse writes, end every client session, and prove the refusal
// with a real write attempt by an ordinary user. See docs/mysql.md ("Fencing").
import { PreconditionFailedError, StatementFailedError, type MysqlError } from './mysql-errors.ts';
import { PROBE_TABLE } from './users.ts';
import { MysqlNode, type Session } from './session.ts';

/** What fencing may use to prove itself: the probe account. */
export interface FenceInput {
  /** The ordinary probe account from bootstrapUsers; without it the write check is skipped. */
  probe?: { user: string; password: string };
}

/** How many client sessions fencing killed, and whether a probe write was refused afterwards. */
export interface FenceResult {
  killed: number;
  /** true: a probe write was refused; null: not checked (no probe account given). */
  writeRefused: boolean | null;
}

// Server threads that are not client sessions: replication, event scheduler, internal daemons.
const KEEP_COMMANDS = new Set(['Binlog Dump', 'Binlog Dump GTID', 'Daemon', 'Slave_IO', 'Slave_SQL', 'Slave_worker']);
const KEEP_USERS = new Set(['system user', 'event_scheduler']);
// ER_OPTION_PREVENTS_STATEMENT (read_only), ER_SERVER_OFFLINE_MODE (MySQL offline_mode).
const REFUSED = new Set([1290, 3032]);

async function killClients(s: Session): Promise<number> {
  const self = await s.connectionId();
  const rows = await s.query('SELECT ID, USER, COMMAND FROM information_schema.PROCESSLIST');
  let killed = 0;
  for (const r of rows) {
    const id = Number(r['ID']);
    if (id === self || KEEP_USERS.has(String(r['USER'])) || KEEP_COMMANDS.has(String(r['COMMAND']))) continue;
    if (await s.kill(id)) killed++;
  }
  return killed;
}

async function probeWrite(
  node: MysqlNode,
  probe: { user: string; password: string },
  timeoutMs: number,
): Promise<boolean> {
  const p = new MysqlNode({ ...node.endpoint, user: probe.user, password: probe.password });
  try {
    await p.run('fence probe write', timeoutMs, async (s) => {
      await s.query('START TRANSACTION');
      // Inside a transaction that is rolled back: if the fence failed, nothing reaches the binlog.
      await s.query(`INSERT INTO ${PROBE_TABLE} (id) VALUES (1)`);
      await s.query('ROLLBACK');
    });
    return false;
  } catch (err) {
    const e = err as MysqlError;
    if (e instanceof StatementFailedError && e.errno !== undefined && REFUSED.has(e.errno)) return true;
    throw err;
  }
}

/**
 * Makes the node refuse writes: kills client sessions and sets read_only (and super_read_only, offline_mode where the
 * flavor has them). With a probe account, throws PreconditionFailedError unless a probe write is then refused.
 */
export async function fence(node: MysqlNode, input: FenceInput, timeoutMs: number): Promise<FenceResult> {
  const deadline = Date.now() + timeoutMs;
  const killed = await node.run(
    'fence',
    timeoutMs,
    async (s) => {
      const f = s.flavor;
      // Kill first: a session stuck in a commit (e.g. waiting for a semi-sync ack) would make the
      // read_only switch wait for it.
      let n = await killClients(s);
      if (f.superReadOnly) await s.query('SET GLOBAL super_read_only = ON');
      await s.query('SET GLOBAL read_only = ON');
      if (f.offlineMode) await s.query('SET GLOBAL offline_mode = ON');
      // Sessions that connected between the first kill and the switch.
      n += await killClients(s);
      return n;
    },
    input.probe ? [input.probe.password] : [],
  );
  if (!input.probe) return { killed, writeRefused: null };
  const refused = await probeWrite(node, input.probe, Math.max(1, deadline - Date.now()));
  if (!refused)
    throw new PreconditionFailedError(
      'fence failed: a write by the probe user was accepted after read_only was set',
      node.target,
    );
  return { killed, writeRefused: true };
}
