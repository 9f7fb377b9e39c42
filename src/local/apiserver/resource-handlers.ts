// One request on a resource, dispatched by its shape: pod subresources, collections (list, watch,
// create, deletecollection), the scale and finalize subresources, and single objects (get, replace,
// patch, delete). Each verb is its own function over one ResourceRequest.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from './status-errors.ts';
import type { KindInfo } from './kinds.ts';
import { isPlainObject, meta, type Obj } from './meta.ts';
import { patchTypeOf } from './patch.ts';
import type { Route } from './router.ts';
import { readBody, readRawBody, writeJson, writeText } from './http-io.ts';
import { decodeObjectBody } from './decode.ts';
import { createObject, getObject, listObjects, patchObject, updateObject, type Subresource } from './rest.ts';
import { deleteCollection, deleteObject, finalizeIfDone } from './deletion.ts';
import { getScale, writeScale } from './scale.ts';
import { serveWatch } from './watch.ts';
import { bindPod, evictPod } from './pod-binding.ts';
import { kubeletTarget, proxyLogs } from './kubelet-proxy.ts';
import { toTable } from './table.ts';
import { grOf, type ServerContext } from './context.ts';
import {
  boolParam,
  deleteOptions,
  includeObject,
  listQuery,
  selectors,
  tableAccept,
  watchQuery,
  writeOptions,
} from './request-options.ts';

/** What resource handlers need from the server: watch timings, watch tracking for shutdown, its kubelet token. */
export interface ResourceHandlerOptions {
  bookmarkIntervalMs: number;
  watchTimeoutMs: number;
  trackWatch: (end: () => void) => () => void;
  /** The server's own bearer token, which it presents to the kubelet for pods/log. */
  token: string;
}

/** A resource route as the router returns it. */
export type ResourceRoute = Extract<Route, { type: 'resource' }>;

/** One request on a resource: the server, the kind and namespace it addresses, and the HTTP exchange. */
interface ResourceRequest {
  ctx: ServerContext;
  opts: ResourceHandlerOptions;
  k: KindInfo;
  /** undefined: all namespaces (a namespaced kind listed cluster-wide); '' for a cluster-scoped kind. */
  ns: string | undefined;
  method: string;
  q: URLSearchParams;
  req: IncomingMessage;
  res: ServerResponse;
}

const POD_SUBRESOURCES = new Set(['binding', 'eviction', 'log', 'exec']);

/** Serves one request on a resource route; an ApiError says why it was refused. */
export async function handleResource(base: Omit<ResourceRequest, 'k' | 'ns'>, r: ResourceRoute): Promise<void> {
  const k = kindOf(base.ctx, r);
  if (!k) {
    writeText(base.res, 404, '404 page not found\n');
    return;
  }
  const rr: ResourceRequest = { ...base, k, ns: k.namespaced ? r.namespace : '' };
  const sub = r.subresource ?? '';
  if (isPodSubresource(k, sub) && r.name !== undefined && rr.ns !== undefined) {
    await handlePodSubresource(rr, r.name, sub);
    return;
  }
  if (sub && !servesSubresource(k, sub)) throw errors.resourceNotFound();
  const read = collectionRead(rr, r);
  if (read === 'watch') watch(rr, r.name);
  else if (read === 'list') await list(rr, r.name);
  else if (r.name === undefined) await handleCollection(rr);
  else await handleObject(rr, r.name, sub);
}

/** A GET of a collection (or a legacy /watch/ URL naming one object) lists or watches; undefined for anything else. */
function collectionRead(rr: ResourceRequest, r: ResourceRoute): 'list' | 'watch' | undefined {
  const isWatch = r.legacyWatch || boolParam(rr.q.get('watch'));
  if (rr.method !== 'GET' || (r.name !== undefined && !(isWatch && r.legacyWatch))) return undefined;
  return isWatch ? 'watch' : 'list';
}

/** The route's kind; undefined (a plain 404 page) when the group version is not served, 404 Status when unknown. */
function kindOf(ctx: ServerContext, r: ResourceRoute): KindInfo | undefined {
  if (!ctx.kinds.groups().some((g) => g.name === r.group && g.versions.includes(r.version))) return undefined;
  const k = ctx.kinds.get(r.group, r.version, r.resource);
  if (!k) throw errors.resourceNotFound();
  if (r.namespace !== undefined && !k.namespaced) throw errors.resourceNotFound();
  return k;
}

