// What the request handlers share: the store, the kind registry, admission, conversion and a clock.
import type { Admission } from './admission-chain.ts';
import type { ClusterIpAllocator } from './cluster-ip.ts';
import type { Converter } from './conversion.ts';
import type { KindInfo, KindRegistry } from './kinds.ts';
import { apiVersionOf } from './kinds.ts';
import { groupResource } from './store.ts';
import type { Obj } from './meta.ts';
import type { Store } from './store.ts';

/** What every request handler shares: store, kinds, admission, conversion and the clock (ms). */
export interface ServerContext {
  store: Store;
  kinds: KindRegistry;
  admission: Admission;
  converter: Converter;
  clock: () => number;
  /** Service clusterIP allocation (absent: the old random 10.96.x.y, kept for callers that build a context by hand). */
  clusterIps?: ClusterIpAllocator;
}

/** A write's query options: dryRun and fieldValidation. */
export interface WriteOptions {
  dryRun: boolean;
  /** metav1.FieldValidation: Ignore, Warn (the default) or Strict. */
  fieldValidation: 'Ignore' | 'Warn' | 'Strict';
}

/** A write's outcome: the stored object in the request's version, warnings for the client, whether it was created. */
export interface WriteResult {
  object: Obj;
  warnings: string[];
  created?: boolean;
}

/** Storage key of a kind: version-independent. */
export function grOf(k: KindInfo): string {
  return groupResource(k);
}

/** The object as the client asked for it (converting from the stored version when needed). */
export async function toRequestVersion(ctx: ServerContext, k: KindInfo, stored: Obj): Promise<Obj> {
  if (stored['apiVersion'] === apiVersionOf(k)) return stored;
  const [o] = await ctx.converter.convert(k, [stored], k.version);
  return o!;
}

/**
 * The objects in the version the client asked for, in the same order (converted from the stored version when needed).
 */
export async function toRequestVersionAll(ctx: ServerContext, k: KindInfo, stored: Obj[]): Promise<Obj[]> {
  if (stored.every((o) => o['apiVersion'] === apiVersionOf(k))) return stored;
  return ctx.converter.convert(k, stored, k.version);
}

/** The object in its kind's storage version (converted when the request used another). */
export async function toStorageVersion(ctx: ServerContext, k: KindInfo, o: Obj): Promise<Obj> {
  if (k.version === k.storageVersion) return o;
  const [s] = await ctx.converter.convert(k, [o], k.storageVersion);
  return s!;
}
