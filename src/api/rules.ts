// The cross-field and update rules of MysqlCluster v1, as small pure checks. Each reads the object,
// never trusts a type (the shape check runs beside it, not before it) and reports through `out`.
// docs/api.md lists the rules and why each exists.
import { DEFAULTS } from './defaults.ts';
import { isDuration, parseDuration } from './duration.ts';
import { compareQuantities, isPositive, parseQuantity, type Quantity } from './quantity.ts';
import type { ValidationResult } from './violations.ts';

/** A JSON object as decoded from a request body; nothing about its fields is known yet. */
export type Json = Record<string, unknown>;
/** What a rule sees: the object, its spec ({} when absent or not an object), and on update the old ones. */
export interface RuleInput {
  obj: Json;
  spec: Json;
  old?: { obj: Json; spec: Json };
}
/**
 * A validation rule: appends to `out` a violation (or warning) for each problem it finds. Fields of the wrong type are
 * left to the structural check.
 */
export type Rule = (input: RuleInput, out: ValidationResult) => void;

/** The fewest replicas allowed. */
export const MIN_REPLICAS = 1;
/** The most replicas allowed. */
export const MAX_REPLICAS = 9;
/** <name>-<10-char revision hash> must fit a 63-char label value (the StatefulSet limit). */
export const MAX_NAME_LENGTH = 52;
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const MYCNF_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** my.cnf settings the agents rely on for fencing and replication; a user value would break safety. */
export const OWNED_MYSQL_SETTINGS = [
  'server_id',
  'server-id',
  'gtid_mode',
  'gtid-mode',
  'enforce_gtid_consistency',
  'read_only',
  'super_read_only',
  'log_bin',
  'log-bin',
  'log_slave_updates',
  'log_replica_updates',
  'skip_slave_start',
  'skip_replica_start',
  'binlog_format',
  'relay_log',
  'relay_log_recovery',
  'relay_log_info_repository',
  'master_info_repository',
  'gtid_strict_mode',
  'init_rpl_role',
  'pid_file',
  'pid-file',
  'plugin_load',
  'plugin_load_add',
  'report_host',
  'bind_address',
  'port',
  'datadir',
  'socket',
];

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const sub = (o: Json, k: string): Json => (isRecord(o[k]) ? (o[k] as Json) : {});
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * Whether `s` is a DNS-1035 label (a Service name): at most 63 of [a-z0-9-], starting with a letter, not ending in '-'.
 */
export function isDns1035Label(s: string): boolean {
  return s.length <= 63 && DNS1035.test(s);
}
/** Whether `s` is a DNS-1123 subdomain (most object names): dot-separated labels, 1 to 253 characters. */
export function isDns1123Subdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && s.split('.').every((p) => DNS1123_LABEL.test(p));
}

/** spec.replicas must be odd and within MIN_REPLICAS..MAX_REPLICAS. */
export const replicasRule: Rule = ({ spec }, out) => {
  const r = spec['replicas'];
  if (!isInt(r)) return;
  if (r < MIN_REPLICAS || r > MAX_REPLICAS || r % 2 === 0) {
    out.violations.push({
      field: 'spec.replicas',
      value: r,
      allowed: `an odd number from ${MIN_REPLICAS} to ${MAX_REPLICAS} (1, 3, 5, 7 or 9): Raft needs a strict majority`,
    });
  } else if (r === 1) {
    out.warnings.push('spec.replicas: 1 runs a single MySQL pod with no failover; use 3 or 5 for high availability');
  }
};

const image: Rule = ({ spec }, out) => {
  const v = spec['image'];
  if (typeof v === 'string' && v.trim() === '')
    out.violations.push({
      field: 'spec.image',
      value: v,
      allowed: 'a non-empty container image reference such as "mysql:5.7"',
    });
};

const name: Rule = ({ obj }, out) => {
  const n = sub(obj, 'metadata')['name'];
  if (typeof n !== 'string' || n === '') return;
  if (n.length > MAX_NAME_LENGTH || !DNS1035.test(n)) {
    out.violations.push({
      field: 'metadata.name',
      value: n,
      allowed: `a DNS-1035 label (lower-case letters, digits, "-", starting with a letter) of at most ${MAX_NAME_LENGTH} characters, so that pod names and labels fit`,
    });
  }
};

