// fast-check generators of VALID MysqlClusters (schema and rules), both versions, status included.
import fc from 'fast-check';
import { formatMillis } from '../../src/api/duration.ts';
import type { MysqlClusterV1, MysqlClusterV2 } from '../../src/api/types.ts';
import { v1ToV2 } from '../../src/api/convert.ts';

// Built from character units: fc.stringMatching is ~10x slower and thousands of runs must stay cheap.
const chars = (set: string) => fc.constantFrom(...set.split(''));
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const text = (set: string, minLength: number, maxLength: number) =>
  fc.string({ unit: chars(set), minLength, maxLength });
const dnsLabel = (max: number) =>
  fc
    .tuple(text(LOWER, 1, 1), text(LOWER + '0123456789-', 0, max - 2), text(LOWER + '0123456789', 1, 1))
    .map((p) => p.join(''));
const word = fc.tuple(text(LOWER, 1, 1), text(LOWER + '0123456789', 0, 8)).map((p) => p.join(''));
const rfc3339 = fc
  .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().replace(/\.\d+Z$/, 'Z'));
const quantityText = fc
  .tuple(fc.integer({ min: 1, max: 4096 }), fc.constantFrom('Mi', 'Gi', 'Ti', 'M', 'G', ''))
  .map(([n, s]) => `${n}${s}`);

/** A duration string in several spellings, e.g. 1500 -> "1500ms" | "1.5s" | "1s500ms". */
function spell(ms: number): fc.Arbitrary<string> {
  const options = [fc.constant(formatMillis(ms)), fc.constant(`${ms}ms`), fc.constant(`${ms * 1000}us`)];
  if (ms >= 1000) options.push(fc.constant(`${ms / 1000}s`));
  if (ms >= 1000 && ms % 1000 !== 0) options.push(fc.constant(`${Math.floor(ms / 1000)}s${ms % 1000}ms`));
  return fc.oneof(...options);
}

const raft = fc.integer({ min: 1000, max: 60_000 }).chain((et) =>
  fc.record(
    {
      electionTimeout: spell(et),
      heartbeatInterval: fc.integer({ min: 50, max: Math.floor(et / 3) }).chain(spell),
      logBatchSize: fc.integer({ min: 1, max: 10_000 }),
      leaseDuration: fc.integer({ min: 1, max: et - 1 }).chain(spell),
    },
    { requiredKeys: ['electionTimeout'] },
  ),
);

