// Writes one desired object: create when absent; otherwise compare with a FRESH read and update only
// the fields we own, guarded by the resourceVersion of that read. A 409 (someone wrote in between) is
// retried from a new read; a create that finds the object (our cache was behind) turns into a compare.
// Create-only objects (random Secrets, content-named ConfigMaps) are never updated: a Secret is never
// regenerated. Object bodies are never logged (they hold passwords).
import { KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../api/names.ts';
import { statusOf } from '../kube/api-errors.ts';
import type { DesiredObject } from './desired/index.ts';
import { isSubset, overlay } from './drift.ts';

/** What one ensure did. */
export type WriteOutcome = 'created' | 'updated' | 'unchanged';

/** Thrown when conflicting writers kept winning; the controller retries the reconcile with backoff. */
export class ConflictRetriesExhaustedError extends Error {
  constructor(what: string, attempts: number) {
    super(`${what}: still conflicting after ${attempts} fresh reads; retrying later`);
    this.name = 'ConflictRetriesExhaustedError';
  }
}

/** Counters tests and metrics read: every request that changed something, and each 409 met. */
export interface WriteStats {
  creates: number;
  updates: number;
  deletes: number;
  statusWrites: number;
  conflicts: number;
}

/** Fresh reads a write may take before the reconcile gives up and is retried with backoff. */
export const MAX_CONFLICT_RETRIES = 4;

/** Fields the API server refuses to change after creation: compared and written on create only. */
const IMMUTABLE_SPEC: Record<string, string[]> = {
  StatefulSet: ['selector', 'serviceName', 'podManagementPolicy', 'volumeClaimTemplates'],
  RoleBinding: [],
};

/** The part of a desired object an update may write. */
export function mutableView(obj: KubernetesObject): KubernetesObject {
  const drop = IMMUTABLE_SPEC[obj.kind ?? ''];
  const o = obj as KubernetesObject & { spec?: Record<string, unknown>; roleRef?: unknown };
  if (!drop) return obj;
  const spec = o.spec ? Object.fromEntries(Object.entries(o.spec).filter(([k]) => !drop.includes(k))) : undefined;
  const { roleRef: _roleRef, ...rest } = o;
  return { ...rest, ...(spec ? { spec } : {}) } as KubernetesObject;
}

/** `Kind/name`, for logs and events (never the body: it may hold passwords). */
export function describe(obj: KubernetesObject): string {
  return `${obj.kind}/${obj.metadata?.name}`;
}

/** Runs between the fresh read and the write: a test seam to make another writer win the race. */
export type BeforeWrite = (obj: KubernetesObject) => Promise<void>;

/** Creates and updates the cluster's children, owning only the fields it sets. */
export class ObjectWriter {
  private readonly api: KubernetesObjectApi;
  readonly stats: WriteStats = { creates: 0, updates: 0, deletes: 0, statusWrites: 0, conflicts: 0 };
  beforeWrite: BeforeWrite | undefined;

  constructor(kc: KubeConfig) {
    this.api = KubernetesObjectApi.makeApiClient(kc);
  }

  /** The object as stored now, or undefined. */
  async read(obj: KubernetesObject): Promise<KubernetesObject | undefined> {
    try {
      const { apiVersion, kind, metadata } = obj;
      return await this.api.read({
        apiVersion: apiVersion ?? '',
        kind: kind ?? '',
        metadata: { name: metadata?.name ?? '', namespace: metadata?.namespace ?? '' },
      });
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /** Makes the stored object match `d`; `cached` (from an informer) saves a request when it already does. */
  async ensure(d: DesiredObject, cached: KubernetesObject | undefined): Promise<WriteOutcome> {
    if (!cached) {
      const created = await this.create(d.obj);
      if (created) return 'created';
    }
    if (d.policy === 'create-only') return 'unchanged';
    const want = mutableView(d.obj);
    if (cached && isSubset(want, cached)) return 'unchanged';
    return this.update(d.obj, want);
  }

  /** Creates; false when it already exists (our cache was behind). */
  private async create(obj: KubernetesObject): Promise<boolean> {
    try {
      await this.api.create(obj, undefined, undefined, FIELD_MANAGER);
      this.stats.creates++;
      return true;
    } catch (err) {
      if (statusOf(err) === 409) return false;
      throw err;
    }
  }

  private async update(obj: KubernetesObject, want: KubernetesObject): Promise<WriteOutcome> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      const fresh = await this.read(obj);
      if (!fresh) return (await this.create(obj)) ? 'created' : 'unchanged';
      if (isSubset(want, fresh)) return 'unchanged';
      await this.beforeWrite?.(fresh);
      try {
        await this.api.replace(overlay(fresh, want) as KubernetesObject, undefined, undefined, FIELD_MANAGER);
        this.stats.updates++;
        return 'updated';
      } catch (err) {
        if (statusOf(err) !== 409) throw err;
        this.stats.conflicts++;
      }
    }
    throw new ConflictRetriesExhaustedError(describe(obj), MAX_CONFLICT_RETRIES);
  }

  /** A JSON merge patch of fields no other writer sets (a claim's storage request): idempotent, so no
   * resourceVersion guard. `obj` names the object (apiVersion, kind, name, namespace). */
  async mergePatch(obj: KubernetesObject, patch: Record<string, unknown>): Promise<void> {
    const { apiVersion, kind, metadata } = obj;
    await this.api.patch(
      { apiVersion, kind, metadata: { name: metadata?.name, namespace: metadata?.namespace }, ...patch },
      undefined,
      undefined,
      FIELD_MANAGER,
      undefined,
      PatchStrategy.MergePatch,
    );
    this.stats.updates++;
  }

  /** Deletes if present, guarded by uid so a re-created namesake survives. */
  async delete(obj: KubernetesObject): Promise<void> {
    try {
      await this.api.delete(obj, undefined, undefined, undefined, undefined, 'Background', {
        preconditions: { uid: obj.metadata?.uid },
      });
      this.stats.deletes++;
    } catch (err) {
      if (statusOf(err) !== 404 && statusOf(err) !== 409) throw err;
    }
  }
}