function durationField(raft: Json, key: string, out: ValidationResult): number | undefined {
  const v = raft[key];
  if (v === undefined) return undefined;
  if (!isDuration(v)) {
    if (typeof v === 'string')
      out.violations.push({
        field: `spec.raft.${key}`,
        value: v,
        allowed: 'a duration such as "300ms", "3s" or "1m30s" (units ns, us, ms, s, m, h)',
      });
    return undefined;
  }
  return parseDuration(v);
}

const raftTimings: Rule = ({ spec }, out) => {
  const raft = sub(spec, 'raft');
  const et = durationField(raft, 'electionTimeout', out);
  const hb = durationField(raft, 'heartbeatInterval', out);
  const lease = durationField(raft, 'leaseDuration', out);
  const election = et ?? (raft['electionTimeout'] === undefined ? parseDuration(DEFAULTS.electionTimeout) : undefined);
  if (et !== undefined) electionTimeoutRange(raft, et, out);
  if (hb !== undefined) heartbeatRange(raft, { hb, election }, out);
  if (lease !== undefined && election !== undefined && (lease <= 0 || lease >= election)) {
    out.violations.push({
      field: 'spec.raft.leaseDuration',
      value: raft['leaseDuration'],
      allowed: `greater than 0 and shorter than electionTimeout (${election}ms), or no new leader could be elected before the old lease ends`,
    });
  }
  const batch = raft['logBatchSize'];
  if (isInt(batch) && (batch < 1 || batch > 10_000))
    out.violations.push({ field: 'spec.raft.logBatchSize', value: batch, allowed: 'from 1 to 10000' });
};

/** electionTimeout (ms) from 1s to 60s; outside 3s-5s only warns. */
function electionTimeoutRange(raft: Json, et: number, out: ValidationResult): void {
  if (et < 1000 || et > 60_000)
    out.violations.push({
      field: 'spec.raft.electionTimeout',
      value: raft['electionTimeout'],
      allowed: 'from 1s to 60s',
    });
  else if (et < 3000 || et > 5000)
    out.warnings.push(`spec.raft.electionTimeout: ${String(raft['electionTimeout'])} is outside the recommended 3s-5s`);
}

/** heartbeatInterval (ms) from 50ms to a third of a valid election timeout; outside 300ms-500ms only warns. */
function heartbeatRange(raft: Json, ms: { hb: number; election: number | undefined }, out: ValidationResult): void {
  const { hb, election } = ms;
  const cap = election !== undefined && election >= 1000 && election <= 60_000 ? election / 3 : undefined;
  if (hb < 50 || (cap !== undefined && hb > cap)) {
    const capText = cap !== undefined ? `${+cap.toFixed(3)}ms (electionTimeout/3)` : 'electionTimeout/3';
    out.violations.push({
      field: 'spec.raft.heartbeatInterval',
      value: raft['heartbeatInterval'],
      allowed: `from 50ms to ${capText}, so a follower hears several heartbeats per election timeout`,
    });
  } else if (hb < 300 || hb > 500) {
    out.warnings.push(
      `spec.raft.heartbeatInterval: ${String(raft['heartbeatInterval'])} is outside the recommended 300ms-500ms`,
    );
  }
}

const semiSync: Rule = ({ spec }, out) => {
  const ss = sub(spec, 'semiSync');
  const r = spec['replicas'];
  const wait = ss['waitForSlaveCount'];
  if (isInt(wait) && isInt(r)) {
    if (r > 1 && (wait < 1 || wait > r - 1)) {
      out.violations.push({
        field: 'spec.semiSync.waitForSlaveCount',
        value: wait,
        allowed: `from 1 to ${r - 1} (replicas-1) with ${r} replicas`,
      });
    } else if (r === 1 && wait !== 0) {
      out.violations.push({
        field: 'spec.semiSync.waitForSlaveCount',
        value: wait,
        allowed: '0 or unset with 1 replica (there is nothing to wait for)',
      });
    }
  }
  const timeout = ss['timeout'];
  if (isInt(timeout)) {
    if (timeout < 0)
      out.violations.push({
        field: 'spec.semiSync.timeout',
        value: timeout,
        allowed: 'milliseconds >= 0, or unset for no fallback to asynchronous replication',
      });
    else
      out.warnings.push(
        `spec.semiSync.timeout: after ${timeout}ms without a replica acknowledgement the primary falls back to asynchronous replication; a failover can then LOSE ACKNOWLEDGED WRITES. Unset it to never fall back`,
      );
  }
  if (ss['enabled'] === false && isInt(r) && r > 1) {
    out.warnings.push(
      'spec.semiSync.enabled: false makes replication asynchronous; a failover can LOSE ACKNOWLEDGED WRITES',
    );
  }
};

