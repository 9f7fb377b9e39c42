// MySQL cannot run on this machine (Debian ships only MariaDB): the MySQL rows of the flavor table are
// checked here against the statements and variable names each version documents.
import t from 'tap';
import { detectFlavor, flavorForImage, FLAVORS, parseImage, type FlavorName } from '../../src/mysql/flavor.ts';
import { UnsupportedVersionError } from '../../src/mysql/mysql-errors.ts';
import { ioThreadState } from '../../src/mysql/status.ts';

const args = {
  host: 'h',
  port: 3306,
  user: 'repl',
  password: 's3cret',
  connectRetrySec: 1,
  retryCount: 10,
  heartbeatSec: 1,
};

t.test('versions map to flavors', async (t) => {
  const cases: [string, FlavorName][] = [
    ['5.7.44-log', 'mysql57'],
    ['8.0.26', 'mysql80'],
    ['8.0.40-0ubuntu0.22.04.1', 'mysql80'],
    ['8.4.3', 'mysql84'],
    ['9.1.0', 'mysql84'],
    ['10.6.18-MariaDB', 'mariadb'],
    ['10.11.19-MariaDB-0+deb12u1-log', 'mariadb'],
    ['11.4.2-MariaDB-ubu2404', 'mariadb'],
  ];
  for (const [v, name] of cases) t.equal(detectFlavor(v).name, name, v);
  for (const v of ['5.6.51', '8.0.25', '10.5.9-MariaDB', 'banana', '']) {
    t.throws(() => detectFlavor(v), UnsupportedVersionError, v);
  }
  try {
    detectFlavor('10.4.1-MariaDB');
  } catch (e) {
    t.match((e as Error).message, /MariaDB 10\.4 is not supported \(allowed: 10\.6 or newer\)/);
  }
});

t.test('CHANGE ... TO: statement words and GTID auto-position per flavor, password only as a parameter', async (t) => {
  const expect: Record<FlavorName, [RegExp, RegExp]> = {
    mysql57: [/^CHANGE MASTER TO MASTER_HOST = \?/, /MASTER_AUTO_POSITION = 1$/],
    mysql80: [/^CHANGE REPLICATION SOURCE TO SOURCE_HOST = \?/, /SOURCE_AUTO_POSITION = 1$/],
    mysql84: [/^CHANGE REPLICATION SOURCE TO SOURCE_HOST = \?/, /SOURCE_AUTO_POSITION = 1$/],
    mariadb: [/^CHANGE MASTER TO MASTER_HOST = \?/, /MASTER_USE_GTID = slave_pos$/],
  };
  for (const name of Object.keys(FLAVORS) as FlavorName[]) {
    const { sql, params } = FLAVORS[name].changeSource(args);
    t.match(sql, expect[name][0], `${name} start`);
    t.match(sql, expect[name][1], `${name} gtid`);
    t.notMatch(sql, /s3cret/, `${name}: no password in SQL text`);
    t.equal((sql.match(/\?/g) ?? []).length, params.length, `${name}: placeholders match params`);
    t.ok(params.includes('s3cret'));
  }
});

