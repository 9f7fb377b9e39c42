// observe: one read of this node's mysqld, turned into the MysqlView decide() takes. The raw status
// snapshot is kept too (GTIDs for the vote predicate, lag and semi-sync for the published status).
import { MysqlError, status, type StatusSnapshot, type MysqlNode } from '../mysql/index.ts';
import type { MysqlView } from './decide.ts';

/** The view for decide() and the snapshot it came from (null when mysqld did not answer). */
export interface MysqlObservation {
  view: MysqlView;
  snapshot: StatusSnapshot | null;
}

/** Reads `own`; `podAt` names the pod behind a replication source address; `errant` is remembered by
 * the agent from its last check against the primary. Never throws. */
export async function observeMysql(
  own: MysqlNode,
  podAt: (host: string, port: number) => string | undefined,
  errant: boolean,
  timeoutMs: number,
): Promise<MysqlObservation> {
  let s: StatusSnapshot;
  try {
    s = await status(own, timeoutMs);
  } catch (err) {
    const kind = err instanceof MysqlError ? err.kind : 'error';
    const detail = err instanceof Error ? err.message : String(err);
    return { view: { up: false, detail, gone: kind === 'unreachable' }, snapshot: null };
  }
  const r = s.replica;
  const receiving = r !== null && r.ioRunning !== 'no';
  return {
    view: {
      up: true,
      writable: !s.readOnly,
      replicatingFrom: receiving ? (podAt(r.sourceHost, r.sourcePort) ?? null) : null,
      errant,
    },
    snapshot: s,
  };
}
