// The rule table shared by the pure tests and the over-HTTPS admission tests.
import type { MysqlClusterV1 } from '../../src/api/types.ts';
import { seedCluster, withField } from './fixtures.ts';

export interface DeniedCase {
  name: string;
  obj: MysqlClusterV1;
  field: string;
  allowed: RegExp;
}
export interface WarnedCase {
  name: string;
  obj: MysqlClusterV1;
  warning: RegExp;
}
export interface UpdateCase {
  name: string;
  old: MysqlClusterV1;
  obj: MysqlClusterV1;
  field?: string;
  allowed?: RegExp;
}

const longName = 'a'.repeat(53);

export const DENIED_CASES: DeniedCase[] = [
  {
    name: 'replicas even',
    obj: withField('spec.replicas', 4),
    field: 'spec.replicas',
    allowed: /odd number from 1 to 9/,
  },
  { name: 'replicas 0', obj: withField('spec.replicas', 0), field: 'spec.replicas', allowed: /odd number from 1 to 9/ },
  {
    name: 'replicas 11',
    obj: withField('spec.replicas', 11),
    field: 'spec.replicas',
    allowed: /odd number from 1 to 9/,
  },
  {
    name: 'replicas not an integer',
    obj: withField('spec.replicas', 'three'),
    field: 'spec.replicas',
    allowed: /integer/,
  },
  {
    name: 'electionTimeout below 1s',
    obj: withField('spec.raft.electionTimeout', '900ms'),
    field: 'spec.raft.electionTimeout',
    allowed: /from 1s to 60s/,
  },
  {
    name: 'electionTimeout above 60s',
    obj: withField('spec.raft.electionTimeout', '61s'),
    field: 'spec.raft.electionTimeout',
    allowed: /from 1s to 60s/,
  },
  {
    name: 'electionTimeout not a duration',
    obj: withField('spec.raft.electionTimeout', '3 seconds'),
    field: 'spec.raft.electionTimeout',
    allowed: /duration such as/,
  },
  {
    name: 'heartbeatInterval below 50ms',
    obj: withField('spec.raft.heartbeatInterval', '40ms'),
    field: 'spec.raft.heartbeatInterval',
    allowed: /from 50ms/,
  },
  {
    name: 'heartbeatInterval above electionTimeout/3',
    obj: withField('spec.raft.heartbeatInterval', '1100ms'),
    field: 'spec.raft.heartbeatInterval',
    allowed: /1000ms \(electionTimeout\/3\)/,
  },
  {
    name: 'leaseDuration equal to electionTimeout',
    obj: withField('spec.raft.leaseDuration', '3s'),
    field: 'spec.raft.leaseDuration',
    allowed: /shorter than electionTimeout/,
  },
  {
    name: 'leaseDuration longer than electionTimeout',
    obj: withField('spec.raft.leaseDuration', '4s'),
    field: 'spec.raft.leaseDuration',
    allowed: /shorter than electionTimeout/,
  },
  {
    name: 'logBatchSize 0',
    obj: withField('spec.raft.logBatchSize', 0),
    field: 'spec.raft.logBatchSize',
    allowed: /from 1 to 10000/,
  },
  {
    name: 'waitForSlaveCount 0 with 3 replicas',
    obj: withField('spec.semiSync.waitForSlaveCount', 0),
    field: 'spec.semiSync.waitForSlaveCount',
    allowed: /from 1 to 2/,
  },
  {
    name: 'waitForSlaveCount = replicas',
    obj: withField('spec.semiSync.waitForSlaveCount', 3),
    field: 'spec.semiSync.waitForSlaveCount',
    allowed: /from 1 to 2/,
  },
  {
    name: 'semiSync.timeout negative',
    obj: withField('spec.semiSync.timeout', -1),
    field: 'spec.semiSync.timeout',
    allowed: />= 0/,
  },
  {
    name: 'storage.size not a quantity',
    obj: withField('spec.storage.size', '10GB'),
    field: 'spec.storage.size',
    allowed: /positive Kubernetes quantity/,
  },
  {
    name: 'storage.size zero',
    obj: withField('spec.storage.size', '0'),
    field: 'spec.storage.size',
    allowed: /positive Kubernetes quantity/,
  },
  { name: 'storage missing', obj: withField('spec.storage', undefined), field: 'spec.storage', allowed: /required/ },
  {
    name: 'masterService equals slaveService',
    obj: withField('spec.slaveService', 'mysql-master'),
    field: 'spec.slaveService',
    allowed: /different from spec.masterService/,
  },
  {
    name: 'masterService not DNS-1035',
    obj: withField('spec.masterService', 'Mysql_Master'),
    field: 'spec.masterService',
    allowed: /DNS-1035 label/,
  },
  {
    name: 'slaveService starts with a digit',
    obj: withField('spec.slaveService', '1slave'),
    field: 'spec.slaveService',
    allowed: /DNS-1035 label/,
  },
  {
    name: 'cluster name too long',
    obj: withField('metadata.name', longName),
    field: 'metadata.name',
    allowed: /at most 52 characters/,
  },
  {
    name: 'cluster name not DNS-1035',
    obj: withField('metadata.name', '9cluster'),
    field: 'metadata.name',
    allowed: /DNS-1035 label/,
  },
  { name: 'image empty', obj: withField('spec.image', ''), field: 'spec.image', allowed: /non-empty/ },
  { name: 'image blank', obj: withField('spec.image', '   '), field: 'spec.image', allowed: /non-empty/ },
  { name: 'image missing', obj: withField('spec.image', undefined), field: 'spec.image', allowed: /required/ },
  {
    name: 'request above limit',
    obj: withField('spec.resources.requests.memory', '3Gi'),
    field: 'spec.resources.requests.memory',
    allowed: /at most the limit "2Gi"/,
  },
  {
    name: 'cpu request not a quantity',
    obj: withField('spec.resources.requests.cpu', 'half'),
    field: 'spec.resources.requests.cpu',
    allowed: /quantity/,
  },
  {
    name: 'flavor unknown',
    obj: withField('spec.mysql.flavor', 'postgres'),
    field: 'spec.mysql.flavor',
    allowed: /one of "auto", "mysql", "mariadb"/,
  },
  {
    name: 'operator-owned my.cnf setting',
    obj: withField('spec.mysql.config', { read_only: 'OFF' }),
    field: 'spec.mysql.config.read_only',
    allowed: /operator owns/,
  },
  {
    name: 'semi-sync my.cnf setting',
    obj: withField('spec.mysql.config', { 'rpl-semi-sync-master-timeout': '10' }),
    field: 'spec.mysql.config.rpl-semi-sync-master-timeout',
    allowed: /operator owns/,
  },
  {
    name: 'owned my.cnf setting behind a loose- prefix',
    obj: withField('spec.mysql.config', { 'loose-read-only': 'OFF' }),
    field: 'spec.mysql.config.loose-read-only',
    allowed: /operator owns/,
  },
  {
    name: 'binlog_format my.cnf setting',
    obj: withField('spec.mysql.config', { binlog_format: 'STATEMENT' }),
    field: 'spec.mysql.config.binlog_format',
    allowed: /operator owns/,
  },
  {
    name: 'multi-line my.cnf value',
    obj: withField('spec.mysql.config', { max_connections: '10\n[client]' }),
    field: 'spec.mysql.config.max_connections',
    allowed: /single-line/,
  },
  { name: 'unknown field', obj: withField('spec.replica', 3), field: 'spec.replica', allowed: /unknown field/ },
  {
    name: 'secretName not DNS-1123',
    obj: withField('spec.mysql.secretName', 'My_Secret'),
    field: 'spec.mysql.secretName',
    allowed: /DNS-1123/,
  },
  {
    name: 'toleration Exists with value',
    obj: withField('spec.tolerations', [{ key: 'k', operator: 'Exists', value: 'v' }]),
    field: 'spec.tolerations[0].value',
    allowed: /empty when operator is Exists/,
  },
  { name: 'paused not boolean', obj: withField('spec.paused', 'yes'), field: 'spec.paused', allowed: /boolean/ },
];