t.test('replication statements, status columns and GTID functions', async (t) => {
  const m57 = FLAVORS.mysql57;
  const m80 = FLAVORS.mysql80;
  const m84 = FLAVORS.mysql84;
  const mdb = FLAVORS.mariadb;
  t.same(
    [m57.startReplica, m57.stopIoThread, m57.showReplicaStatus, m57.resetReplicaAll],
    ['START SLAVE', 'STOP SLAVE IO_THREAD', 'SHOW SLAVE STATUS', 'RESET SLAVE ALL'],
  );
  for (const f of [m80, m84]) {
    t.same(
      [f.startReplica, f.stopIoThread, f.showReplicaStatus, f.resetReplicaAll],
      ['START REPLICA', 'STOP REPLICA IO_THREAD', 'SHOW REPLICA STATUS', 'RESET REPLICA ALL'],
    );
    t.equal(f.replicaStatus.ioRunning, 'Replica_IO_Running');
    t.equal(f.replicaStatus.lag, 'Seconds_Behind_Source');
    t.notMatch(
      JSON.stringify(f.replicaStatus) + f.stopReplica + f.startReplica,
      /SLAVE|Master/i,
      `${f.name}: 8.4 removed the old words`,
    );
  }
  t.equal(m57.replicaStatus.ioRunning, 'Slave_IO_Running');
  t.equal(mdb.replicaStatus.retrievedGtid, 'Gtid_IO_Pos');
  t.equal(m57.replicaStatus.retrievedGtid, 'Retrieved_Gtid_Set');
  for (const f of [m57, m80, m84]) {
    t.equal(f.executedGtidQuery, 'SELECT @@GLOBAL.gtid_executed');
    t.equal(f.waitForGtidQuery, 'SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?)');
    t.equal(f.gtidKind, 'mysql');
    t.ok(f.superReadOnly && f.offlineMode);
  }
  t.equal(mdb.executedGtidQuery, 'SELECT @@GLOBAL.gtid_binlog_state');
  t.equal(mdb.waitForGtidQuery, 'SELECT MASTER_GTID_WAIT(?, ?)');
  t.equal(mdb.gtidKind, 'mariadb');
  t.notOk(mdb.superReadOnly, 'MariaDB has no super_read_only');
  t.notOk(mdb.offlineMode, 'MariaDB has no offline_mode');
});

t.test('semi-sync names: master/slave up to 8.0.25 and on MariaDB, source/replica from 8.0.26', async (t) => {
  const s57 = FLAVORS.mysql57.semiSync;
  t.same(s57.sourcePlugin, { name: 'rpl_semi_sync_master', soname: 'semisync_master.so' });
  t.equal(s57.waitCount, 'rpl_semi_sync_master_wait_for_slave_count');
  t.equal(s57.waitNoReplica, 'rpl_semi_sync_master_wait_no_slave');
  t.equal(s57.statusYesTx, 'Rpl_semi_sync_master_yes_tx');
  for (const f of [FLAVORS.mysql80, FLAVORS.mysql84]) {
    const s = f.semiSync;
    t.same(s.sourcePlugin, { name: 'rpl_semi_sync_source', soname: 'semisync_source.so' });
    t.same(s.replicaPlugin, { name: 'rpl_semi_sync_replica', soname: 'semisync_replica.so' });
    t.equal(s.waitCount, 'rpl_semi_sync_source_wait_for_replica_count');
    t.equal(s.waitPoint, 'rpl_semi_sync_source_wait_point');
    t.equal(s.waitNoReplica, 'rpl_semi_sync_source_wait_no_replica');
    t.equal(s.statusOn, 'Rpl_semi_sync_source_status');
    t.equal(s.replicaEnabled, 'rpl_semi_sync_replica_enabled');
  }
  const md = FLAVORS.mariadb.semiSync;
  t.equal(md.sourcePlugin, null, 'built into MariaDB since 10.3');
  t.equal(md.waitCount, null, 'MariaDB cannot require more than one ack');
  t.equal(md.sourceEnabled, 'rpl_semi_sync_master_enabled');
  t.equal(md.replicaEnabled, 'rpl_semi_sync_slave_enabled');
  t.equal(md.statusClients, 'Rpl_semi_sync_master_clients');
});

t.test('agent privileges: no ALL, no GRANT OPTION, no DDL', async (t) => {
  for (const f of Object.values(FLAVORS)) {
    const p = f.agentPrivileges.join(',');
    t.notMatch(p, /\bALL\b|GRANT|CREATE|DROP|ALTER|DELETE|UPDATE/, f.name);
    t.same(f.replicationPrivileges, ['REPLICATION SLAVE'], f.name);
  }
});