const services: Rule = ({ spec }, out) => {
  for (const key of ['masterService', 'slaveService'] as const) {
    const v = spec[key];
    if (typeof v === 'string' && !isDns1035Label(v)) {
      out.violations.push({
        field: `spec.${key}`,
        value: v,
        allowed:
          'a DNS-1035 label: at most 63 lower-case letters, digits or "-", starting with a letter and ending with a letter or digit',
      });
    }
  }
  if (typeof spec['masterService'] === 'string' && spec['masterService'] === spec['slaveService']) {
    out.violations.push({
      field: 'spec.slaveService',
      value: spec['slaveService'],
      allowed: 'a name different from spec.masterService (writes and reads need separate Services)',
    });
  }
};

function quantityOf(v: unknown): Quantity | undefined {
  try {
    return typeof v === 'string' || typeof v === 'number' ? parseQuantity(v) : undefined;
  } catch {
    return undefined;
  }
}

const storage: Rule = ({ spec }, out) => {
  const st = sub(spec, 'storage');
  const size = st['size'];
  if (size === undefined) return;
  const q = quantityOf(size);
  if (!q || !isPositive(q))
    out.violations.push({
      field: 'spec.storage.size',
      value: size,
      allowed: 'a positive Kubernetes quantity such as "10Gi" or "500Mi"',
    });
  const sc = st['storageClassName'];
  if (typeof sc === 'string' && sc !== '' && !isDns1123Subdomain(sc))
    out.violations.push({
      field: 'spec.storage.storageClassName',
      value: sc,
      allowed: 'a DNS-1123 subdomain (the name of a StorageClass)',
    });
};

const resources: Rule = ({ spec }, out) => {
  const res = sub(spec, 'resources');
  const parsed: Record<'requests' | 'limits', Record<string, Quantity>> = { requests: {}, limits: {} };
  for (const kind of ['requests', 'limits'] as const) {
    for (const [k, v] of Object.entries(sub(res, kind))) {
      const q = quantityOf(v);
      if (!q || q.num < 0n)
        out.violations.push({
          field: `spec.resources.${kind}.${k}`,
          value: v,
          allowed: 'a non-negative Kubernetes quantity such as "500m", "1Gi" or 2',
        });
      else parsed[kind][k] = q;
    }
  }
  for (const [k, req] of Object.entries(parsed.requests)) {
    const lim = parsed.limits[k];
    if (lim && compareQuantities(req, lim) > 0) {
      out.violations.push({
        field: `spec.resources.requests.${k}`,
        value: sub(res, 'requests')[k],
        allowed: `at most the limit ${JSON.stringify(sub(res, 'limits')[k])}`,
      });
    }
  }
};

const mysql: Rule = ({ spec }, out) => {
  const m = sub(spec, 'mysql');
  for (const [k, v] of Object.entries(sub(m, 'config'))) {
    const field = `spec.mysql.config.${k}`;
    // MySQL reads `loose-x` as x (ignored only if unknown): it must not slip a setting past this rule.
    const norm = k
      .toLowerCase()
      .replace(/-/g, '_')
      .replace(/^loose_/, '');
    if (!MYCNF_NAME.test(k))
      out.violations.push({ field, value: k, allowed: 'a my.cnf option name: letters, digits, "_" or "-"' });
    else if (
      OWNED_MYSQL_SETTINGS.includes(k.toLowerCase()) ||
      OWNED_MYSQL_SETTINGS.includes(norm) ||
      norm.startsWith('rpl_semi_sync')
    ) {
      out.violations.push({
        field,
        value: v,
        allowed: 'not settable: the operator owns this setting (fencing, GTID replication and semi-sync depend on it)',
      });
    }
    if (typeof v === 'string' && /[\r\n\0]/.test(v))
      out.violations.push({ field, value: v, allowed: 'a single-line value (no newlines)' });
  }
  const secret = m['secretName'];
  if (typeof secret === 'string' && !isDns1123Subdomain(secret))
    out.violations.push({
      field: 'spec.mysql.secretName',
      value: secret,
      allowed: 'a DNS-1123 subdomain (the name of a Secret)',
    });
};

