// The scale subresource: an autoscaling/v1 Scale view of spec/status replica paths, for StatefulSets
// and for CRDs that declare `subresources.scale`. Writes go through the main resource's update.
import { errors } from './status-errors.ts';
import type { KindInfo } from './kinds.ts';
import { isPlainObject, setPath, type Obj } from './meta.ts';
import { toScale } from './scale-view.ts';
import { applyPatch, type PatchType } from './patch.ts';
import type { ServerContext, WriteOptions } from './context.ts';
import { getObject, updateObject, type ObjectRef } from './rest.ts';

/** A scale write: a Scale (PUT), or a patch of the current Scale when `patchType` is set (PATCH). */
export interface ScaleWrite {
  body: unknown;
  patchType: PatchType | undefined;
}

/** The object's Scale; 404 when the kind has no scale subresource or the object does not exist. */
export async function getScale(ctx: ServerContext, k: KindInfo, ns: string, name: string): Promise<Obj> {
  if (!k.scale) throw errors.resourceNotFound();
  return toScale(k, await getObject(ctx, k, ns, name));
}

/**
 * Sets spec replicas from a Scale body (or a patch of the current Scale) through the main resource's update; 400 for a
 * bad replica count, 409 for a stale resourceVersion.
 */
export async function writeScale(
  ctx: ServerContext,
  at: ObjectRef,
  write: ScaleWrite,
  opts: WriteOptions,
): Promise<{ object: Obj; warnings: string[] }> {
  const { k, ns, name } = at;
  const { body, patchType } = write;
  if (!k.scale) throw errors.resourceNotFound();
  const current = await getObject(ctx, k, ns, name);
  const scale = patchType ? applyPatch(patchType, toScale(k, current), body) : body;
  if (!isPlainObject(scale)) throw errors.badRequest('the request body must be a Scale object');
  const replicas = scale['spec']?.['replicas'];
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw errors.badRequest(
      `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
    );
  }
  const rv = scale['metadata']?.['resourceVersion'];
  if (rv && rv !== current['metadata']['resourceVersion']) throw errors.conflict(k.group, k.resource, name);
  setPath(current, k.scale.specReplicasPath, replicas);
  const r = await updateObject(ctx, { ...at, sub: 'scale' }, current, opts);
  return { object: toScale(k, r.object), warnings: r.warnings };
}
