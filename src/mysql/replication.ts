// Replication primitives: point a replica at a source (GTID auto-position), revoke (stop the IO thread),
// and wait until a GTID set is applied. Each is idempotent and bounded by its timeout.
import { InvalidArgumentError, TimeoutError } from './mysql-errors.ts';
import { contains, type GtidSet } from './gtid.ts';
import { MariaGtidSet } from './gtid-mariadb.ts';
import type { MysqlNode } from './session.ts';
import { applySemiSync } from './semisync.ts';
import { readStatus } from './status.ts';

/** The source a replica should replicate from, and the account it connects with. */
export interface SourceInput {
  host: string;
  port: number;
  replicationUser: string;
  replicationPassword: string;
  /** Enable the semi-sync replica side before the IO thread connects (default true). */
  semiSync?: boolean;
}

/**
 * Makes `node` replicate from `source` and starts both threads. A no-op when it already does; otherwise
 * stop, align, CHANGE ... TO, start. The caller has checked the node for errant transactions.
 */
export async function pointAt(
  node: MysqlNode,
  source: SourceInput,
  timeoutMs: number,
): Promise<'unchanged' | 'changed'> {
  if (!source.host) throw new InvalidArgumentError('source.host: must be non-empty');
  if (!Number.isInteger(source.port) || source.port < 1 || source.port > 65535)
    throw new InvalidArgumentError(`source.port: ${source.port} is not a TCP port`);
  return node.run(
    'point replica at source',
    timeoutMs,
    async (s) => {
      const f = s.flavor;
      const st = await readStatus(s);
      const wantSemi = source.semiSync ?? true;
      const r = st.replica;
      if (
        r &&
        r.sourceHost === source.host &&
        r.sourcePort === source.port &&
        r.ioRunning !== 'no' &&
        r.sqlRunning &&
        st.semiSync.replicaEnabled === wantSemi &&
        !st.semiSync.sourceEnabled
      ) {
        return 'unchanged';
      }
      await s.query(f.stopReplica);
      if (wantSemi) await applySemiSync(s, { role: 'replica' });
      if (f.alignReplicaPosition) await s.query(f.alignReplicaPosition);
      const cs = f.changeSource({
        host: source.host,
        port: source.port,
        user: source.replicationUser,
        password: source.replicationPassword,
        connectRetrySec: 1,
        retryCount: 86400,
        heartbeatSec: 1,
      });
      await s.query(cs.sql, cs.params);
      await s.query(f.startReplica);
      return 'changed';
    },
    [source.replicationPassword],
  );
}

/** How long a STOP of the IO thread may take before stopIo() kills the thread. */
const IO_STOP_GRACE_MS = 200;

/**
 * Revocation: stop receiving from the current source, so this node acknowledges nothing more.
 * STOP only flags the IO thread and wakes it; one blocked reading a silent source (a partition, a
 * frozen primary) does not notice, and the server flags it again only every 2 s. So when the STOP has
 * not returned within IO_STOP_GRACE_MS, a second session KILLs the thread: its socket is shut, it
 * exits at once, and the STOP returns. Not KILL first: a thread killed while a transaction streams in
 * leaves that transaction half in the relay log and its GTID in the received set (MariaDB's
 * Gtid_IO_Pos), which no drain can then apply (seen in the CI chaos run); a STOP on a live source
 * returns within milliseconds, and a silent source sends nothing to cut in half that the 2 s re-flag
 * would not cut too.
 */
export async function stopIo(node: MysqlNode, timeoutMs: number): Promise<void> {
  await node.run('stop replication IO thread', timeoutMs, async (s) => {
    const stop = s.query(s.flavor.stopIoThread);
    let timer: NodeJS.Timeout | undefined;
    const slow = await Promise.race([
      stop.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), IO_STOP_GRACE_MS))),
    ]).finally(() => clearTimeout(timer));
    if (slow) await killIoThreads(node, timeoutMs).catch(() => undefined); // the STOP below still bounds it
    await stop;
  });
}

/** KILLs the IO thread(s) from a session of its own (the STOP holds the other). */
async function killIoThreads(node: MysqlNode, timeoutMs: number): Promise<void> {
  await node.run('kill replication IO thread', timeoutMs, async (k) => {
    for (const row of await k.query(k.flavor.ioThreadIdsQuery)) await k.kill(Number(row['ID']));
  });
}

/** Starts receiving from the configured source again (a no-op when the IO thread already runs). */
export async function startIo(node: MysqlNode, timeoutMs: number): Promise<void> {
  await node.run('start replication IO thread', timeoutMs, async (s) => {
    await s.query(s.flavor.startIoThread);
  });
}

/** Starts applying the relay log (a no-op when the SQL thread already runs). */
export async function startSql(node: MysqlNode, timeoutMs: number): Promise<void> {
  await node.run('start replication SQL thread', timeoutMs, async (s) => {
    await s.query(s.flavor.startSqlThread);
  });
}

/** Waits until `gtid` is applied on `node`; TimeoutError when it is not within the timeout. */
export async function waitApplied(node: MysqlNode, gtid: GtidSet, timeoutMs: number): Promise<void> {
  await node.run('wait for GTIDs applied', timeoutMs, async (s) => {
    const f = s.flavor;
    const executed = (await readStatus(s)).executed;
    if (contains(executed, gtid)) return;
    // MASTER_GTID_WAIT takes a position (one GTID per domain); WAIT_FOR_EXECUTED_GTID_SET a set.
    const arg = gtid instanceof MariaGtidSet ? gtid.position().toString() : gtid.toString();
    // Leave the server a margin to answer before our own deadline destroys the connection.
    const seconds = Math.max(0.05, (s.remainingMs() - 250) / 1000);
    const r = Number(await s.scalar(f.waitForGtidQuery, [arg, seconds]));
    if (r !== f.waitReachedValue) throw new TimeoutError('wait for GTIDs applied', timeoutMs, node.target);
    const after = (await readStatus(s)).executed;
    if (!contains(after, gtid)) {
      throw new TimeoutError(
        `wait for GTIDs applied (reached position but ${gtid.toString()} not all executed)`,
        timeoutMs,
        node.target,
      );
    }
  });
}
