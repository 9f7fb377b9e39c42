// Dispatch of one authenticated request to discovery, OpenAPI or a resource verb, with the query
// parameters the real server honours.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from './status-errors.ts';
import type { KindInfo } from './kinds.ts';
import { isPlainObject, meta, type Obj } from './meta.ts';
import { patchTypeOf } from './patch.ts';
import { route, type Route } from './router.ts';
import { readBody, readRawBody, requestUrl, writeJson, writeText } from './http-io.ts';
import { decodeObjectBody } from './decode.ts';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, SERVER_VERSION } from './discovery.ts';
import { openApiV2, openApiV3Doc, openApiV3Root } from './openapi.ts';
import { createObject, getObject, listObjects, patchObject, updateObject, type Subresource } from './rest.ts';
import { deleteCollection, deleteObject, finalizeIfDone, type DeleteOptions, type Propagation } from './deletion.ts';
import { getScale, writeScale } from './scale.ts';
import { serveWatch } from './watch.ts';
import { bindPod, evictPod } from './pod-binding.ts';
import { kubeletTarget, proxyLogs } from './kubelet-proxy.ts';
import { toTable, type IncludeObject } from './table.ts';
import { grOf, type ServerContext, type WriteOptions } from './context.ts';

/** What handle() needs from the server: its address for discovery, watch timings, and watch tracking for shutdown. */
export interface HandlerOptions {
  serverAddress: () => string;
  bookmarkIntervalMs: number;
  watchTimeoutMs: number;
  trackWatch: (end: () => void) => () => void;
  /** The server's own bearer token, which it presents to the kubelet for pods/log. */
  token: string;
}

const POD_SUBRESOURCES = new Set(['binding', 'eviction', 'log', 'exec']);

/** pods/binding, pods/eviction, pods/log, pods/exec (non-upgrade requests: upgrades go through server.ts). */
async function handlePodSubresource(
  ctx: ServerContext,
  opts: HandlerOptions,
  k: KindInfo,
  at: { ns: string; name: string; sub: string; method: string; q: URLSearchParams },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const { ns, name, sub, method, q } = at;
  if (sub === 'binding' || sub === 'eviction') {
    if (method !== 'POST') throw errors.methodNotAllowed(method, k.resource);
    const body = await readBody(req);
    writeJson(res, 201, sub === 'binding' ? bindPod(ctx, k, ns, name, body) : await evictPod(ctx, k, ns, name, body));
    return;
  }
  if (sub === 'log') {
    if (method !== 'GET') throw errors.methodNotAllowed(method, k.resource);
    await proxyLogs(kubeletTarget(ctx, k, { ns, name, what: 'containerLogs' }, q), opts.token, req, res);
    return;
  }
  kubeletTarget(ctx, k, { ns, name, what: 'exec' }, q);
  throw errors.badRequest('Upgrade request required');
}

function tableAccept(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((p) => /as=Table/.test(p) && /g=meta\.k8s\.io/.test(p));
}

function boolParam(v: string | null): boolean {
  return v === 'true' || v === '1';
}