export const WARNED_CASES: WarnedCase[] = [
  { name: 'replicas 1 has no failover', obj: withField('spec.replicas', 1), warning: /no failover/ },
  {
    name: 'semi-sync timeout permits fallback',
    obj: withField('spec.semiSync.timeout', 1000),
    warning: /LOSE ACKNOWLEDGED WRITES/,
  },
  { name: 'semi-sync disabled', obj: withField('spec.semiSync.enabled', false), warning: /LOSE ACKNOWLEDGED WRITES/ },
  {
    name: 'heartbeat outside 300-500ms',
    obj: withField('spec.raft.heartbeatInterval', '100ms'),
    warning: /recommended 300ms-500ms/,
  },
  {
    name: 'electionTimeout outside 3-5s',
    obj: withField('spec.raft.electionTimeout', '10s'),
    warning: /recommended 3s-5s/,
  },
];

const grown = withField('spec.storage.size', '20Gi');
export const UPDATE_CASES: UpdateCase[] = [
  { name: 'storage grows', old: seedCluster(), obj: grown },
  { name: 'same storage in other units', old: seedCluster(), obj: withField('spec.storage.size', '10240Mi') },
  {
    name: 'storage shrinks',
    old: grown,
    obj: withField('spec.storage.size', '15Gi', grown),
    field: 'spec.storage.size',
    allowed: /never shrink/,
  },
  {
    name: 'storageClassName changes',
    old: seedCluster(),
    obj: withField('spec.storage.storageClassName', 'fast'),
    field: 'spec.storage.storageClassName',
    allowed: /immutable/,
  },
  {
    name: 'storageClassName removed',
    old: seedCluster(),
    obj: withField('spec.storage.storageClassName', undefined),
    field: 'spec.storage.storageClassName',
    allowed: /immutable/,
  },
  {
    name: 'flavor changes',
    old: withField('spec.mysql.flavor', 'mysql'),
    obj: withField('spec.mysql.flavor', 'mariadb'),
    field: 'spec.mysql.flavor',
    allowed: /immutable/,
  },
  {
    name: 'replicas 3 -> 5 (member count fixed until membership changes land)',
    old: seedCluster(),
    obj: withField('spec.replicas', 5),
    field: 'spec.replicas',
    allowed: /3 \(unchanged\): changing the member count of an existing cluster is not supported yet/,
  },
  { name: 'replicas unchanged', old: seedCluster(), obj: withField('spec.replicas', 3) },
  // Ratcheting: objects stored before the webhook (or a stricter rule) existed.
  {
    name: 'ratchet: a label on an object whose replicas were already even',
    old: withField('spec.replicas', 4),
    obj: withField('metadata.labels', { team: 'db' }, withField('spec.replicas', 4)),
  },
  {
    name: 'ratchet: another field changes, the old violation stays untouched',
    old: withField('spec.replicas', 4),
    obj: withField('spec.image', 'mysql:8.4', withField('spec.replicas', 4)),
  },
  {
    name: 'ratchet: changing the offending field to another bad value is refused',
    old: withField('spec.replicas', 4),
    obj: withField('spec.replicas', 6),
    field: 'spec.replicas',
  },
  {
    name: 'ratchet: a new violation on an untouched-before field is refused',
    old: withField('spec.replicas', 4),
    obj: withField('spec.masterService', 'same', withField('spec.slaveService', 'same', withField('spec.replicas', 4))),
    field: 'spec.slaveService',
  },
];