function isPodSubresource(k: KindInfo, sub: string): boolean {
  return k.kind === 'Pod' && !k.group && POD_SUBRESOURCES.has(sub);
}

/** status and scale where the kind has them; finalize on Namespaces. */
function servesSubresource(k: KindInfo, sub: string): boolean {
  if (sub === 'status') return Boolean(k.status);
  if (sub === 'scale') return Boolean(k.scale);
  return sub === 'finalize' && k.kind === 'Namespace' && !k.group;
}

/** pods/binding, pods/eviction, pods/log, pods/exec (non-upgrade requests: upgrades go through server.ts). */
async function handlePodSubresource(rr: ResourceRequest, name: string, sub: string): Promise<void> {
  const { ctx, k, method, q, req, res } = rr;
  const ns = rr.ns ?? '';
  if (sub === 'binding' || sub === 'eviction') {
    if (method !== 'POST') throw errors.methodNotAllowed(method, k.resource);
    const body = await readBody(req);
    writeJson(res, 201, sub === 'binding' ? bindPod(ctx, k, ns, name, body) : await evictPod(ctx, k, ns, name, body));
    return;
  }
  if (sub === 'log') {
    if (method !== 'GET') throw errors.methodNotAllowed(method, k.resource);
    await proxyLogs(kubeletTarget(ctx, k, { ns, name, what: 'containerLogs' }, q), rr.opts.token, req, res);
    return;
  }
  kubeletTarget(ctx, k, { ns, name, what: 'exec' }, q);
  throw errors.badRequest('Upgrade request required');
}

/** A watch stream; as a Table (`kubectl get -w`) when the client asks for one. */
function watch(rr: ResourceRequest, name: string | undefined): void {
  const { ctx, opts, k, q } = rr;
  const include = includeObject(q);
  const transform = tableAccept(rr.req)
    ? (o: Obj, first: boolean): Obj =>
        toTable(
          k,
          [o],
          { resourceVersion: meta(o)['resourceVersion'] },
          { include, noHeaders: !first, now: ctx.clock() },
        )
    : undefined;
  serveWatch(ctx, k, { ...watchQuery(q, name), ...(rr.ns !== undefined ? { namespace: rr.ns } : {}) }, rr.res, {
    bookmarkIntervalMs: opts.bookmarkIntervalMs,
    defaultTimeoutMs: opts.watchTimeoutMs,
    track: opts.trackWatch,
    ...(transform ? { transform } : {}),
  });
}

/** A list, or a Table of it when the client asks for one. */
async function list(rr: ResourceRequest, name: string | undefined): Promise<void> {
  const { ctx, k, q, res } = rr;
  const l = await listObjects(ctx, k, rr.ns, listQuery(q, name));
  if (!tableAccept(rr.req)) {
    writeJson(res, 200, l);
    return;
  }
  const items = (l['items'] as Obj[]).map((o) => ({ apiVersion: l['apiVersion'], kind: k.kind, ...o }));
  const view = { include: includeObject(q), noHeaders: false, now: ctx.clock() };
  writeJson(res, 200, toTable(k, items, l['metadata'], view));
}

/** POST creates in the collection, DELETE is deletecollection. */
async function handleCollection(rr: ResourceRequest): Promise<void> {
  const { ctx, k, ns, method, q, req } = rr;
  if (method === 'POST') {
    if (k.namespaced && ns === undefined) throw errors.methodNotAllowed('create', k.resource);
    const body = await readRawBody(req);
    const result = await createObject(ctx, k, ns ?? '', decodeObjectBody(k, ctx.kinds, body), writeOptions(q));
    respondObject(rr, 201, result.object, result.warnings);
    return;
  }
  if (method === 'DELETE') {
    const body = await readBody(req);
    writeJson(rr.res, 200, await deleteCollection(ctx, k, ns, selectors(q), deleteOptions(q, body)));
    return;
  }
  throw errors.methodNotAllowed(method, k.resource);
}

