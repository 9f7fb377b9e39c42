// A replica that stops gracefully first applies everything its relay log holds. Semi-sync counts a
// transaction as safe once a replica has it in its relay log, but MariaDB (GTID mode) and MySQL with
// relay_log_recovery discard the relay log when mysqld starts again: a replica restarted with
// unapplied events has forgotten writes it acknowledged. If the primary is gone by then (a whole
// cluster restarted, a rolling restart that ends on the primary), those acknowledged writes would be
// lost. The chaos run's restart-cluster fault showed exactly that; docs/failover.md, invariant 2.
import { contains, MysqlError, startSql, status, stopIo, waitApplied, type MysqlNode } from '../mysql/index.ts';

/** What happened, for the log. */
export interface ReplicaDrainResult {
  applied: boolean;
  detail: string;
}

/** Stops receiving, then applies (at most `timeoutMs`) every received transaction. */
export async function drainReplica(own: MysqlNode, timeoutMs: number): Promise<ReplicaDrainResult> {
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(250, deadline - Date.now());
  try {
    // SQL thread first, while the IO thread still runs: MariaDB (GTID mode) purges the relay log when
    // the SQL thread starts with the IO thread stopped. Whoever stopped it, what was acknowledged
    // comes first.
    await startSql(own, Math.min(5000, left()));
    await stopIo(own, Math.min(5000, left()));
    const s = await status(own, Math.min(5000, left()));
    if (contains(s.executed, s.retrieved)) return { applied: true, detail: 'nothing received left to apply' };
    await waitApplied(own, s.retrieved, left());
    return { applied: true, detail: `applied ${s.retrieved.toString()}` };
  } catch (err) {
    const why = err instanceof MysqlError || err instanceof Error ? err.message : String(err);
    return { applied: false, detail: why };
  }
}
