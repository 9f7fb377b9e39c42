// my.cnf of a cluster, and the ConfigMap named by its content hash: a changed setting gives a new name,
// a new pod template, and so a roll. The settings fencing and replication rely on come first and cannot
// be overridden (the webhook refuses them; here they are dropped as well, in case a cluster was stored
// without the webhook): GTID on, ROW binlog, replica updates logged, read-only at start, replication not
// started at boot, crash-safe relay log, crash recovery as a replica (an unacknowledged tail is cut, not
// committed), semi-sync loaded (source side off until promotion, see
// docs/ARCHITECTURE.md), binlogs kept a week. server_id is per pod: the StatefulSet passes it. How each
// flavor spells these is its row's `mycnf` in src/mysql/flavor.ts; this file only orders them.
import { createHash } from 'node:crypto';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { MYCNF_KEY, mycnfConfigMapName } from '../../api/names.ts';
import { OWNED_MYSQL_SETTINGS } from '../../api/rules.ts';
import { FLAVORS, flavorForImage, type FlavorName } from '../../mysql/index.ts';
import type { Cluster } from './cluster.ts';
import { childMeta } from './labels.ts';
import { MYSQLD_PID_FILE } from './ports.ts';

/** The port mysqld listens on (the agent's MYSQL_PORT). */
export const MYSQL_PORT = 3306;
/** Binlog retention: long enough for a replica that was down a while to catch up from GTIDs. */
export const BINLOG_RETENTION_SECONDS = 7 * 24 * 3600;

type Setting = readonly [string, string];

function semiSyncSettings(f: FlavorName, replicaOn: boolean): Setting[] {
  const s = FLAVORS[f].semiSync;
  const plugins = [s.sourcePlugin, s.replicaPlugin].flatMap((p) => (p ? [p.soname] : []));
  // `loose-` lets a server start even if a plugin failed to load; the agent then reports it.
  const prefix = plugins.length ? 'loose-' : '';
  return [
    ...(plugins.length ? ([['plugin_load_add', plugins.join(';')]] as Setting[]) : []),
    [`${prefix}${s.sourceEnabled}`, 'OFF'],
    [`${prefix}${s.replicaEnabled}`, replicaOn ? 'ON' : 'OFF'],
    [`${prefix}${s.waitPoint}`, 'AFTER_SYNC'],
  ];
}

/** The operator's settings, in the order they are written; the flavor's words come from its row. */
export function operatorSettings(f: FlavorName, semiSyncOn: boolean): Setting[] {
  const row = FLAVORS[f];
  const words = row.mycnf;
  return [
    ['port', String(MYSQL_PORT)],
    ['pid_file', MYSQLD_PID_FILE],
    ...words.gtid,
    ['log_bin', 'mysql-bin'],
    ['binlog_format', 'ROW'],
    [words.logReplicaUpdates, 'ON'],
    ['relay_log', 'relay-bin'],
    ['relay_log_recovery', 'ON'],
    ['read_only', 'ON'],
    ...(row.superReadOnly ? ([['super_read_only', 'ON']] as Setting[]) : []),
    [words.skipReplicaStart, 'ON'],
    words.binlogExpiry(BINLOG_RETENTION_SECONDS),
    ...words.crashSafeReplication,
    ...words.crashRecoveryAsReplica,
    ...semiSyncSettings(f, semiSyncOn),
  ];
}

/** Defaults a user may override: durability and name resolution. */
const USER_DEFAULTS: Setting[] = [
  ['sync_binlog', '1'],
  ['innodb_flush_log_at_trx_commit', '1'],
  ['skip_name_resolve', 'ON'],
];

/** A my.cnf key as MySQL compares it: lower case, `-` as `_`, no `loose-` prefix. */
export function normalizeKey(key: string): string {
  return key
    .toLowerCase()
    .replace(/-/g, '_')
    .replace(/^loose_/, '');
}

/** Whether the operator owns this key (a user value would be dropped). */
export function isOwnedSetting(key: string, owned: ReadonlySet<string>): boolean {
  const k = normalizeKey(key);
  return owned.has(k) || k.startsWith('rpl_semi_sync') || k.startsWith('plugin_load');
}

/** The rendered my.cnf, and the user keys that were dropped because the operator owns them. */
export function renderMycnf(cluster: Cluster): { text: string; ignored: string[] } {
  const f = flavorForImage(cluster.spec.image, cluster.spec.mysql?.flavor);
  const ours = operatorSettings(f, cluster.spec.semiSync?.enabled !== false);
  const owned = new Set([...OWNED_MYSQL_SETTINGS.map(normalizeKey), ...ours.map(([k]) => normalizeKey(k))]);
  const user = cluster.spec.mysql?.config ?? {};
  const ignored: string[] = [];
  const merged = new Map<string, Setting>(USER_DEFAULTS.map((s) => [normalizeKey(s[0]), s]));
  for (const k of Object.keys(user).sort()) {
    const v = String(user[k]);
    if (isOwnedSetting(k, owned) || /[\r\n\0]/.test(v) || !/^[A-Za-z][A-Za-z0-9_-]*$/.test(k)) ignored.push(k);
    else merged.set(normalizeKey(k), [k, v]);
  }
  const lines = [...ours, ...merged.values()].map(([k, v]) => `${k} = ${v}`);
  const header = `# Written by mysql-raft-operator for MysqlCluster ${cluster.metadata.name} (${f}); do not edit.`;
  return { text: [header, '[mysqld]', ...lines, ''].join('\n'), ignored };
}

/** First 10 hex digits of the SHA-256 of the content. */
export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}

/** The immutable ConfigMap `<cluster>-mycnf-<hash>` holding my.cnf. */
export function mycnfConfigMap(cluster: Cluster): { configMap: V1ConfigMap; ignored: string[] } {
  const { text, ignored } = renderMycnf(cluster);
  const name = mycnfConfigMapName(cluster.metadata.name, contentHash(text));
  return {
    configMap: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: childMeta(cluster, name),
      immutable: true,
      data: { [MYCNF_KEY]: text },
    },
    ignored,
  };
}
