// The seed README's manifest, unchanged, and a helper to vary it in table tests.
import type { MysqlClusterV1 } from '../../src/api/types.ts';

export function seedCluster(): MysqlClusterV1 {
  return {
    apiVersion: 'apps.ryansu.com/v1',
    kind: 'MysqlCluster',
    metadata: { name: 'mysql-raft-cluster', namespace: 'default' },
    spec: {
      image: 'mysql:5.7',
      replicas: 3,
      masterService: 'mysql-master',
      slaveService: 'mysql-slave',
      storage: { storageClassName: 'standard', size: '10Gi' },
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1000m', memory: '2Gi' } },
    },
  };
}

type Json = Record<string, unknown>;

/** A copy of the seed with `path` (dotted) set to value; undefined deletes. */
export function withField(path: string, value: unknown, base: MysqlClusterV1 = seedCluster()): MysqlClusterV1 {
  const out = structuredClone(base) as unknown as Json;
  const keys = path.split('.');
  let cur = out;
  for (const k of keys.slice(0, -1)) {
    if (typeof cur[k] !== 'object' || cur[k] === null) cur[k] = {};
    cur = cur[k] as Json;
  }
  const last = keys[keys.length - 1] as string;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
  return out as unknown as MysqlClusterV1;
}
