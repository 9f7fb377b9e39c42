// Deletion: preconditions, propagation policy (Background / Foreground / Orphan become finalizers the
// garbage collector acts on), graceful deletion through finalizers + deletionTimestamp, namespaces
// entering Terminating, and the final removal once no finalizer remains.
import { ApiError, errors, type StatusBody } from './status-errors.ts';
import type { KindInfo } from './kinds.ts';
import { meta, nowTime, type Obj } from './meta.ts';
import { grOf, toRequestVersion, type ServerContext } from './context.ts';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { apiVersionOf } from './kinds.ts';

/** A delete's propagationPolicy. */
export type Propagation = 'Background' | 'Foreground' | 'Orphan';

/** metav1.DeleteOptions, the fields this server honours. */
export interface DeleteOptions {
  propagationPolicy?: Propagation;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
  orphanDependents?: boolean;
  gracePeriodSeconds?: number;
}

/** The finalizer of Foreground deletion: the owner stays until its blocking dependents are gone. */
export const FOREGROUND = 'foregroundDeletion';
/** The finalizer of Orphan deletion: dependents lose their owner reference before the owner goes. */
export const ORPHAN = 'orphan';
const UNDELETABLE_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** Removes an object that is being deleted and has no finalizers left; returns its last state if so. */
export function finalizeIfDone(ctx: ServerContext, k: KindInfo, o: Obj): Obj | undefined {
  const m = meta(o);
  if (!m['deletionTimestamp']) return undefined;
  if (((m['finalizers'] ?? []) as string[]).length > 0) return undefined;
  // A pod in its grace period stays until the kubelet (our pod runner) deletes it with grace 0.
  if (Number(m['deletionGracePeriodSeconds'] ?? 0) > 0) return undefined;
  if (k.kind === 'Namespace' && !k.group && ((o['spec']?.['finalizers'] ?? []) as string[]).length > 0)
    return undefined;
  return ctx.store.remove(k, String(m['namespace'] ?? ''), String(m['name']));
}

function successStatus(k: KindInfo, name: string, uid: string): StatusBody & { details: Obj } {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, ...(k.group ? { group: k.group } : {}), kind: k.resource, uid },
    code: 200,
  };
}

/**
 * Graceful deletion applies to pods bound to a node and not finished, as on a real server: they get
 * deletionTimestamp = now + grace and stay until deleted again with grace 0. Everything else: 0.
 */
function gracePeriod(k: KindInfo, o: Obj, opts: DeleteOptions): number {
  if (k.kind !== 'Pod' || k.group) return 0;
  const phase = o['status']?.['phase'];
  if (!o['spec']?.['nodeName'] || phase === 'Succeeded' || phase === 'Failed') return 0;
  const g = opts.gracePeriodSeconds ?? o['spec']?.['terminationGracePeriodSeconds'] ?? 30;
  return Math.max(0, Number(g));
}

/**
 * Deletes one object as the real server does: preconditions, validating admission, propagation finalizers, grace
 * period. Answers 200 with a Success Status when it is gone, else with the object as it now is; ApiError otherwise.
 */
