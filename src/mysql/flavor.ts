// The one table of what differs between MySQL 5.7 / 8.0 / 8.4 and MariaDB. No other module looks at a
// version or a flavor name: they read a field of this table. See docs/mysql.md ("Flavor table").
import { UnsupportedVersionError } from './mysql-errors.ts';
import type { GtidKind } from './gtid.ts';

/** The server families and versions the flavor table has a row for. */
export type FlavorName = 'mysql57' | 'mysql80' | 'mysql84' | 'mariadb';

/** A flavor's names for the semi-sync plugins, variables and status counters. */
export interface SemiSyncNames {
  /** Plugin to INSTALL before the variables exist; null when built in (MariaDB 10.3+). */
  readonly sourcePlugin: { readonly name: string; readonly soname: string } | null;
  readonly replicaPlugin: { readonly name: string; readonly soname: string } | null;
  readonly sourceEnabled: string;
  readonly replicaEnabled: string;
  readonly timeout: string;
  readonly waitPoint: string;
  /** Wait even with no replica connected (the no-fallback half that is not the timeout). */
  readonly waitNoReplica: string;
  /** Acks required per commit; null where the flavor has no such setting (MariaDB: always one). */
  readonly waitCount: string | null;
  readonly statusOn: string;
  readonly statusYesTx: string;
  readonly statusNoTx: string;
  readonly statusClients: string;
  /** Sessions now waiting for an acknowledgement (their transactions are in the binlog, not committed). */
  readonly statusWaitSessions: string;
  readonly statusReplica: string;
  /** Largest timeout (ms) the server accepts: "never fall back" in practice. */
  readonly timeoutMax: string;
}

/** A flavor's column names in SHOW REPLICA / SLAVE STATUS. */
export interface ReplicaStatusFields {
  readonly ioRunning: string;
  readonly sqlRunning: string;
  readonly lag: string;
  readonly sourceHost: string;
  readonly sourcePort: string;
  readonly lastIoError: string;
  readonly lastSqlError: string;
  /** Received GTIDs: a set on MySQL, a position (one GTID per domain) on MariaDB. */
  readonly retrievedGtid: string;
}

/** Where CHANGE ... TO points a replica, and its reconnect and heartbeat settings (seconds). */
export interface ChangeSourceArgs {
  host: string;
  port: number;
  user: string;
  password: string;
  connectRetrySec: number;
  retryCount: number;
  heartbeatSec: number;
}

/** One my.cnf line: option name and value. */
export type MycnfSetting = readonly [name: string, value: string];

/** What a flavor's my.cnf needs that another flavor spells differently (src/operator renders my.cnf). */
export interface MycnfWords {
  /** GTID-based replication switched on. */
  readonly gtid: readonly MycnfSetting[];
  /** Replicas write what they apply to their own binlog (so any of them can become the primary). */
  readonly logReplicaUpdates: string;
  /** Replication does not start at boot: the agent starts it once it knows the primary. */
  readonly skipReplicaStart: string;
  /** Binlog retention for `seconds` (5.7 only has whole days). */
  binlogExpiry(seconds: number): MycnfSetting;
  /** Crash-safe replication metadata where it is not the default (5.7's FILE repositories). */
  readonly crashSafeReplication: readonly MycnfSetting[];
  /**
   * Crash recovery as a semi-sync replica: at restart after a crash, transactions that reached the binlog
   * but were never acknowledged (prepared, waiting at AFTER_SYNC) are rolled back and cut from the binlog
   * instead of committed, so a crashed primary comes back a clean replica, not errant. MariaDB only
   * (MDEV-21117; since 10.6.19 / 10.11.9 keyed on the initial role, MDEV-33465); MySQL has no such mode.
   */
  readonly crashRecoveryAsReplica: readonly MycnfSetting[];
  /** The image entrypoint's variable for the root password. */
  readonly rootPasswordEnv: string;
}

