// THE schema of MysqlCluster, written once. hack/gen-crds.ts turns it into the CRD's openAPIV3Schema and
// webhooks/ compiles it with ajv, so the API server and the webhook can never disagree on shape.
// Ranges and most cross-field rules live in rules.ts, so that a violation reaches the user as one webhook
// message listing everything. The few rules CEL can express (odd replicas, heartbeat <= electionTimeout/3,
// distinct Service names, storage never shrinks) are ALSO here as x-kubernetes-validations, so a cluster
// whose webhook is down or not yet installed still refuses those specs.
import {
  arr,
  bool,
  int,
  obj,
  opaque,
  quantity,
  str,
  stringMap,
  type CelRule,
  type JSONSchema,
} from './schema-builders.ts';

/** A served version's short name. */
export type ApiVersionName = 'v1' | 'v2alpha1';

interface Words {
  masterService: string;
  slaveService: string;
  waitForSlaveCount: string;
  master: string;
  slaves: string;
}

const WORDS: Record<ApiVersionName, Words> = {
  v1: {
    masterService: 'masterService',
    slaveService: 'slaveService',
    waitForSlaveCount: 'waitForSlaveCount',
    master: 'master',
    slaves: 'slaves',
  },
  v2alpha1: {
    masterService: 'primaryService',
    slaveService: 'replicaService',
    waitForSlaveCount: 'waitForReplicaCount',
    master: 'primary',
    slaves: 'replicaPods',
  },
};

/** The field names a version uses for the words that differ between versions (master/slave vs primary/replica). */
export function wordsFor(version: ApiVersionName): Words {
  return WORDS[version];
}

const durationText = 'a Go-style duration string such as "300ms", "3s" or "1m30s"';

/** A Go duration as CEL's duration() parses it; other spellings are left to the webhook's message. */
// `[.]`, not a backslash: CEL string literals refuse `\.` as an escape.
const GO_DURATION = '^([0-9]+([.][0-9]+)?(ns|us|µs|ms|s|m|h))+$';
const DURATION_MAX = 32;

/** `has(self.f) ? self.f : 'default'`: the value the mutating webhook would persist. */
const orDefault = (f: string, d: string): string => `(has(self.${f}) ? self.${f} : '${d}')`;

/** heartbeatInterval <= electionTimeout / 3, exactly (duration subtraction, no division). */
function heartbeatRule(): CelRule {
  const h = orDefault('heartbeatInterval', '300ms');
  const e = orDefault('electionTimeout', '3s');
  return {
    rule: `!${h}.matches('${GO_DURATION}') || !${e}.matches('${GO_DURATION}') || duration(${e}) - duration(${h}) - duration(${h}) - duration(${h}) >= duration('0s')`,
    message: 'heartbeatInterval must be at most electionTimeout/3 (defaults: 300ms and 3s)',
  };
}

function raftSchema(): JSONSchema {
  return withRules(raftFields(), [heartbeatRule()]);
}

function withRules(s: JSONSchema, rules: CelRule[]): JSONSchema {
  return { ...s, 'x-kubernetes-validations': rules };
}

function raftFields(): JSONSchema {
  return obj('Raft timing of the agents that elect the primary. All durations are ' + durationText + '.', {
    electionTimeout: str(
      'How long a follower waits without hearing from the leader before it campaigns. Default "3s"; allowed 1s..60s; recommended 3s..5s.',
      { maxLength: DURATION_MAX },
    ),
    heartbeatInterval: str(
      'How often the leader sends heartbeats. Default "300ms"; allowed 50ms..electionTimeout/3; recommended 300ms..500ms.',
      { maxLength: DURATION_MAX },
    ),
    logBatchSize: int('Most Raft log entries sent in one append message. Default 100; allowed 1..10000.'),
    leaseDuration: str(
      'Leader lease: how long a leader keeps serving writes after its last quorum contact. Must be shorter than electionTimeout. Unset means two thirds of electionTimeout.',
    ),
  });
}

function semiSyncSchema(version: ApiVersionName): JSONSchema {
  const w = wordsFor(version);
  const timeout =
    version === 'v1'
      ? int(
          'Milliseconds the primary waits for a replica acknowledgement before it FALLS BACK TO ASYNCHRONOUS replication (MySQL rpl_semi_sync_master_timeout). Unset (the default) means it never falls back: no acknowledged write can be lost. Setting it is accepted with a warning.',
        )
      : str(
          'How long the primary waits for a replica acknowledgement before it FALLS BACK TO ASYNCHRONOUS replication, as ' +
            durationText +
            '. Unset (the default) means it never falls back: no acknowledged write can be lost. Setting it is accepted with a warning.',
        );
  return obj(
    'Semi-synchronous replication (AFTER_SYNC): a commit is acknowledged to the client only after replicas have received it.',
    {
      enabled: bool(
        'Use semi-synchronous replication. Default true. Turning it off is accepted with a warning: a failover can then lose acknowledged writes.',
      ),
      [w.waitForSlaveCount]: int(
        'How many replicas must acknowledge each commit. Allowed 1..replicas-1 when replicas > 1. Unset means floor(replicas/2), recomputed when the cluster is scaled.',
      ),
      timeout,
    },
  );
}

