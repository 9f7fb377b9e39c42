// create / get / list / update / patch for any kind: the write pipeline the real server runs
// (system metadata, defaulting, pruning, mutating admission, validation, generation, validating
// admission, storage with optimistic concurrency). Deletion lives in deletion.ts.
import { randomUUID } from 'node:crypto';
import { ApiError, errors, invalid, type FieldError } from './status-errors.ts';
import { prepareBuiltin } from './builtins.ts';
import type { KindInfo } from './kinds.ts';
import { apiVersionOf } from './kinds.ts';
import {
  clone,
  deepEqual,
  dnsLabelProblem,
  dnsSubdomainProblem,
  generateNameSuffix,
  isPlainObject,
  meta,
  nowTime,
  type Obj,
} from './meta.ts';
import { applyPatch, type PatchType } from './patch.ts';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import {
  grOf,
  toRequestVersion,
  toRequestVersionAll,
  toStorageVersion,
  type ServerContext,
  type WriteOptions,
  type WriteResult,
} from './context.ts';
import { finalizeIfDone } from './deletion.ts';
import { shapeProblem } from './decode.ts';
import { ownerReferenceProblems } from './owner-references.ts';
import type { AdmissionAttributes } from './admission-chain.ts';

/** Which part of an object a write addresses: the main resource, status or scale. */
export type Subresource = '' | 'status' | 'scale';

/** A list's query parameters: selectors and paging. */
export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

const SYSTEM_META = [
  'uid',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'generation',
] as const;

function checkTypeMeta(k: KindInfo, o: Obj): void {
  const av = apiVersionOf(k);
  if (o['apiVersion'] !== undefined && o['apiVersion'] !== av) {
    throw errors.badRequest(
      `the API version in the data (${String(o['apiVersion'])}) does not match the expected API version (${av})`,
    );
  }
  if (o['kind'] !== undefined && o['kind'] !== k.kind) {
    throw errors.badRequest(`the kind in the data (${String(o['kind'])}) does not match the expected kind (${k.kind})`);
  }
  o['apiVersion'] = av;
  o['kind'] = k.kind;
}