export async function deleteObject(
  ctx: ServerContext,
  k: KindInfo,
  ns: string,
  name: string,
  opts: DeleteOptions,
): Promise<{ body: Obj; code: number; warnings: string[] }> {
  const stored = ctx.store.get(grOf(k), ns, name);
  if (!stored) throw errors.notFound(k.group, k.resource, name);
  const m = meta(stored);
  const pre = opts.preconditions ?? {};
  // rest.BeforeDelete checks preconditions first and names the Kind (not the resource) in its Conflict.
  if (pre.uid && pre.uid !== m['uid'])
    throw errors.conflict(
      k.group,
      k.kind,
      name,
      `the UID in the precondition (${pre.uid}) does not match the UID in record (${String(m['uid'])}). The object might have been deleted and then recreated`,
    );
  if (pre.resourceVersion && pre.resourceVersion !== m['resourceVersion'])
    throw errors.conflict(
      k.group,
      k.kind,
      name,
      `the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${String(m['resourceVersion'])}). The object might have been modified`,
    );
  if (k.kind === 'Namespace' && !k.group && UNDELETABLE_NAMESPACES.has(name)) {
    throw errors.forbidden('', 'namespaces', name, 'this namespace may not be deleted');
  }
  const current = await toRequestVersion(ctx, k, stored);
  const v = await ctx.admission.validate({
    operation: 'DELETE',
    kind: k,
    subResource: '',
    namespace: ns,
    name,
    oldObject: current,
    dryRun: opts.dryRun,
    options: { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1' },
  });
  const policy: Propagation = opts.propagationPolicy ?? (opts.orphanDependents ? 'Orphan' : 'Background');
  const finalizers = [...((m['finalizers'] ?? []) as string[])];
  if (policy === 'Foreground' && !finalizers.includes(FOREGROUND)) finalizers.push(FOREGROUND);
  if (policy === 'Orphan' && !finalizers.includes(ORPHAN)) finalizers.push(ORPHAN);
  const isNamespace = k.kind === 'Namespace' && !k.group;
  const grace = gracePeriod(k, stored, opts);
  if (opts.dryRun) return { body: current, code: 200, warnings: v.warnings };
  if (finalizers.length === 0 && !isNamespace && grace === 0) {
    const gone = ctx.store.remove(k, ns, name);
    return { body: successStatus(k, name, String(meta(gone)['uid'])), code: 200, warnings: v.warnings };
  }
  if (m['deletionTimestamp']) {
    // Already terminating: a second delete may add propagation finalizers or shorten the grace period.
    let changed = false;
    if (finalizers.length !== ((m['finalizers'] ?? []) as string[]).length) {
      m['finalizers'] = finalizers;
      changed = true;
    }
    if (grace < Number(m['deletionGracePeriodSeconds'] ?? 0)) {
      m['deletionGracePeriodSeconds'] = grace;
      m['deletionTimestamp'] = nowTime(() => ctx.clock() + grace * 1000);
      changed = true;
    }
    if (!changed) return { body: current, code: 200, warnings: v.warnings };
    const updated = ctx.store.update(k, ns, stored, String(m['resourceVersion']));
    const gone = finalizeIfDone(ctx, k, updated);
    if (gone) return { body: successStatus(k, name, String(meta(gone)['uid'])), code: 200, warnings: v.warnings };
    return { body: await toRequestVersion(ctx, k, updated), code: 200, warnings: v.warnings };
  }
  m['finalizers'] = finalizers;
  if (finalizers.length === 0) delete m['finalizers'];
  m['deletionTimestamp'] = nowTime(() => ctx.clock() + grace * 1000);
  m['deletionGracePeriodSeconds'] = grace;
  if (typeof m['generation'] === 'number' && m['generation'] > 0) m['generation'] += 1;
  if (isNamespace) stored['status'] = { ...(stored['status'] ?? {}), phase: 'Terminating' };
  const updated = ctx.store.update(k, ns, stored, String(m['resourceVersion']));
  const gone = finalizeIfDone(ctx, k, updated);
  if (gone) return { body: successStatus(k, name, String(meta(gone)['uid'])), code: 200, warnings: v.warnings };
  return { body: await toRequestVersion(ctx, k, updated), code: 200, warnings: v.warnings };
}

/** Deletes every object the selectors match, skipping any gone meanwhile; lists what was deleted or is terminating. */
export async function deleteCollection(
  ctx: ServerContext,
  k: KindInfo,
  ns: string | undefined,
  q: { labelSelector?: string; fieldSelector?: string },
  opts: DeleteOptions,
): Promise<Obj> {
  const labels = parseLabelSelector(q.labelSelector);
  const fields = parseFieldSelector(q.fieldSelector, k.kind, apiVersionOf(k));
  const targets = ctx.store
    .list(grOf(k), ns)
    .filter((o) => matchesLabels(labels, o['metadata']['labels']) && matchesFields(fields, o));
  const items: Obj[] = [];
  for (const o of targets) {
    try {
      const r = await deleteObject(
        ctx,
        k,
        String(o['metadata']['namespace'] ?? ''),
        String(o['metadata']['name']),
        opts,
      );
      items.push(r.body['kind'] === 'Status' ? o : r.body);
    } catch (e) {
      if (e instanceof ApiError && e.code === 404) continue;
      throw e;
    }
  }
  return {
    kind: k.listKind,
    apiVersion: apiVersionOf(k),
    metadata: { resourceVersion: String(ctx.store.currentRv()) },
    items,
  };
}
