// The query parameters (and DeleteOptions bodies) the real server honours, parsed and checked:
// an unsupported value answers 400 naming the parameter, the value and what is allowed.
import type { IncomingMessage } from 'node:http';
import { errors } from './status-errors.ts';
import { isPlainObject, type Obj } from './meta.ts';
import type { DeleteOptions, Propagation } from './deletion.ts';
import type { ListQuery } from './rest.ts';
import type { WatchQuery } from './watch.ts';
import type { IncludeObject } from './table.ts';
import type { WriteOptions } from './context.ts';

/** A boolean query parameter as the real server reads it: `true` or `1`. */
export function boolParam(v: string | null): boolean {
  return v === 'true' || v === '1';
}

/** Whether the client asks for a meta.k8s.io Table (`kubectl get`). */
export function tableAccept(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').split(',').some((p) => /as=Table/.test(p) && /g=meta\.k8s\.io/.test(p));
}

/** How much of each object a Table row carries (includeObject, default Metadata). */
export function includeObject(q: URLSearchParams): IncludeObject {
  return (q.get('includeObject') ?? 'Metadata') as IncludeObject;
}

/** dryRun and fieldValidation of a create, update or patch. */
export function writeOptions(q: URLSearchParams): WriteOptions {
  const fv = q.get('fieldValidation') ?? 'Warn';
  if (!['Ignore', 'Warn', 'Strict'].includes(fv))
    throw errors.badRequest(
      `fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`,
    );
  const dry = q.getAll('dryRun');
  for (const d of dry)
    if (d !== 'All') throw errors.badRequest(`dryRun: Unsupported value: "${d}": supported values: "All"`);
  return { dryRun: dry.length > 0, fieldValidation: fv as WriteOptions['fieldValidation'] };
}

/** The selectors of a list, watch or deletecollection; a name in the URL adds `metadata.name=<name>`. */
export function selectors(q: URLSearchParams, name?: string): { labelSelector?: string; fieldSelector?: string } {
  const fieldSelector =
    name !== undefined
      ? [`metadata.name=${name}`, q.get('fieldSelector')].filter(Boolean).join(',')
      : (q.get('fieldSelector') ?? undefined);
  return {
    ...(q.get('labelSelector') ? { labelSelector: q.get('labelSelector')! } : {}),
    ...(fieldSelector ? { fieldSelector } : {}),
  };
}

/** A list's selectors and paging. */
export function listQuery(q: URLSearchParams, name?: string): ListQuery {
  return {
    ...selectors(q, name),
    ...(q.get('limit') ? { limit: Number(q.get('limit')) } : {}),
    ...(q.get('continue') ? { continue: q.get('continue')! } : {}),
  };
}

/** A watch's selectors, start, bookmarks and timeout. */
export function watchQuery(q: URLSearchParams, name?: string): WatchQuery {
  return {
    ...(q.get('resourceVersion') !== null ? { resourceVersion: q.get('resourceVersion')! } : {}),
    ...selectors(q, name),
    allowWatchBookmarks: boolParam(q.get('allowWatchBookmarks')),
    sendInitialEvents: boolParam(q.get('sendInitialEvents')),
    ...(q.get('timeoutSeconds') ? { timeoutSeconds: Number(q.get('timeoutSeconds')) } : {}),
  };
}

/** DeleteOptions from the body, else the query: propagation, preconditions, dryRun, orphaning and grace period. */
export function deleteOptions(q: URLSearchParams, body: unknown): DeleteOptions {
  const b = isPlainObject(body) ? body : {};
  const policy = propagationPolicy(q, b);
  const dry = [...((b['dryRun'] ?? []) as string[]), ...q.getAll('dryRun')];
  const orphan =
    b['orphanDependents'] ?? (q.get('orphanDependents') !== null ? boolParam(q.get('orphanDependents')) : undefined);
  const grace = gracePeriodSeconds(q, b);
  return {
    ...(policy ? { propagationPolicy: policy } : {}),
    ...(isPlainObject(b['preconditions'])
      ? { preconditions: b['preconditions'] as DeleteOptions['preconditions'] }
      : {}),
    dryRun: dry.includes('All'),
    ...(orphan !== undefined ? { orphanDependents: Boolean(orphan) } : {}),
    ...(grace !== undefined ? { gracePeriodSeconds: grace } : {}),
  };
}

function propagationPolicy(q: URLSearchParams, b: Obj): Propagation | undefined {
  const policy = (b['propagationPolicy'] ?? q.get('propagationPolicy') ?? undefined) as Propagation | undefined;
  if (policy !== undefined && !['Background', 'Foreground', 'Orphan'].includes(policy)) {
    throw errors.badRequest(
      `propagationPolicy: Unsupported value: "${String(policy)}": supported values: "Foreground", "Background", "Orphan"`,
    );
  }
  return policy;
}

function gracePeriodSeconds(q: URLSearchParams, b: Obj): number | undefined {
  const graceRaw: unknown = b['gracePeriodSeconds'] ?? q.get('gracePeriodSeconds') ?? undefined;
  const grace = graceRaw === undefined ? undefined : Number(graceRaw);
  if (grace !== undefined && (!Number.isInteger(grace) || grace < 0))
    throw errors.badRequest(
      `gracePeriodSeconds: Invalid value: ${JSON.stringify(graceRaw)}: must be a non-negative integer`,
    );
  return grace;
}