/** Everything that differs between server versions: SQL statements, variable and column names, privileges. */
export interface Flavor {
  readonly name: FlavorName;
  readonly gtidKind: GtidKind;
  /** Parametrised CHANGE ... TO with GTID auto-positioning; placeholders keep the password out of SQL text. */
  changeSource(a: ChangeSourceArgs): { sql: string; params: (string | number)[] };
  /**
   * Run before CHANGE ... TO (replication stopped). MariaDB resumes from gtid_slave_pos, which does not
   * include transactions this node wrote itself as a primary; aligning it with the binlog makes a former
   * primary resume where its own history ends. Errant nodes are refused before this runs.
   */
  readonly alignReplicaPosition: string | null;
  readonly startReplica: string;
  readonly stopReplica: string;
  readonly stopIoThread: string;
  /** SELECT returning column ID: the connection id of each replication IO thread (for KILL). */
  readonly ioThreadIdsQuery: string;
  readonly startIoThread: string;
  readonly startSqlThread: string;
  readonly resetReplicaAll: string;
  readonly showReplicaStatus: string;
  readonly replicaStatus: ReplicaStatusFields;
  /** SELECT returning one column: everything executed (and, with log_slave_updates, binlogged). */
  readonly executedGtidQuery: string;
  /** SELECT <fn>(?, ?) with (gtid text, timeout seconds); `waitReachedValue` means "reached". */
  readonly waitForGtidQuery: string;
  readonly waitReachedValue: number;
  readonly superReadOnly: boolean;
  /**
   * The privilege that lets an account write although read_only is on, where read_only alone does not
   * bind such accounts and nothing like super_read_only exists (MariaDB: READ_ONLY ADMIN, which root
   * holds); null where super_read_only binds every account (MySQL).
   */
  readonly readOnlyAdmin: string | null;
  readonly offlineMode: boolean;
  readonly semiSync: SemiSyncNames;
  /** Privileges the agent user needs on *.* (narrowest set that lets it run every operation). */
  readonly agentPrivileges: readonly string[];
  readonly replicationPrivileges: readonly string[];
  readonly mycnf: MycnfWords;
}

const MYSQL_MAX_TIMEOUT = '4294967295';
const MARIADB_MAX_TIMEOUT = '4294967295';

function semiSync(words: 'master' | 'source', mysql: boolean): SemiSyncNames {
  const src = words;
  const rep = words === 'master' ? 'slave' : 'replica';
  return {
    sourcePlugin: mysql ? { name: `rpl_semi_sync_${src}`, soname: `semisync_${src}.so` } : null,
    replicaPlugin: mysql ? { name: `rpl_semi_sync_${rep}`, soname: `semisync_${rep}.so` } : null,
    sourceEnabled: `rpl_semi_sync_${src}_enabled`,
    replicaEnabled: `rpl_semi_sync_${rep}_enabled`,
    timeout: `rpl_semi_sync_${src}_timeout`,
    waitPoint: `rpl_semi_sync_${src}_wait_point`,
    waitNoReplica: `rpl_semi_sync_${src}_wait_no_${rep}`,
    waitCount: mysql ? `rpl_semi_sync_${src}_wait_for_${rep}_count` : null,
    statusOn: `Rpl_semi_sync_${src}_status`,
    statusYesTx: `Rpl_semi_sync_${src}_yes_tx`,
    statusNoTx: `Rpl_semi_sync_${src}_no_tx`,
    statusClients: `Rpl_semi_sync_${src}_clients`,
    statusWaitSessions: `Rpl_semi_sync_${src}_wait_sessions`,
    statusReplica: `Rpl_semi_sync_${rep}_status`,
    timeoutMax: mysql ? MYSQL_MAX_TIMEOUT : MARIADB_MAX_TIMEOUT,
  };
}