function writeOptions(q: URLSearchParams): WriteOptions {
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

function deleteOptions(q: URLSearchParams, body: unknown): DeleteOptions {
  const b = isPlainObject(body) ? body : {};
  const policy = (b['propagationPolicy'] ?? q.get('propagationPolicy') ?? undefined) as Propagation | undefined;
  if (policy !== undefined && !['Background', 'Foreground', 'Orphan'].includes(policy)) {
    throw errors.badRequest(
      `propagationPolicy: Unsupported value: "${String(policy)}": supported values: "Foreground", "Background", "Orphan"`,
    );
  }
  const dry = [...((b['dryRun'] ?? []) as string[]), ...q.getAll('dryRun')];
  const orphan =
    b['orphanDependents'] ?? (q.get('orphanDependents') !== null ? boolParam(q.get('orphanDependents')) : undefined);
  const graceRaw = b['gracePeriodSeconds'] ?? q.get('gracePeriodSeconds') ?? undefined;
  const grace = graceRaw === undefined ? undefined : Number(graceRaw);
  if (grace !== undefined && (!Number.isInteger(grace) || grace < 0))
    throw errors.badRequest(
      `gracePeriodSeconds: Invalid value: ${JSON.stringify(graceRaw)}: must be a non-negative integer`,
    );
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

async function respondObject(
  ctx: ServerContext,
  k: KindInfo,
  req: IncomingMessage,
  res: ServerResponse,
  code: number,
  o: Obj,
  warnings: string[] = [],
): Promise<void> {
  if (tableAccept(req.headers.accept) && o['kind'] === k.kind) {
    const include = (requestUrl(req)?.searchParams.get('includeObject') ?? 'Metadata') as IncludeObject;
    writeJson(
      res,
      code,
      toTable(k, [o], { resourceVersion: meta(o)['resourceVersion'] }, include, false, ctx.clock()),
      warnings,
    );
    return;
  }
  writeJson(res, code, o, warnings);
}

/** `url` is the request target the listener parsed (and refused when malformed, as Go's net/http does). */
export async function handle(
  ctx: ServerContext,
  opts: HandlerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const r = route(url.pathname);
  const method = req.method ?? 'GET';
  switch (r.type) {
    case 'health':
      writeText(res, 200, 'ok');
      return;
    case 'version':
      writeJson(res, 200, SERVER_VERSION);
      return;
    case 'discovery-core':
      writeJson(res, 200, apiVersions(opts.serverAddress()));
      return;
    case 'discovery-groups':
      writeJson(res, 200, apiGroupList(ctx.kinds));
      return;
    case 'discovery-group': {
      const g = apiGroup(ctx.kinds, r.group);
      if (!g) {
        writeText(res, 404, '404 page not found\n');
        return;
      }
      writeJson(res, 200, g);
      return;
    }
    case 'discovery-resources': {
      const l = apiResourceList(ctx.kinds, r.group, r.version);
      if (!l) {
        writeText(res, 404, '404 page not found\n');
        return;
      }
      writeJson(res, 200, l);
      return;
    }
    case 'openapi-v2': {
      const accept = req.headers.accept ?? '';
      if (accept && !/json|\*\/\*/.test(accept)) {
        writeJson(res, 406, errors.badRequest('only application/json is served').toStatus());
        return;
      }
      writeJson(res, 200, openApiV2());
      return;
    }
    case 'openapi-v3-root':
      writeJson(res, 200, openApiV3Root(ctx.kinds));
      return;
    case 'openapi-v3': {
      const d = openApiV3Doc(ctx.kinds, r.group, r.version);
      if (!d) {
        writeText(res, 404, '404 page not found\n');
        return;
      }
      writeJson(res, 200, d);
      return;
    }
    case 'not-found':
      writeText(res, 404, '404 page not found\n');
      return;
    case 'resource':
      await handleResource(ctx, opts, r, method, url.searchParams, req, res);
      return;
    default: {
      const never: never = r;
      return never;
    }
  }
}

async function handleResource(
  ctx: ServerContext,
  opts: HandlerOptions,
  r: Extract<Route, { type: 'resource' }>,
  method: string,
  q: URLSearchParams,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!ctx.kinds.groups().some((g) => g.name === r.group && g.versions.includes(r.version))) {
    writeText(res, 404, '404 page not found\n');
    return;
  }
  const k = ctx.kinds.get(r.group, r.version, r.resource);
  if (!k) throw errors.resourceNotFound();
  if (r.namespace !== undefined && !k.namespaced) throw errors.resourceNotFound();
  const ns = k.namespaced ? r.namespace : '';
  const sub = r.subresource ?? '';
  if (k.kind === 'Pod' && !k.group && POD_SUBRESOURCES.has(sub) && r.name !== undefined && ns !== undefined) {
    await handlePodSubresource(ctx, opts, k, { ns, name: r.name, sub, method, q }, req, res);
    return;
  }
  if (
    sub &&
    !(sub === 'status' && k.status) &&
    !(sub === 'scale' && k.scale) &&
    !(sub === 'finalize' && k.kind === 'Namespace' && !k.group)
  )
    throw errors.resourceNotFound();
  const isWatch = r.legacyWatch || boolParam(q.get('watch'));

  if (method === 'GET' && (r.name === undefined || (isWatch && r.legacyWatch))) {
    const fieldSelector =
      r.name !== undefined
        ? [`metadata.name=${r.name}`, q.get('fieldSelector')].filter(Boolean).join(',')
        : (q.get('fieldSelector') ?? undefined);
    if (isWatch) {
      const table = tableAccept(req.headers.accept);
      const include = (q.get('includeObject') ?? 'Metadata') as IncludeObject;
      serveWatch(
        ctx,
        k,
        ns,
        {
          ...(q.get('resourceVersion') !== null ? { resourceVersion: q.get('resourceVersion')! } : {}),
          ...(q.get('labelSelector') ? { labelSelector: q.get('labelSelector')! } : {}),
          ...(fieldSelector ? { fieldSelector } : {}),
          allowWatchBookmarks: boolParam(q.get('allowWatchBookmarks')),
          sendInitialEvents: boolParam(q.get('sendInitialEvents')),
          ...(q.get('timeoutSeconds') ? { timeoutSeconds: Number(q.get('timeoutSeconds')) } : {}),
        },
        res,
        {
          bookmarkIntervalMs: opts.bookmarkIntervalMs,
          defaultTimeoutMs: opts.watchTimeoutMs,
          track: opts.trackWatch,
          ...(table
            ? {
                transform: (o: Obj, first: boolean) =>
                  toTable(k, [o], { resourceVersion: meta(o)['resourceVersion'] }, include, !first, ctx.clock()),
              }
            : {}),
        },
      );
      return;
    }
    const list = await listObjects(ctx, k, ns, {
      ...(q.get('labelSelector') ? { labelSelector: q.get('labelSelector')! } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
      ...(q.get('limit') ? { limit: Number(q.get('limit')) } : {}),
      ...(q.get('continue') ? { continue: q.get('continue')! } : {}),
    });
    if (tableAccept(req.headers.accept)) {
      const items = (list['items'] as Obj[]).map((o) => ({ apiVersion: list['apiVersion'], kind: k.kind, ...o }));
      writeJson(
        res,
        200,
        toTable(
          k,
          items,
          list['metadata'],
          (q.get('includeObject') ?? 'Metadata') as IncludeObject,
          false,
          ctx.clock(),
        ),
      );
      return;
    }
    writeJson(res, 200, list);
    return;
  }

  if (r.name === undefined) {
    if (method === 'POST') {
      if (k.namespaced && ns === undefined) throw errors.methodNotAllowed('create', k.resource);
      const body = await readRawBody(req);
      const result = await createObject(ctx, k, ns ?? '', decodeObjectBody(k, ctx.kinds, body), writeOptions(q));
      await respondObject(ctx, k, req, res, 201, result.object, result.warnings);
      return;
    }
    if (method === 'DELETE') {
      const body = await readBody(req);
      const out = await deleteCollection(
        ctx,
        k,
        ns,
        {
          ...(q.get('labelSelector') ? { labelSelector: q.get('labelSelector')! } : {}),
          ...(q.get('fieldSelector') ? { fieldSelector: q.get('fieldSelector')! } : {}),
        },
        deleteOptions(q, body),
      );
      writeJson(res, 200, out);
      return;
    }
    throw errors.methodNotAllowed(method, k.resource);
  }

  if (k.namespaced && ns === undefined) throw errors.resourceNotFound();
  const namespace = ns ?? '';
  const name = r.name;
  if (sub === 'scale') {
    if (method === 'GET') {
      writeJson(res, 200, await getScale(ctx, k, namespace, name));
      return;
    }
    if (method === 'PUT' || method === 'PATCH') {
      const body = await readBody(req);
      const out = await writeScale(
        ctx,
        k,
        namespace,
        name,
        body,
        method === 'PATCH' ? patchTypeOf(req.headers['content-type']) : undefined,
        writeOptions(q),
      );
      writeJson(res, 200, out.object, out.warnings);
      return;
    }
    throw errors.methodNotAllowed(method, k.resource);
  }
  if (sub === 'finalize') {
    if (method !== 'PUT') throw errors.methodNotAllowed(method, k.resource);
    await finalizeNamespace(ctx, k, name, await readBody(req));
    await respondObject(
      ctx,
      k,
      req,
      res,
      200,
      await getObject(ctx, k, '', name).catch(() => ({ kind: 'Namespace', apiVersion: 'v1', metadata: { name } })),
    );
    return;
  }
  switch (method) {
    case 'GET':
      await respondObject(ctx, k, req, res, 200, await getObject(ctx, k, namespace, name));
      return;
    case 'PUT': {
      const body = await readRawBody(req);
      const out = await updateObject(
        ctx,
        k,
        namespace,
        name,
        decodeObjectBody(k, ctx.kinds, body),
        sub as Subresource,
        writeOptions(q),
      );
      await respondObject(ctx, k, req, res, 200, out.object, out.warnings);
      return;
    }
    case 'PATCH': {
      const type = patchTypeOf(req.headers['content-type']);
      const body = await readBody(req);
      const out = await patchObject(ctx, k, namespace, name, type, body, sub as Subresource, writeOptions(q));
      await respondObject(ctx, k, req, res, out.created ? 201 : 200, out.object, out.warnings);
      return;
    }
    case 'DELETE': {
      if (sub) throw errors.methodNotAllowed(method, k.resource);
      const out = await deleteObject(ctx, k, namespace, name, deleteOptions(q, await readBody(req)));
      writeJson(res, out.code, out.body, out.warnings);
      return;
    }
    default:
      throw errors.methodNotAllowed(method, k.resource);
  }
}

async function finalizeNamespace(ctx: ServerContext, k: KindInfo, name: string, body: unknown): Promise<void> {
  const cur = ctx.store.get(grOf(k), '', name);
  if (!cur) throw errors.notFound('', 'namespaces', name);
  const fins =
    isPlainObject(body) && isPlainObject(body['spec']) && Array.isArray(body['spec']['finalizers'])
      ? body['spec']['finalizers']
      : [];
  cur['spec'] = { ...(cur['spec'] ?? {}), finalizers: fins };
  const updated = ctx.store.update(grOf(k), '', cur, '', 'namespaces', String(cur['metadata']['resourceVersion']));
  finalizeIfDone(ctx, k, updated);
}