/** One named object: its scale or finalize subresource, or get / replace / patch / delete of it or its status. */
async function handleObject(rr: ResourceRequest, name: string, sub: string): Promise<void> {
  if (rr.k.namespaced && rr.ns === undefined) throw errors.resourceNotFound();
  if (sub === 'scale') await handleScale(rr, name);
  else if (sub === 'finalize') await handleFinalize(rr, name);
  else await handleObjectVerb(rr, name, sub as Subresource);
}

async function handleScale(rr: ResourceRequest, name: string): Promise<void> {
  const { ctx, k, method, q, req, res } = rr;
  const at = { k, ns: rr.ns ?? '', name };
  if (method === 'GET') {
    writeJson(res, 200, await getScale(ctx, k, at.ns, name));
    return;
  }
  if (method !== 'PUT' && method !== 'PATCH') throw errors.methodNotAllowed(method, k.resource);
  const body = await readBody(req);
  const patchType = method === 'PATCH' ? patchTypeOf(req.headers['content-type']) : undefined;
  const out = await writeScale(ctx, at, { body, patchType }, writeOptions(q));
  writeJson(res, 200, out.object, out.warnings);
}

async function handleFinalize(rr: ResourceRequest, name: string): Promise<void> {
  const { ctx, k, method, req } = rr;
  if (method !== 'PUT') throw errors.methodNotAllowed(method, k.resource);
  await finalizeNamespace(ctx, k, name, await readBody(req));
  const o = await getObject(ctx, k, '', name).catch(() => ({
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: { name },
  }));
  respondObject(rr, 200, o);
}

async function handleObjectVerb(rr: ResourceRequest, name: string, sub: Subresource): Promise<void> {
  const { ctx, k, method, q, req, res } = rr;
  const at = { k, ns: rr.ns ?? '', name, sub };
  switch (method) {
    case 'GET':
      respondObject(rr, 200, await getObject(ctx, k, at.ns, name));
      return;
    case 'PUT': {
      const body = decodeObjectBody(k, ctx.kinds, await readRawBody(req));
      const out = await updateObject(ctx, at, body, writeOptions(q));
      respondObject(rr, 200, out.object, out.warnings);
      return;
    }
    case 'PATCH': {
      const type = patchTypeOf(req.headers['content-type']);
      const out = await patchObject(ctx, at, { type, body: await readBody(req) }, writeOptions(q));
      respondObject(rr, out.created ? 201 : 200, out.object, out.warnings);
      return;
    }
    case 'DELETE': {
      if (sub) throw errors.methodNotAllowed(method, k.resource);
      const out = await deleteObject(ctx, k, at.ns, name, deleteOptions(q, await readBody(req)));
      writeJson(res, out.code, out.body, out.warnings);
      return;
    }
    default:
      throw errors.methodNotAllowed(method, k.resource);
  }
}

/** The object, or a one-row Table of it when the client asks for one (`kubectl get <kind> <name>`). */
function respondObject(rr: ResourceRequest, code: number, o: Obj, warnings: string[] = []): void {
  const { ctx, k, res } = rr;
  if (tableAccept(rr.req) && o['kind'] === k.kind) {
    const view = { include: includeObject(rr.q), noHeaders: false, now: ctx.clock() };
    writeJson(res, code, toTable(k, [o], { resourceVersion: meta(o)['resourceVersion'] }, view), warnings);
    return;
  }
  writeJson(res, code, o, warnings);
}

async function finalizeNamespace(ctx: ServerContext, k: KindInfo, name: string, body: unknown): Promise<void> {
  const cur = ctx.store.get(grOf(k), '', name);
  if (!cur) throw errors.notFound('', 'namespaces', name);
  const fins =
    isPlainObject(body) && isPlainObject(body['spec']) && Array.isArray(body['spec']['finalizers'])
      ? body['spec']['finalizers']
      : [];
  cur['spec'] = { ...(cur['spec'] ?? {}), finalizers: fins };
  const updated = ctx.store.update(k, '', cur, String(cur['metadata']['resourceVersion']));
  finalizeIfDone(ctx, k, updated);
}