const OLD_STATUS: ReplicaStatusFields = {
  ioRunning: 'Slave_IO_Running',
  sqlRunning: 'Slave_SQL_Running',
  lag: 'Seconds_Behind_Master',
  sourceHost: 'Master_Host',
  sourcePort: 'Master_Port',
  lastIoError: 'Last_IO_Error',
  lastSqlError: 'Last_SQL_Error',
  retrievedGtid: 'Retrieved_Gtid_Set',
};
const NEW_STATUS: ReplicaStatusFields = {
  ioRunning: 'Replica_IO_Running',
  sqlRunning: 'Replica_SQL_Running',
  lag: 'Seconds_Behind_Source',
  sourceHost: 'Source_Host',
  sourcePort: 'Source_Port',
  lastIoError: 'Last_IO_Error',
  lastSqlError: 'Last_SQL_Error',
  retrievedGtid: 'Retrieved_Gtid_Set',
};

const MYSQL_AGENT_PRIVS = [
  'SUPER',
  'REPLICATION CLIENT',
  'REPLICATION SLAVE',
  'PROCESS',
  'RELOAD',
  'SELECT',
  'INSERT',
] as const;

const MYSQL_GTID: readonly MycnfSetting[] = [
  ['gtid_mode', 'ON'],
  ['enforce_gtid_consistency', 'ON'],
];

const MYSQL57: Flavor = {
  name: 'mysql57',
  gtidKind: 'mysql',
  changeSource: (a) => ({
    sql:
      'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, ' +
      'MASTER_CONNECT_RETRY = ?, MASTER_RETRY_COUNT = ?, MASTER_HEARTBEAT_PERIOD = ?, MASTER_AUTO_POSITION = 1',
    params: [a.host, a.port, a.user, a.password, a.connectRetrySec, a.retryCount, a.heartbeatSec],
  }),
  alignReplicaPosition: null,
  startReplica: 'START SLAVE',
  stopReplica: 'STOP SLAVE',
  stopIoThread: 'STOP SLAVE IO_THREAD',
  ioThreadIdsQuery:
    "SELECT PROCESSLIST_ID AS ID FROM performance_schema.threads WHERE NAME IN ('thread/sql/slave_io', 'thread/sql/replica_io')",
  startIoThread: 'START SLAVE IO_THREAD',
  startSqlThread: 'START SLAVE SQL_THREAD',
  resetReplicaAll: 'RESET SLAVE ALL',
  showReplicaStatus: 'SHOW SLAVE STATUS',
  replicaStatus: OLD_STATUS,
  executedGtidQuery: 'SELECT @@GLOBAL.gtid_executed',
  waitForGtidQuery: 'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?)',
  waitReachedValue: 0,
  superReadOnly: true,
  readOnlyAdmin: null,
  offlineMode: true,
  semiSync: semiSync('master', true),
  agentPrivileges: MYSQL_AGENT_PRIVS,
  replicationPrivileges: ['REPLICATION SLAVE'],
  mycnf: {
    gtid: MYSQL_GTID,
    logReplicaUpdates: 'log_slave_updates',
    skipReplicaStart: 'skip_slave_start',
    binlogExpiry: (seconds) => ['expire_logs_days', String(Math.max(1, Math.ceil(seconds / 86400)))],
    crashSafeReplication: [
      ['relay_log_info_repository', 'TABLE'],
      ['master_info_repository', 'TABLE'],
    ],
    crashRecoveryAsReplica: [],
    rootPasswordEnv: 'MYSQL_ROOT_PASSWORD',
  },
};

