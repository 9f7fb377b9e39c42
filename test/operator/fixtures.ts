// The seed manifest as the operator sees it once stored: uid and defaults, plus a deterministic
// random source so builder outputs can be compared.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { MysqlClusterV1 } from '../../src/api/types.ts';
import { asCluster, type Cluster, type RandomSource } from '../../src/operator/desired/index.ts';

export const SAMPLE_PATH = new URL('../../kustomize/samples/mysql-cluster.yaml', import.meta.url);

/** The seed's MysqlCluster, parsed from kustomize/samples/mysql-cluster.yaml. */
export function sampleManifest(): MysqlClusterV1 {
  return parse(readFileSync(SAMPLE_PATH, 'utf8')) as MysqlClusterV1;
}

/** The seed cluster with a uid, optionally changed by `edit`. */
export function seed(edit: (c: MysqlClusterV1) => void = () => {}): Cluster {
  const c = sampleManifest();
  c.metadata.uid = '3f1e0c9a-0000-4000-8000-000000000001';
  c.metadata.generation = 1;
  edit(c);
  return asCluster(c);
}

/** Counts up from `start`: every call returns different, reproducible bytes. */
export function counterRandom(start = 0): RandomSource {
  let i = start;
  return (n) => Buffer.from(Array.from({ length: n }, () => i++ % 256));
}

export const OPTS = { agentImage: 'mysql-raft-operator:test' };