function mysqlSchema(): JSONSchema {
  return obj('MySQL / MariaDB server settings.', {
    flavor: str(
      'Server family of the image: "auto" (detect from the running server, the default), "mysql" or "mariadb". Immutable once set.',
      { enum: ['auto', 'mysql', 'mariadb'] },
    ),
    config: stringMap(
      'Extra my.cnf [mysqld] settings, name -> value. Settings the operator owns for safety (server_id, gtid_mode, read_only, super_read_only, log_bin, rpl_semi_sync_*, ...) are refused.',
      'The my.cnf value, on one line.',
    ),
    secretName: str(
      'Secret holding the root, replication and agent passwords. Unset means the operator generates "<cluster>-credentials".',
    ),
  });
}

function schedulingSchema(): Record<string, JSONSchema> {
  return {
    affinity: opaque(
      'Pod affinity/anti-affinity for the MySQL pods, as in a Pod spec (core/v1 Affinity). Unset means the operator prefers spreading pods across nodes.',
    ),
    tolerations: arr(
      'Tolerations of the MySQL pods, as in a Pod spec.',
      obj('One toleration (core/v1 Toleration).', {
        key: str('Taint key to tolerate; empty with operator Exists tolerates everything.'),
        operator: str('"Exists" or "Equal" (default).', { enum: ['Exists', 'Equal'] }),
        value: str('Taint value to match with operator Equal.'),
        effect: str('Taint effect to match: NoSchedule, PreferNoSchedule or NoExecute; empty matches all.', {
          enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute', ''],
        }),
        tolerationSeconds: int('For NoExecute: how long the pod stays bound after the taint appears.'),
      }),
    ),
    nodeSelector: stringMap('Node labels the MySQL pods must be scheduled on.', 'Required value of the node label.'),
    priorityClassName: str('PriorityClass of the MySQL pods.'),
  };
}

/**
 * storage.size never shrinks, as a transition rule that Kubernetes 1.26 can run (CEL's quantity library
 * came later): whole numbers with a binary or decimal suffix up to T(i) are compared in bytes; other
 * spellings (`1.5Gi`, `1e9`) are left to the webhook, which compares any quantity exactly.
 */
function storageGrowsRule(): CelRule {
  const q = '^[0-9]{1,6}(k|M|G|T|Ki|Mi|Gi|Ti)?$';
  const units =
    "{'': 1, 'k': 1000, 'M': 1000000, 'G': 1000000000, 'T': 1000000000000, 'Ki': 1024, 'Mi': 1048576, 'Gi': 1073741824, 'Ti': 1099511627776}";
  const bytes = (x: string) => `int(${x}.find('^[0-9]+')) * ${units}[${x}.find('[kMGT]i?$')]`;
  return {
    rule: `!self.size.matches('${q}') || !oldSelf.size.matches('${q}') || ${bytes('self.size')} >= ${bytes('oldSelf.size')}`,
    message: 'storage.size may grow but never shrink',
  };
}

function specRules(version: ApiVersionName): CelRule[] {
  const w = wordsFor(version);
  return [
    { rule: 'self.replicas % 2 == 1', message: 'replicas must be odd (1, 3, 5, 7 or 9)' },
    {
      rule: `!has(self.${w.masterService}) || !has(self.${w.slaveService}) || self.${w.masterService} != self.${w.slaveService}`,
      message: `${w.masterService} and ${w.slaveService} must differ`,
    },
  ];
}

function specSchema(version: ApiVersionName): JSONSchema {
  return withRules(specFields(version), specRules(version));
}