// 8.0.26+: every replication statement and semi-sync name uses source/replica.
const MYSQL80: Flavor = {
  ...MYSQL57,
  name: 'mysql80',
  changeSource: (a) => ({
    sql:
      'CHANGE REPLICATION SOURCE TO SOURCE_HOST = ?, SOURCE_PORT = ?, SOURCE_USER = ?, SOURCE_PASSWORD = ?, ' +
      'SOURCE_CONNECT_RETRY = ?, SOURCE_RETRY_COUNT = ?, SOURCE_HEARTBEAT_PERIOD = ?, SOURCE_AUTO_POSITION = 1',
    params: [a.host, a.port, a.user, a.password, a.connectRetrySec, a.retryCount, a.heartbeatSec],
  }),
  startReplica: 'START REPLICA',
  stopReplica: 'STOP REPLICA',
  stopIoThread: 'STOP REPLICA IO_THREAD',
  startIoThread: 'START REPLICA IO_THREAD',
  startSqlThread: 'START REPLICA SQL_THREAD',
  resetReplicaAll: 'RESET REPLICA ALL',
  showReplicaStatus: 'SHOW REPLICA STATUS',
  replicaStatus: NEW_STATUS,
  semiSync: semiSync('source', true),
  agentPrivileges: [
    'SYSTEM_VARIABLES_ADMIN',
    'CONNECTION_ADMIN',
    'REPLICATION_SLAVE_ADMIN',
    'REPLICATION CLIENT',
    'REPLICATION SLAVE',
    'PROCESS',
    'RELOAD',
    'SELECT',
    'INSERT',
  ],
  // 8.0.23+ names; the TABLE repositories are the default (and deprecated as settings).
  mycnf: {
    gtid: MYSQL_GTID,
    logReplicaUpdates: 'log_replica_updates',
    skipReplicaStart: 'skip_replica_start',
    binlogExpiry: (seconds) => ['binlog_expire_logs_seconds', String(seconds)],
    crashSafeReplication: [],
    crashRecoveryAsReplica: [],
    rootPasswordEnv: 'MYSQL_ROOT_PASSWORD',
  },
};

// 8.4 removed the master/slave spellings entirely; the statements we use are 8.0.26's.
const MYSQL84: Flavor = { ...MYSQL80, name: 'mysql84' };

const MARIADB: Flavor = {
  name: 'mariadb',
  gtidKind: 'mariadb',
  changeSource: (a) => ({
    // No MASTER_RETRY_COUNT clause on MariaDB: it is the server variable master_retry_count.
    sql:
      'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, ' +
      'MASTER_CONNECT_RETRY = ?, MASTER_HEARTBEAT_PERIOD = ?, MASTER_USE_GTID = slave_pos',
    params: [a.host, a.port, a.user, a.password, a.connectRetrySec, a.heartbeatSec],
  }),
  alignReplicaPosition: 'SET GLOBAL gtid_slave_pos = @@GLOBAL.gtid_binlog_pos',
  startReplica: 'START SLAVE',
  stopReplica: 'STOP SLAVE',
  stopIoThread: 'STOP SLAVE IO_THREAD',
  ioThreadIdsQuery: "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND = 'Slave_IO'",
  startIoThread: 'START SLAVE IO_THREAD',
  startSqlThread: 'START SLAVE SQL_THREAD',
  resetReplicaAll: 'RESET SLAVE ALL',
  showReplicaStatus: 'SHOW SLAVE STATUS',
  replicaStatus: { ...OLD_STATUS, retrievedGtid: 'Gtid_IO_Pos' },
  // Per-server last seqs (not just the head), so divergence can be seen; see gtid-mariadb.ts.
  executedGtidQuery: 'SELECT @@GLOBAL.gtid_binlog_state',
  waitForGtidQuery: 'SELECT MASTER_GTID_WAIT(?, ?)',
  waitReachedValue: 0,
  superReadOnly: false,
  readOnlyAdmin: 'READ_ONLY ADMIN',
  offlineMode: false,
  semiSync: semiSync('master', false),
  // READ_ONLY ADMIN lets the agent change read_only; CONNECTION ADMIN lets it kill sessions;
  // REPLICATION SLAVE ADMIN runs CHANGE MASTER / START / STOP SLAVE; BINLOG MONITOR / SLAVE MONITOR read status.
  agentPrivileges: [
    'READ_ONLY ADMIN',
    'CONNECTION ADMIN',
    'REPLICATION SLAVE ADMIN',
    'REPLICATION MASTER ADMIN',
    'BINLOG MONITOR',
    'SLAVE MONITOR',
    'BINLOG ADMIN',
    'PROCESS',
    'RELOAD',
  ],
  replicationPrivileges: ['REPLICATION SLAVE'],
  mycnf: {
    gtid: [['gtid_strict_mode', 'ON']],
    logReplicaUpdates: 'log_slave_updates',
    skipReplicaStart: 'skip_slave_start',
    binlogExpiry: (seconds) => ['binlog_expire_logs_seconds', String(seconds)],
    crashSafeReplication: [],
    // `loose-`: a server too old to know the option still starts (and recovers the old way).
    crashRecoveryAsReplica: [['loose-init_rpl_role', 'SLAVE']],
    rootPasswordEnv: 'MARIADB_ROOT_PASSWORD',
  },
};

