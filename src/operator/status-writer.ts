// Writes status through the status subresource when the fold changed it. The fold is computed again
// from a fresh read of the cluster before writing (the cache may lag our last write), and the write
// carries that read's resourceVersion; a 409 is retried from a new read.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import { GROUP, PLURAL, STORAGE_VERSION } from '../api/names.ts';
import type { MysqlClusterStatusV1, MysqlClusterV1 } from '../api/types.ts';
import { statusOf } from '../kube/api-errors.ts';
import { ConflictRetriesExhaustedError, MAX_CONFLICT_RETRIES, type WriteStats } from './writer.ts';

/** The status a cluster should have, given the one it has. */
export type StatusFold = (previous: MysqlClusterStatusV1 | undefined) => MysqlClusterStatusV1;

/** Equal as JSON: key order and undefined fields do not count. */
export function sameStatus(a: MysqlClusterStatusV1 | undefined, b: MysqlClusterStatusV1 | undefined): boolean {
  const norm = (x: unknown) => JSON.parse(JSON.stringify(x ?? {})) as unknown;
  return isDeepStrictEqual(norm(a), norm(b));
}

/** Writes a folded status when it differs from the stored one, and only then. */
export class StatusWriter {
  private readonly api: CustomObjectsApi;
  /** Test seam: runs between the fresh read and the status write. */
  beforeWrite: ((obj: MysqlClusterV1) => Promise<void>) | undefined;

  constructor(
    kc: KubeConfig,
    private readonly stats: WriteStats,
  ) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  /** Writes fold(status) when it differs; returns the status the cluster now has and whether it wrote. */
  async write(
    cached: MysqlClusterV1,
    fold: StatusFold,
  ): Promise<{ status: MysqlClusterStatusV1; wrote: boolean; previous: MysqlClusterStatusV1 | undefined }> {
    const first = fold(cached.status);
    if (sameStatus(first, cached.status)) return { status: first, wrote: false, previous: cached.status };
    const { namespace = '', name = '' } = cached.metadata;
    const ref = { group: GROUP, version: STORAGE_VERSION, namespace, plural: PLURAL, name };
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const fresh = (await this.api.getNamespacedCustomObject(ref)) as MysqlClusterV1;
      const next = fold(fresh.status);
      if (sameStatus(next, fresh.status)) return { status: next, wrote: false, previous: fresh.status };
      await this.beforeWrite?.(fresh);
      try {
        await this.api.replaceNamespacedCustomObjectStatus({ ...ref, body: { ...fresh, status: next } });
        this.stats.statusWrites++;
        return { status: next, wrote: true, previous: fresh.status };
      } catch (err) {
        if (statusOf(err) !== 409) throw err;
        this.stats.conflicts++;
      }
    }
    throw new ConflictRetriesExhaustedError(`MysqlCluster ${namespace}/${name} status`, MAX_CONFLICT_RETRIES);
  }
}