t.test(
  'IO thread state: only "No" is stopped (MariaDB reports "Preparing" while it registers with the source)',
  async (t) => {
    t.equal(ioThreadState('Yes'), 'yes');
    t.equal(ioThreadState('No'), 'no');
    t.equal(ioThreadState('Connecting'), 'connecting');
    t.equal(
      ioThreadState('Preparing'),
      'connecting',
      'a connected thread that has not read yet still counts as receiving',
    );
    t.equal(ioThreadState('Something new'), 'connecting', 'an unknown state is never read as stopped');
  },
);

const IMAGE_CASES: [string, 'auto' | 'mysql' | 'mariadb' | undefined, FlavorName][] = [
  ['mysql:5.7', undefined, 'mysql57'],
  ['mysql:5.7.44', 'auto', 'mysql57'],
  ['mysql:8.0', undefined, 'mysql80'],
  ['mysql:8.0.36-debian', undefined, 'mysql80'],
  ['mysql:8.4', undefined, 'mysql84'],
  ['mysql:lts', undefined, 'mysql84'],
  ['mysql', undefined, 'mysql80'],
  ['registry.local:5000/db/mysql:9.1@sha256:abcd', undefined, 'mysql84'],
  ['mariadb:11.4', undefined, 'mariadb'],
  ['docker.io/library/mariadb:10.11', undefined, 'mariadb'],
  ['registry.local:5000/corp/db:1.2', 'mariadb', 'mariadb'],
  ['registry.local:5000/corp/mariadb-fork:8.0', 'mysql', 'mysql80'],
];
t.test('the row an image will run, from the image and spec.mysql.flavor', async (t) => {
  for (const [image, setting, want] of IMAGE_CASES)
    t.equal(flavorForImage(image, setting), want, `${image} ${setting ?? ''}`);
  t.same(parseImage('registry.local:5000/db/mysql'), { repo: 'mysql', tag: '' });
});

t.test("my.cnf words per flavor, as each version's documentation spells them", async (t) => {
  const week = 7 * 24 * 3600;
  const rows: [FlavorName, string, string, string[], string, number, string][] = [
    // flavor, log updates, skip start, gtid settings, expiry, crash-safe settings, root password env
    [
      'mysql57',
      'log_slave_updates',
      'skip_slave_start',
      ['gtid_mode', 'enforce_gtid_consistency'],
      'expire_logs_days=7',
      2,
      'MYSQL_ROOT_PASSWORD',
    ],
    [
      'mysql80',
      'log_replica_updates',
      'skip_replica_start',
      ['gtid_mode', 'enforce_gtid_consistency'],
      `binlog_expire_logs_seconds=${week}`,
      0,
      'MYSQL_ROOT_PASSWORD',
    ],
    [
      'mysql84',
      'log_replica_updates',
      'skip_replica_start',
      ['gtid_mode', 'enforce_gtid_consistency'],
      `binlog_expire_logs_seconds=${week}`,
      0,
      'MYSQL_ROOT_PASSWORD',
    ],
    [
      'mariadb',
      'log_slave_updates',
      'skip_slave_start',
      ['gtid_strict_mode'],
      `binlog_expire_logs_seconds=${week}`,
      0,
      'MARIADB_ROOT_PASSWORD',
    ],
  ];
  for (const [f, logUpdates, skipStart, gtid, expiry, crashSafe, env] of rows) {
    const w = FLAVORS[f].mycnf;
    t.equal(w.logReplicaUpdates, logUpdates, `${f}: replica updates logged`);
    t.equal(w.skipReplicaStart, skipStart, `${f}: replication not started at boot`);
    t.same(
      w.gtid.map(([k]) => k),
      gtid,
      `${f}: GTID settings`,
    );
    t.ok(
      w.gtid.every(([, v]) => v === 'ON'),
      `${f}: GTID settings on`,
    );
    t.equal(w.binlogExpiry(week).join('='), expiry, `${f}: binlog retention`);
    t.equal(w.crashSafeReplication.length, crashSafe, `${f}: crash-safe replication settings`);
    t.equal(w.rootPasswordEnv, env, `${f}: root password variable`);
  }
  t.equal(FLAVORS.mysql57.mycnf.binlogExpiry(3600).join('='), 'expire_logs_days=1', '5.7: at least a day');
});