function checkNamespace(k: KindInfo, ns: string, o: Obj, verb: 'create' | 'update'): void {
  const m = meta(o);
  if (!k.namespaced) {
    delete m['namespace'];
    return;
  }
  if (m['namespace'] !== undefined && m['namespace'] !== '' && m['namespace'] !== ns) {
    // rest.EnsureObjectNamespaceMatchesRequestNamespace, which runs before checkName on create and update.
    void verb;
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  m['namespace'] = ns;
}

function metadataProblems(k: KindInfo, o: Obj): FieldError[] {
  const m = meta(o);
  const name = String(m['name'] ?? '');
  const errs: FieldError[] = [];
  if (!name) errs.push({ type: 'Required', field: 'metadata.name', detail: 'name or generateName is required' });
  else {
    const label = k.kind === 'Namespace' || k.kind === 'Service';
    const p = label ? dnsLabelProblem(name) : dnsSubdomainProblem(name);
    if (p) errs.push({ type: 'Invalid', field: 'metadata.name', value: name, detail: p });
  }
  for (const [key, v] of Object.entries((m['labels'] ?? {}) as Obj)) {
    if (typeof v !== 'string' || v.length > 63 || (v !== '' && !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(v))) {
      errs.push({
        type: 'Invalid',
        field: `metadata.labels`,
        value: v,
        detail: `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (label ${key})`,
      });
    }
  }
  errs.push(...ownerReferenceProblems(m['ownerReferences']));
  return errs;
}

function specChanged(k: KindInfo, a: Obj, b: Obj): boolean {
  if (k.generation === 'spec') return !deepEqual(a['spec'], b['spec']);
  const strip = (o: Obj) => {
    const c = { ...o };
    delete c['metadata'];
    if (k.status) delete c['status'];
    return c;
  };
  return !deepEqual(strip(a), strip(b));
}

/** Defaulting + pruning for custom resources; the pruned paths drive fieldValidation. */
function shapeCustom(k: KindInfo, o: Obj): string[] {
  const schema = k.crd?.schema;
  if (!schema) return [];
  const pruned = k.crd!.preserveAll ? [] : schema.prune(o);
  schema.applyDefaults(o);
  return pruned;
}

function fieldValidation(k: KindInfo, pruned: string[], opts: WriteOptions, warnings: string[]): void {
  if (pruned.length === 0 || opts.fieldValidation === 'Ignore') return;
  const msgs = pruned.map((p) => `unknown field "${p}"`);
  if (opts.fieldValidation === 'Strict') {
    throw errors.badRequest(
      `${k.kind} in version "${k.version}" cannot be handled as a ${k.kind}: strict decoding error: ${msgs.join(', ')}`,
    );
  }
  warnings.push(...msgs);
}

function validate(ctx: ServerContext, k: KindInfo, o: Obj, old: Obj | undefined): void {
  const env = ctx.clusterIps ? { clusterIps: ctx.clusterIps } : {};
  const errs = [
    ...metadataProblems(k, o),
    ...prepareBuiltin(k, o, old, env),
    ...(k.crd?.schema?.validate(o, old) ?? []),
  ];
  if (errs.length) throw invalid(k.group, k.kind, String(meta(o)['name'] ?? ''), errs);
}

function namespaceGate(ctx: ServerContext, k: KindInfo, ns: string, name: string): void {
  if (!k.namespaced) return;
  const nsObj = ctx.store.get('namespaces', '', ns);
  if (!nsObj) throw errors.notFound('', 'namespaces', ns);
  if (nsObj['metadata']['deletionTimestamp'] || nsObj['status']?.['phase'] === 'Terminating') {
    throw new ApiError(
      403,
      'Forbidden',
      `${k.group ? `${k.resource}.${k.group}` : k.resource} "${name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
      {
        name,
        ...(k.group ? { group: k.group } : {}),
        kind: k.resource,
        causes: [
          {
            reason: 'NamespaceTerminating',
            message: `namespace ${ns} is being terminated`,
            field: 'metadata.namespace',
          },
        ],
      },
    );
  }
}

/** An object by kind, namespace ('' when cluster-scoped) and name. */
export interface ObjectRef {
  k: KindInfo;
  ns: string;
  name: string;
}

/** The object a replace or patch addresses, and which part of it. */
export interface WriteTarget extends ObjectRef {
  sub: Subresource;
}

/** A patch request's body and how to read it (json, merge, strategic or apply). */
export interface PatchBody {
  type: PatchType;
  body: unknown;
}

/** The request body of a create or update as an object of this kind in namespace `ns`; 400 when it is not. */
function decodeWriteBody(k: KindInfo, ns: string, body: unknown, verb: 'create' | 'update'): Obj {
  if (!isPlainObject(body)) throw errors.badRequest('the request body must be a JSON object');
  const o = clone(body);
  checkTypeMeta(k, o);
  checkNamespace(k, ns, o, verb);
  return o;
}

/** Admission attributes of a write, all but the object. */
type WriteAttributes = Omit<AdmissionAttributes, 'object'> & { operation: 'CREATE' | 'UPDATE' };

/**
 * The admission half of the write pipeline: field validation of pruned fields, mutating admission (system metadata
 * restored after it), defaulting, validation, the generation bump of an update, then validating admission.
 */
async function admit(ctx: ServerContext, attrs: WriteAttributes, o: Obj, opts: WriteOptions): Promise<WriteResult> {
  const k = attrs.kind;
  const warnings: string[] = [];
  fieldValidation(k, shapeCustom(k, o), opts, warnings);
  const mutated = await ctx.admission.mutate({ ...attrs, object: o });
  warnings.push(...mutated.warnings);
  const final = mutated.object!;
  restoreSystemMeta(final, o);
  shapeCustom(k, final);
  const old = attrs.oldObject;
  validate(ctx, k, final, old);
  if (old && k.generation !== 'none' && specChanged(k, old, final))
    meta(final)['generation'] = Number(meta(old)['generation'] ?? 0) + 1;
  const v = await ctx.admission.validate({ ...attrs, object: final });
  warnings.push(...v.warnings);
  return { object: final, warnings };
}

/** Fresh system metadata of a created object: uid, creation time, generation 1 where kept; a name from generateName. */
function stampCreated(ctx: ServerContext, k: KindInfo, o: Obj): void {
  const m = meta(o);
  for (const f of SYSTEM_META) delete m[f];
  m['uid'] = randomUUID();
  m['creationTimestamp'] = nowTime(ctx.clock);
  if (k.generation !== 'none') m['generation'] = 1;
  if (k.status && k.crd) delete o['status'];
}

/**
 * Creates an object through the real server's write pipeline (metadata, defaults, admission, validation); an ApiError
 * says why it was refused.
 */
export async function createObject(
  ctx: ServerContext,
  k: KindInfo,
  ns: string,
  body: unknown,
  opts: WriteOptions,
): Promise<WriteResult> {
  const o = decodeWriteBody(k, ns, body, 'create');
  const m = meta(o);
  if (m['resourceVersion']) throw errors.badRequest('resourceVersion should not be set on objects to be created');
  if (!m['name'] && m['generateName']) m['name'] = `${m['generateName']}${generateNameSuffix()}`;
  const name = String(m['name'] ?? '');
  namespaceGate(ctx, k, ns, name);
  stampCreated(ctx, k, o);
  const options = { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' };
  const attrs: WriteAttributes = {
    operation: 'CREATE',
    kind: k,
    subResource: '',
    namespace: ns,
    name,
    dryRun: opts.dryRun,
    options,
  };
  const { object: final, warnings } = await admit(ctx, attrs, o, opts);
  if (ctx.store.get(grOf(k), ns, name)) throw errors.alreadyExists(k.group, k.resource, name);
  if (opts.dryRun) return { object: final, warnings, created: true };
  namespaceGate(ctx, k, ns, name);
  const stored = ctx.store.create(k, ns, await toStorageVersion(ctx, k, final));
  return { object: await toRequestVersion(ctx, k, stored), warnings, created: true };
}

/** Webhooks may not change identity or system metadata; the real server resets them too. */
function restoreSystemMeta(o: Obj, from: Obj): void {
  const m = meta(o),
    fm = meta(from);
  for (const f of [...SYSTEM_META, 'name', 'namespace', 'resourceVersion'] as const) {
    if (fm[f] === undefined) delete m[f];
    else m[f] = fm[f];
  }
  o['apiVersion'] = from['apiVersion'];
  o['kind'] = from['kind'];
}

/** The object in the requested version; 404 when it does not exist. */
export async function getObject(ctx: ServerContext, k: KindInfo, ns: string, name: string): Promise<Obj> {
  const o = ctx.store.get(grOf(k), ns, name);
  if (!o) throw errors.notFound(k.group, k.resource, name);
  const out = await toRequestVersion(ctx, k, o);
  shapeCustom(k, out);
  return out;
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

/**
 * The matching objects as a list, paged by limit and continue; 400 for a bad selector or token, 410 for an expired one.
 */
export async function listObjects(ctx: ServerContext, k: KindInfo, ns: string | undefined, q: ListQuery): Promise<Obj> {
  const labels = parseLabelSelector(q.labelSelector);
  const fields = parseFieldSelector(q.fieldSelector, k.kind, apiVersionOf(k));
  let rv = ctx.store.currentRv();
  let start = '';
  if (q.continue) {
    let tok: ContinueToken;
    try {
      tok = JSON.parse(Buffer.from(q.continue, 'base64').toString('utf8')) as ContinueToken;
    } catch {
      throw errors.badRequest(
        'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
      );
    }
    if (typeof tok.rv !== 'number' || typeof tok.start !== 'string')
      throw errors.badRequest('continue key is not valid');
    if (tok.rv < ctx.store.oldestResumableRv())
      throw errors.gone(
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
      );
    rv = tok.rv;
    start = tok.start;
  }
  const keyOf = (o: Obj) => `${o['metadata']['namespace'] ?? ''}/${o['metadata']['name']}`;
  const all = ctx.store
    .list(grOf(k), ns)
    .filter((o) => keyOf(o) > start)
    .filter((o) => matchesLabels(labels, o['metadata']['labels']) && matchesFields(fields, o));
  const limit = q.limit && q.limit > 0 ? q.limit : all.length;
  const page = all.slice(0, limit);
  const listMeta: Obj = { resourceVersion: String(rv) };
  if (all.length > page.length) {
    const last = page[page.length - 1]!;
    listMeta['continue'] = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: keyOf(last) })).toString(
      'base64',
    );
    // etcd3's store counts the rest only when nothing filters the list (SelectionPredicate.Empty()).
    if (!q.labelSelector && !q.fieldSelector) listMeta['remainingItemCount'] = all.length - page.length;
  }
  const items = await toRequestVersionAll(ctx, k, page);
  for (const it of items) {
    shapeCustom(k, it);
    if (!k.crd) {
      delete it['apiVersion'];
      delete it['kind'];
    }
  }
  return { kind: k.listKind, apiVersion: apiVersionOf(k), metadata: listMeta, items };
}

/**
 * Replaces an object (or its status or scale part) through the write pipeline. 409 when the body's resourceVersion is
 * stale; an update without one is retried on conflict.
 */
export async function updateObject(
  ctx: ServerContext,
  at: WriteTarget,
  body: unknown,
  opts: WriteOptions,
): Promise<WriteResult> {
  const unconditional = !(
    isPlainObject(body) &&
    isPlainObject(body['metadata']) &&
    body['metadata']['resourceVersion']
  );
  for (let attempt = 0; ; attempt++) {
    try {
      return await updateOnce(ctx, at, body, opts);
    } catch (e) {
      // An update without a resourceVersion is unconditional: a race with another writer is retried.
      if (unconditional && isConflict(e) && attempt < 5) continue;
      throw e;
    }
  }
}

function isConflict(e: unknown): boolean {
  return e instanceof ApiError && e.reason === 'Conflict';
}

/** handlers.checkName: the body names the object the URL names (the namer fails on an empty name first). */
function checkUpdateName(m: Obj, name: string): void {
  if (typeof m['name'] !== 'string' || m['name'] === '')
    throw errors.badRequest(`the name of the object (${name} based on URL) was undeterminable: name must be provided`);
  if (m['name'] !== name)
    throw errors.badRequest(`the name of the object (${m['name']}) does not match the name on the URL (${name})`);
}

/** The stored object an update replaces, in the request's version; 404 when missing, 409 when `expectedRv` is stale. */
async function currentForUpdate(ctx: ServerContext, at: WriteTarget, expectedRv: string | undefined): Promise<Obj> {
  const { k, ns, name } = at;
  const storedOld = ctx.store.get(grOf(k), ns, name);
  if (!storedOld) throw errors.notFound(k.group, k.resource, name);
  if (expectedRv && expectedRv !== storedOld['metadata']['resourceVersion'])
    throw errors.conflict(k.group, k.resource, name);
  const old = await toRequestVersion(ctx, k, storedOld);
  shapeCustom(k, old);
  return old;
}

/** The object an update writes: the body, or for the status subresource only the body's status. */
function replacement(k: KindInfo, sub: Subresource, o: Obj, old: Obj): Obj {
  if (sub === 'status') {
    const next = clone(old);
    next['status'] = o['status'];
    if (next['status'] === undefined) delete next['status'];
    return next;
  }
  // The main resource does not write the status of a kind that has a status subresource.
  if (k.status) {
    if (old['status'] === undefined) delete o['status'];
    else o['status'] = clone(old['status']);
  }
  return o;
}

/** System metadata and resourceVersion come from the stored object, whatever the body says. */
function keepSystemMeta(next: Obj, old: Obj): void {
  const nm = meta(next),
    om = meta(old);
  for (const f of SYSTEM_META) {
    if (om[f] === undefined) delete nm[f];
    else nm[f] = om[f];
  }
  nm['resourceVersion'] = om['resourceVersion'];
}

/** 422 when an update adds finalizers to an object that is being deleted. */
function checkNoNewFinalizers(k: KindInfo, name: string, next: Obj, old: Obj): void {
  const om = meta(old);
  if (!om['deletionTimestamp']) return;
  const before = (om['finalizers'] ?? []) as string[];
  const added = ((meta(next)['finalizers'] ?? []) as string[]).filter((f) => !before.includes(f));
  if (added.length === 0) return;
  throw invalid(k.group, k.kind, name, [
    {
      type: 'Forbidden',
      field: 'metadata.finalizers',
      detail:
        'no new finalizers can be added if the object is being deleted, found new finalizers ' + JSON.stringify(added),
    },
  ]);
}

async function updateOnce(
  ctx: ServerContext,
  at: WriteTarget,
  body: unknown,
  opts: WriteOptions,
): Promise<WriteResult> {
  const { k, ns, name, sub } = at;
  const o = decodeWriteBody(k, ns, body, 'update');
  const m = meta(o);
  checkUpdateName(m, name);
  const old = await currentForUpdate(ctx, at, m['resourceVersion'] ? String(m['resourceVersion']) : undefined);
  const next = replacement(k, sub, o, old);
  keepSystemMeta(next, old);
  checkNoNewFinalizers(k, name, next, old);
  const options = { kind: 'UpdateOptions', apiVersion: 'meta.k8s.io/v1' };
  const attrs: WriteAttributes = {
    operation: 'UPDATE',
    kind: k,
    subResource: sub,
    namespace: ns,
    name,
    oldObject: old,
    dryRun: opts.dryRun,
    options,
  };
  const { object: final, warnings } = await admit(ctx, attrs, next, opts);
  if (opts.dryRun) return { object: final, warnings };
  const storedNew = await toStorageVersion(ctx, k, final);
  // Compare-and-swap against the version this update was computed from, never blindly.
  const stored = ctx.store.update(k, ns, storedNew, String(meta(old)['resourceVersion']));
  const gone = finalizeIfDone(ctx, k, stored);
  return { object: await toRequestVersion(ctx, k, gone ?? stored), warnings };
}

/** A patch whose result the Go types cannot hold: 422 as patch.go words it (no kind, no name). */
function patchedShape(k: KindInfo, patched: Obj): void {
  const problem = shapeProblem(k, patched);
  if (!problem) return;
  const e = invalid('', '', '', [{ type: 'Invalid', field: 'patch', value: JSON.stringify(patched), detail: problem }]);
  throw new ApiError(422, 'Invalid', e.message, { causes: e.details?.causes ?? [] });
}

/** Server-side apply of an object that does not exist yet creates it (field ownership is not tracked). */
async function applyCreates(
  ctx: ServerContext,
  at: WriteTarget,
  body: unknown,
  opts: WriteOptions,
): Promise<WriteResult> {
  if (!isPlainObject(body)) throw errors.badRequest('the apply configuration must be an object');
  patchedShape(at.k, body);
  const metadata = { ...(isPlainObject(body['metadata']) ? body['metadata'] : {}), name: at.name };
  return createObject(ctx, at.k, at.ns, { ...body, metadata }, opts);
}

/**
 * Patches an object and writes it as updateObject does; a patch without a resourceVersion is retried on conflict, and
 * an apply patch creates a missing object.
 */
export async function patchObject(
  ctx: ServerContext,
  at: WriteTarget,
  patch: PatchBody,
  opts: WriteOptions,
): Promise<WriteResult> {
  const { k, ns, name, sub } = at;
  for (let attempt = 0; ; attempt++) {
    // Server-side apply creates what does not exist yet (field ownership is not tracked: docs/apiserver.md).
    if (patch.type === 'apply' && sub === '' && !ctx.store.get(grOf(k), ns, name))
      return applyCreates(ctx, at, patch.body, opts);
    const current = await getObject(ctx, k, ns, name);
    const patched = applyPatch(patch.type, current, patch.body);
    patchedShape(k, patched);
    const explicitRv =
      isPlainObject(patched['metadata']) &&
      patched['metadata']['resourceVersion'] !== current['metadata']['resourceVersion'];
    if (!explicitRv) meta(patched)['resourceVersion'] = current['metadata']['resourceVersion'];
    try {
      return await updateObject(ctx, at, patched, opts);
    } catch (e) {
      // A patch without a resourceVersion precondition is retried on conflict, as the real server does.
      if (isConflict(e) && !explicitRv && attempt < 5) continue;
      throw e;
    }
  }
}