const scheduling: Rule = ({ spec }, out) => {
  const pc = spec['priorityClassName'];
  if (typeof pc === 'string' && pc !== '' && !isDns1123Subdomain(pc))
    out.violations.push({
      field: 'spec.priorityClassName',
      value: pc,
      allowed: 'a DNS-1123 subdomain (the name of a PriorityClass)',
    });
  for (const [k, v] of Object.entries(sub(spec, 'nodeSelector'))) {
    if (typeof v === 'string' && (v.length > 63 || !LABEL_VALUE.test(v)))
      out.violations.push({
        field: `spec.nodeSelector.${k}`,
        value: v,
        allowed: 'a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric',
      });
  }
  const tolerations = spec['tolerations'];
  if (Array.isArray(tolerations)) {
    tolerations.forEach((t: unknown, i) => {
      if (isRecord(t) && t['operator'] === 'Exists' && typeof t['value'] === 'string' && t['value'] !== '') {
        out.violations.push({
          field: `spec.tolerations[${i}].value`,
          value: t['value'],
          allowed: 'empty when operator is Exists',
        });
      }
    });
  }
};

// ---- updates, checked against oldObject
const storageUpdate: Rule = ({ spec, old }, out) => {
  if (!old) return;
  const now = sub(spec, 'storage');
  const was = sub(old.spec, 'storage');
  const a = quantityOf(was['size']);
  const b = quantityOf(now['size']);
  if (a && b && compareQuantities(b, a) < 0) {
    out.violations.push({
      field: 'spec.storage.size',
      value: now['size'],
      allowed: `at least the current size ${JSON.stringify(was['size'])}: volumes can grow but never shrink`,
    });
  }
  if ((now['storageClassName'] ?? '') !== (was['storageClassName'] ?? '')) {
    out.violations.push({
      field: 'spec.storage.storageClassName',
      value: now['storageClassName'],
      allowed: `${JSON.stringify(was['storageClassName'] ?? '')} (immutable: existing volume claims cannot change class)`,
    });
  }
};

/** Until membership changes land (the day-2 issue), the member count of a cluster is fixed at creation:
 * a half-applied change (StatefulSet scaled, Raft membership not) would leave a majority unreachable. */
export const replicasUpdateRule: Rule = ({ spec, old }, out) => {
  if (!old) return;
  const was = old.spec['replicas'];
  const now = spec['replicas'];
  if (isInt(was) && isInt(now) && was !== now) {
    out.violations.push({
      field: 'spec.replicas',
      value: now,
      allowed: `${was} (unchanged): changing the member count of an existing cluster is not supported yet (Raft membership changes are a later release); create a new cluster with the size you need`,
    });
  }
};

const flavorUpdate: Rule = ({ spec, old }, out) => {
  if (!old) return;
  const was = sub(old.spec, 'mysql')['flavor'];
  const now = sub(spec, 'mysql')['flavor'];
  if (was !== undefined && now !== was) {
    out.violations.push({
      field: 'spec.mysql.flavor',
      value: now,
      allowed: `${JSON.stringify(was)} (immutable: the data directory belongs to one server family)`,
    });
  }
};

/** Every rule validate() applies, in the order their violations are reported. */
export const RULES: readonly Rule[] = [
  name,
  image,
  replicasRule,
  raftTimings,
  semiSync,
  services,
  storage,
  resources,
  mysql,
  scheduling,
  storageUpdate,
  replicasUpdateRule,
  flavorUpdate,
];