const condition = fc.record(
  {
    type: fc.constantFrom('Ready', 'Available', 'Progressing', 'Degraded'),
    status: fc.constantFrom('True' as const, 'False' as const, 'Unknown' as const),
    observedGeneration: fc.nat(),
    lastTransitionTime: rfc3339,
    reason: fc.tuple(text('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 1, 1), text(LOWER, 0, 15)).map((p) => p.join('')),
    message: fc.string({ maxLength: 40 }),
  },
  { requiredKeys: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
);

const raftNode = fc.record(
  {
    name: dnsLabel(20),
    role: fc.constantFrom('leader', 'follower', 'candidate', 'learner'),
    term: fc.nat(),
    commitIndex: fc.nat(),
    lastApplied: fc.nat(),
    gtidExecuted: fc.string({ maxLength: 30 }),
    healthy: fc.boolean(),
    lag: fc.nat(),
    errant: fc.boolean(),
    lastHeartbeatTime: rfc3339,
  },
  { requiredKeys: ['name'] },
);

const statusV1 = fc.record(
  {
    phase: fc.constantFrom('Pending', 'Running', 'Failover', 'Degraded'),
    raftLeader: dnsLabel(20),
    raftTerm: fc.nat(),
    master: dnsLabel(20),
    slaves: fc.array(dnsLabel(20), { maxLength: 4 }),
    raftNodes: fc.uniqueArray(raftNode, { maxLength: 5, selector: (n) => n.name }),
    electionCount: fc.nat(),
    lastFailover: fc.record({
      from: dnsLabel(20),
      to: dnsLabel(20),
      reason: fc.constantFrom('PrimaryUnreachable', 'Switchover'),
      at: rfc3339,
      durationMs: fc.nat(),
    }),
    replicas: fc.nat({ max: 9 }),
    readyReplicas: fc.nat({ max: 9 }),
    selector: fc.constant('app=mysql-cluster'),
    conditions: fc.uniqueArray(condition, { maxLength: 4, selector: (c) => c.type }),
    observedGeneration: fc.nat(),
  },
  { requiredKeys: [] },
);

const annotations = fc.dictionary(
  fc.tuple(text(LOWER, 1, 8), text(LOWER, 1, 8)).map(([a, b]) => `${a}.example.com/${b}`),
  fc.string({ maxLength: 20 }),
  { minKeys: 1, maxKeys: 3 },
);

function specV1(name: string) {
  return fc.constantFrom(1, 3, 5, 7, 9).chain((replicas) =>
    fc.record(
      {
        image: fc.constantFrom('mysql:5.7', 'mysql:8.4', 'mariadb:11.4'),
        replicas: fc.constant(replicas),
        masterService: fc.constant(`${name}-master`),
        slaveService: fc.constant(`${name}-slave`),
        storage: fc.record({ storageClassName: word, size: quantityText }, { requiredKeys: ['size'] }),
        resources: fc.record(
          {
            requests: fc.record({ cpu: fc.constantFrom('250m', '500m', 1) }),
            limits: fc.record({ memory: fc.constantFrom('2Gi', '4Gi') }),
          },
          { requiredKeys: [] },
        ),
        raft,
        semiSync: fc.record(
          {
            enabled: fc.boolean(),
            waitForSlaveCount: replicas > 1 ? fc.integer({ min: 1, max: replicas - 1 }) : fc.constant(0),
            timeout: fc.nat({ max: 3_600_000 }),
          },
          { requiredKeys: [] },
        ),
        mysql: fc.record(
          {
            flavor: fc.constantFrom('auto' as const, 'mysql' as const, 'mariadb' as const),
            config: fc.dictionary(
              text(LOWER, 1, 10).map((k) => `max_${k}`),
              text(LOWER + '0123456789ABC', 1, 8),
              { maxKeys: 3 },
            ),
            secretName: dnsLabel(20),
          },
          { requiredKeys: [] },
        ),
        affinity: fc.constant({
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } },
            ],
          },
        }),
        tolerations: fc.array(
          fc.record({
            key: word,
            operator: fc.constant('Equal' as const),
            value: word,
            effect: fc.constantFrom('NoSchedule' as const, 'NoExecute' as const),
          }),
          { maxLength: 2 },
        ),
        nodeSelector: fc.dictionary(word, word, { maxKeys: 2 }),
        priorityClassName: word,
        paused: fc.boolean(),
      },
      { requiredKeys: ['image', 'replicas', 'storage'] },
    ),
  );
}

// JSON round trip: objects come off the wire as plain JSON (fast-check may build null-prototype records).
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export const clusterV1: fc.Arbitrary<MysqlClusterV1> = dnsLabel(52)
  .chain((name) =>
    fc.record(
      {
        apiVersion: fc.constant('apps.ryansu.com/v1' as const),
        kind: fc.constant('MysqlCluster' as const),
        metadata: fc.record(
          { name: fc.constant(name), namespace: word, generation: fc.nat(), annotations },
          { requiredKeys: ['name'] },
        ),
        spec: specV1(name),
        status: statusV1,
      },
      { requiredKeys: ['apiVersion', 'kind', 'metadata', 'spec'] },
    ),
  )
  .map(plain);

/** v2alpha1 objects, with semiSync.timeout spelled in any of its duration forms. */
export const clusterV2: fc.Arbitrary<MysqlClusterV2> = fc
  .tuple(clusterV1, fc.nat({ max: 3_600_000 }).chain(spell), fc.boolean())
  .map(([c, timeout, set]) => {
    const v2 = v1ToV2(c);
    if (set && v2.spec.semiSync) v2.spec.semiSync.timeout = timeout;
    return v2;
  });