/** The flavor table's rows by name. */
export const FLAVORS: Readonly<Record<FlavorName, Flavor>> = {
  mysql57: MYSQL57,
  mysql80: MYSQL80,
  mysql84: MYSQL84,
  mariadb: MARIADB,
};

/** Maps `SELECT VERSION()` output to a flavor; refuses versions the table has no row for. */
export function detectFlavor(version: string): Flavor {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  if (!m) throw new UnsupportedVersionError(`version ${JSON.stringify(version)} is not major.minor.patch`);
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (/mariadb/i.test(version)) {
    if (major > 10 || (major === 10 && minor >= 6)) return MARIADB;
    throw new UnsupportedVersionError(`MariaDB ${major}.${minor} is not supported (allowed: 10.6 or newer)`);
  }
  if (major === 5 && minor === 7) return MYSQL57;
  if (major === 8 && minor === 0) {
    if (patch >= 26) return MYSQL80;
    throw new UnsupportedVersionError(`MySQL 8.0.${patch} is not supported (allowed: 5.7, 8.0.26+, 8.4+)`);
  }
  if ((major === 8 && minor >= 1) || major >= 9) return MYSQL84;
  throw new UnsupportedVersionError(`MySQL ${major}.${minor} is not supported (allowed: 5.7, 8.0.26+, 8.4+)`);
}

/** What a cluster's spec.mysql.flavor may say (src/api's `Flavor` setting). */
export type FlavorSetting = 'auto' | 'mysql' | 'mariadb';

/** The repository's last path segment and the tag of an image reference (digest dropped). */
export function parseImage(image: string): { repo: string; tag: string } {
  const noDigest = image.split('@')[0] ?? '';
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const hasTag = colon > slash;
  const path = hasTag ? noDigest.slice(0, colon) : noDigest;
  return { repo: path.slice(path.lastIndexOf('/') + 1).toLowerCase(), tag: hasTag ? noDigest.slice(colon + 1) : '' };
}

function mysqlFromTag(tag: string): FlavorName {
  if (/^5\.7(\b|[.-])/.test(tag) || tag === '5.7' || tag === '5') return 'mysql57';
  if (/^8\.0(\b|[.-])/.test(tag) || tag === '8.0') return 'mysql80';
  if (/^(8\.[1-9]|8$|9|lts|latest|innovation)/.test(tag)) return 'mysql84';
  return 'mysql80';
}

/**
 * The row an image will run, decided from the image reference and spec.mysql.flavor before any server
 * exists (the agent later confirms it with detectFlavor): `mariadb` by name or setting, else MySQL by
 * tag. An unknown MySQL tag is taken as 8.0, whose my.cnf is also valid on 8.4.
 */
export function flavorForImage(image: string, setting: FlavorSetting | undefined): FlavorName {
  const { repo, tag } = parseImage(image);
  if (setting === 'mariadb' || (setting !== 'mysql' && repo.includes('mariadb'))) return 'mariadb';
  return mysqlFromTag(tag);
}
