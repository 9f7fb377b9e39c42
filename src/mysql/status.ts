// One read of everything the decision functions need (MOCO's "observe" step). Pure data out: the
// snapshot can be logged, stored in status, and fed to chooseCandidate / errant detection.
import { emptyGtid, parseGtid, union, type GtidSet } from './gtid.ts';
import type { MysqlNode, Row, Session } from './session.ts';
import type { FlavorName } from './flavor.ts';

/** A replica's replication threads as SHOW REPLICA STATUS reports them. */
export interface ReplicaThreads {
  sourceHost: string;
  sourcePort: number;
  ioRunning: 'yes' | 'no' | 'connecting';
  sqlRunning: boolean;
  lagSeconds: number | null;
  lastIoError: string;
  lastSqlError: string;
}

/** Semi-sync settings and live counters on both sides. */
export interface SemiSyncStatus {
  sourceEnabled: boolean;
  replicaEnabled: boolean;
  /** Source side currently semi-synchronous (OFF after a fallback to async). */
  sourceActive: boolean;
  replicaActive: boolean;
  yesTx: number;
  noTx: number;
  clients: number;
}

/** Everything one status read learns about a node. */
export interface StatusSnapshot {
  flavor: FlavorName;
  version: string;
  serverId: number;
  readOnly: boolean;
  superReadOnly: boolean | null;
  offlineMode: boolean | null;
  /** Everything this node has applied (binlogged, with log_slave_updates). */
  executed: GtidSet;
  /** Everything it has received: executed plus what sits in the relay log. */
  retrieved: GtidSet;
  replica: ReplicaThreads | null;
  semiSync: SemiSyncStatus;
}

function flag(v: unknown): boolean {
  return v === 1 || v === '1' || v === 'ON' || v === 'Yes' || v === 1n;
}

async function variables(s: Session, names: string[]): Promise<Map<string, string>> {
  const rows = await s.query(`SHOW GLOBAL VARIABLES WHERE Variable_name IN (${names.map(() => '?').join(',')})`, names);
  return new Map(rows.map((r) => [String(r['Variable_name']), String(r['Value'])]));
}

/** Global status counters by name (absent ones are missing from the map). */
export async function statusVars(s: Session, names: string[]): Promise<Map<string, string>> {
  const rows = await s.query(`SHOW GLOBAL STATUS WHERE Variable_name IN (${names.map(() => '?').join(',')})`, names);
  return new Map(rows.map((r) => [String(r['Variable_name']), String(r['Value'])]));
}

/**
 * Slave_IO_Running / Replica_IO_Running as one of three states. Only "No" means the thread is stopped:
 * MariaDB also reports "Preparing" (connected, registering with the source, before the first event),
 * and a thread in that state can still receive and acknowledge transactions. Reading it as stopped
 * would let revocation look finished while it is not, so any unknown text counts as running too.
 */
export function ioThreadState(text: string): ReplicaThreads['ioRunning'] {
  if (text === 'Yes') return 'yes';
  if (text === 'No') return 'no';
  return 'connecting';
}

function replicaThreads(s: Session, row: Row | undefined): ReplicaThreads | null {
  if (!row) return null;
  const f = s.flavor.replicaStatus;
  const io = ioThreadState(String(row[f.ioRunning] ?? 'No'));
  const lag = row[f.lag];
  return {
    sourceHost: String(row[f.sourceHost] ?? ''),
    sourcePort: Number(row[f.sourcePort] ?? 0),
    ioRunning: io,
    sqlRunning: String(row[f.sqlRunning]) === 'Yes',
    lagSeconds: lag === null || lag === undefined ? null : Number(lag),
    lastIoError: String(row[f.lastIoError] ?? ''),
    lastSqlError: String(row[f.lastSqlError] ?? ''),
  };
}

/** A status snapshot read on an open session. */
export async function readStatus(s: Session): Promise<StatusSnapshot> {
  const f = s.flavor;
  const n = f.semiSync;
  const names = ['version', 'server_id', 'read_only', n.sourceEnabled, n.replicaEnabled];
  if (f.superReadOnly) names.push('super_read_only');
  if (f.offlineMode) names.push('offline_mode');
  const v = await variables(s, names);
  const st = await statusVars(s, [n.statusOn, n.statusReplica, n.statusYesTx, n.statusNoTx, n.statusClients]);
  const executed = parseGtid(f.gtidKind, String((await s.scalar(f.executedGtidQuery)) ?? ''), 'executed');
  const rows = await s.query(f.showReplicaStatus);
  const row = rows[0];
  const received = row
    ? parseGtid(f.gtidKind, String(row[f.replicaStatus.retrievedGtid] ?? ''), 'retrieved')
    : emptyGtid(f.gtidKind);
  return {
    flavor: f.name,
    version: v.get('version') ?? '',
    serverId: Number(v.get('server_id')),
    readOnly: flag(v.get('read_only')),
    superReadOnly: f.superReadOnly ? flag(v.get('super_read_only')) : null,
    offlineMode: f.offlineMode ? flag(v.get('offline_mode')) : null,
    executed,
    retrieved: union(executed, received),
    replica: replicaThreads(s, row),
    semiSync: {
      sourceEnabled: flag(v.get(n.sourceEnabled)),
      replicaEnabled: flag(v.get(n.replicaEnabled)),
      sourceActive: flag(st.get(n.statusOn)),
      replicaActive: flag(st.get(n.statusReplica)),
      yesTx: Number(st.get(n.statusYesTx) ?? 0),
      noTx: Number(st.get(n.statusNoTx) ?? 0),
      clients: Number(st.get(n.statusClients) ?? 0),
    },
  };
}

/** A status snapshot of `node`, read within `timeoutMs`. */
export async function status(node: MysqlNode, timeoutMs: number): Promise<StatusSnapshot> {
  return node.run('read status', timeoutMs, readStatus);
}