function specFields(version: ApiVersionName): JSONSchema {
  const w = wordsFor(version);
  const serviceWord = version === 'v1' ? ['master', 'slaves'] : ['primary', 'replicas'];
  return obj(
    'Desired state of the MySQL cluster.',
    {
      image: str('MySQL or MariaDB container image, e.g. "mysql:5.7" or "mariadb:11.4". Must not be empty.'),
      replicas: int(
        'Number of MySQL pods, each a Raft voter. Allowed: odd, 1..9 (1 has no failover and is accepted with a warning). Scalable with kubectl scale.',
      ),
      [w.masterService]: str(
        `Name of the Service that routes to the writable ${serviceWord[0]}. A DNS-1035 label, different from ${w.slaveService}. Default "<cluster>-master".`,
      ),
      [w.slaveService]: str(
        `Name of the Service that routes to the read-only ${serviceWord[1]}. A DNS-1035 label, different from ${w.masterService}. Default "<cluster>-slave".`,
      ),
      storage: withRules(
        obj(
          'Persistent volume of each MySQL pod.',
          {
            storageClassName: str('StorageClass of the volume claims. Immutable.'),
            // A string (not int-or-string) with a bound: CEL's cost estimate needs maxLength for the
            // transition rule below, and Kubernetes 1.26 types an int-or-string as dyn, which has none.
            size: str(
              'Size of each volume claim, a Kubernetes quantity string such as "10Gi". Can grow, never shrink.',
              { maxLength: 64 },
            ),
          },
          ['size'],
        ),
        [storageGrowsRule()],
      ),
      resources: obj('CPU and memory of the mysqld container (core/v1 ResourceRequirements).', {
        requests: {
          type: 'object',
          description: 'Minimum resources, name -> quantity, e.g. cpu: 500m, memory: 1Gi.',
          additionalProperties: quantity('A Kubernetes quantity.'),
        },
        limits: {
          type: 'object',
          description: 'Maximum resources, name -> quantity; each must be >= its request.',
          additionalProperties: quantity('A Kubernetes quantity.'),
        },
      }),
      raft: raftSchema(),
      semiSync: semiSyncSchema(version),
      mysql: mysqlSchema(),
      ...schedulingSchema(),
      paused: bool('Stop reconciling this cluster (the pods keep running and failover still works). Default false.'),
    },
    ['image', 'replicas', 'storage'],
  );
}

function conditionSchema(): JSONSchema {
  return obj(
    'A metav1.Condition.',
    {
      type: str('Condition type: Ready, Available, Progressing or Degraded.'),
      status: str('True, False or Unknown.', { enum: ['True', 'False', 'Unknown'] }),
      observedGeneration: int('metadata.generation the condition was computed from.'),
      lastTransitionTime: str('When status last changed (RFC 3339).', { format: 'date-time' }),
      reason: str('CamelCase machine-readable reason.'),
      message: str('Human-readable detail.'),
    },
    ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  );
}

function statusSchema(version: ApiVersionName): JSONSchema {
  const w = wordsFor(version);
  return obj('Observed state, written by the operator.', {
    phase: str('Summary: Pending, Bootstrapping, Running, Failover, Degraded or Failed.'),
    raftLeader: str('Pod that leads the Raft group (and so owns the writable MySQL).'),
    raftTerm: int('Current Raft term; it grows by at least one per election.'),
    [w.master]: str('Pod whose MySQL is the writable primary.'),
    [w.slaves]: arr('Pods whose MySQL replicates from the primary.', str('Pod name.')),
    raftNodes: arr(
      'Per-pod Raft and replication state.',
      obj(
        'One Raft voter.',
        {
          name: str('Pod name.'),
          role: str('leader, follower, candidate, precandidate or learner.'),
          term: int('Raft term the node is in.'),
          commitIndex: int('Highest Raft log index known committed.'),
          lastApplied: int('Highest Raft log index applied.'),
          gtidExecuted: str('@@gtid_executed (or gtid_current_pos) of its MySQL.'),
          healthy: bool('Agent and mysqld answer, and the agent reported recently.'),
          lag: { type: 'number', description: 'Seconds this replica is behind its primary; absent when unknown.' },
          errant: bool('Its MySQL holds transactions the primary does not have; it is not re-attached.'),
          lastHeartbeatTime: str('Last heartbeat seen from this node (RFC 3339).', { format: 'date-time' }),
        },
        ['name'],
      ),
      { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
    ),
    electionCount: int('Elections since the cluster was created.'),
    lastFailover: obj('The most recent change of primary the agents reported.', {
      from: str('Pod that was primary before.'),
      to: str('Pod that became primary.'),
      reason: str('Why: e.g. PrimaryUnreachable, MysqldDown, Switchover, PodDeleted.'),
      at: str('When the new primary became writable (RFC 3339).', { format: 'date-time' }),
      durationMs: int('Milliseconds from the old primary lost to the new one writable.'),
    }),
    replicas: int('Pods that exist (scale subresource).'),
    readyReplicas: int('Pods that are ready.'),
    selector: str('Label selector of the pods, for the scale subresource (HorizontalPodAutoscaler).'),
    conditions: arr('Ready, Available, Progressing and Degraded, one each.', conditionSchema(), {
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    }),
    observedGeneration: int('metadata.generation the status describes.'),
  });
}

/** The openAPIV3Schema of one served version. */
export function mysqlClusterSchema(version: ApiVersionName): JSONSchema {
  return obj(
    `MysqlCluster (${version}): a MySQL/MariaDB cluster whose primary is elected by Raft, with no split brain. ` +
      'The name becomes the pod and Service prefix: a DNS-1035 label of at most 52 characters.',
    {
      apiVersion: str('Versioned schema of this representation: apps.ryansu.com/' + version + '.'),
      kind: str('MysqlCluster.'),
      // A real API server refuses anything in the root metadata schema but name/generateName restrictions
      // (and a description counts): standard ObjectMeta is implied.
      metadata: { type: 'object' },
      spec: specSchema(version),
      status: statusSchema(version),
    },
    ['spec'],
  );
}
