// pods/binding and pods/eviction, as kube-apiserver serves them: a Binding sets spec.nodeName once
// (the scheduler's write); an Eviction deletes a pod unless a PodDisruptionBudget covering it would
// be violated (429). There is no disruption controller here, so the budget is computed from the
// live pods at the time of the request rather than read from the PDB's status.
import type { KindInfo } from './kinds.ts';
import { grOf, type ServerContext } from './context.ts';
import { deleteObject, type DeleteOptions } from './deletion.ts';
import { isPlainObject, type Obj } from './meta.ts';
import { fromLabelSelectorObject, matchesLabels } from './selectors.ts';
import { ApiError, errors } from './status-errors.ts';

const SUCCESS_201 = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

/** POST pods/{name}/binding: 201 Success, or 409 when the pod is already bound. */
export function bindPod(ctx: ServerContext, k: KindInfo, ns: string, name: string, body: unknown): Obj {
  const target = isPlainObject(body) && isPlainObject(body['target']) ? body['target'] : undefined;
  if (!target || typeof target['name'] !== 'string' || !target['name'])
    throw errors.badRequest('Binding target name must be specified');
  if (target['kind'] !== undefined && target['kind'] !== 'Node' && target['kind'] !== '')
    throw errors.badRequest(`invalid binding target kind ${String(target['kind'])}: only Node is supported`);
  const pod = ctx.store.get(grOf(k), ns, name);
  if (!pod) throw errors.notFound('', 'pods', name);
  if (pod['metadata']['deletionTimestamp'])
    throw errors.conflict('', 'pods/binding', name, `pod ${name} is being deleted, cannot be assigned to a host`);
  const current = pod['spec']?.['nodeName'];
  if (current)
    throw errors.conflict('', 'pods/binding', name, `pod ${name} is already assigned to node "${String(current)}"`);
  pod['spec']['nodeName'] = target['name'];
  const conds = ((pod['status'] ??= {})['conditions'] ??= []) as Obj[];
  if (!conds.some((c) => c['type'] === 'PodScheduled'))
    conds.push({
      type: 'PodScheduled',
      status: 'True',
      lastProbeTime: null,
      lastTransitionTime: new Date(ctx.clock()).toISOString().replace(/\.\d+Z$/, 'Z'),
    });
  ctx.store.update(k, ns, pod, String(pod['metadata']['resourceVersion']));
  return SUCCESS_201;
}

function isReady(p: Obj): boolean {
  if (p['metadata']['deletionTimestamp']) return false;
  return ((p['status']?.['conditions'] ?? []) as Obj[]).some((c) => c['type'] === 'Ready' && c['status'] === 'True');
}

function scaled(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(String(v));
  if (!m) return Number(v) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** The first budget covering `pod` that one more disruption would break, with its wording. */
function violatedBudget(ctx: ServerContext, ns: string, pod: Obj): string | undefined {
  const pods = ctx.store.list('pods', ns);
  for (const pdb of ctx.store.list('poddisruptionbudgets.policy', ns)) {
    const sel = fromLabelSelectorObject(pdb['spec']?.['selector']);
    if (sel.length === 0 || !matchesLabels(sel, pod['metadata']['labels'])) continue;
    const covered = pods.filter((p) => matchesLabels(sel, p['metadata']['labels']));
    const healthy = covered.filter(isReady).length;
    const spec = pdb['spec'] ?? {};
    const desired =
      spec['minAvailable'] !== undefined
        ? scaled(spec['minAvailable'], covered.length, true)
        : covered.length - scaled(spec['maxUnavailable'] ?? 0, covered.length, true);
    // An unready pod costs the budget nothing: evicting it leaves `healthy` as it is.
    const after = isReady(pod) ? healthy - 1 : healthy;
    if (after < desired)
      return `The disruption budget ${String(pdb['metadata']['name'])} needs ${desired} healthy pods and has ${healthy} currently`;
  }
  return undefined;
}

/** POST pods/{name}/eviction: deletes the pod (with the Eviction's deleteOptions) or answers 429. */
export async function evictPod(ctx: ServerContext, k: KindInfo, ns: string, name: string, body: unknown): Promise<Obj> {
  const pod = ctx.store.get(grOf(k), ns, name);
  if (!pod) throw errors.notFound('', 'pods', name);
  if (isPlainObject(body) && isPlainObject(body['metadata']) && body['metadata']['name'] !== undefined)
    if (body['metadata']['name'] !== name)
      throw errors.badRequest(`name in URL does not match name in Eviction object`);
  const phase = pod['status']?.['phase'];
  if (!pod['metadata']['deletionTimestamp'] && phase !== 'Succeeded' && phase !== 'Failed') {
    const why = violatedBudget(ctx, ns, pod);
    if (why)
      throw new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
        causes: [{ reason: 'DisruptionBudget', message: why }],
      });
  }
  const opts = isPlainObject(body) && isPlainObject(body['deleteOptions']) ? body['deleteOptions'] : {};
  const del: DeleteOptions = {
    dryRun: Array.isArray(opts['dryRun']) && opts['dryRun'].includes('All'),
    ...(typeof opts['gracePeriodSeconds'] === 'number' ? { gracePeriodSeconds: opts['gracePeriodSeconds'] } : {}),
  };
  await deleteObject(ctx, k, ns, name, del);
  return SUCCESS_201;
}
