// Strategic merge patch for built-in kinds, as apimachinery's strategicpatch applies it: lists with a
// merge key (containers and volumes by name, container ports by containerPort, Service ports by port,
// env by name, webhooks by name, conditions by type, ...) merge element-wise; other lists replace;
// `finalizers` merges as a set. Directives: `$patch: replace|delete|merge` (maps and list elements),
// `$retainKeys`, `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`. This is what
// client-side `kubectl apply` sends: without merge keys a re-applied webhook configuration would lose
// every field its patch does not name. Merge keys come from the Go types' patchMergeKey tags.
import { clone, isPlainObject, type Obj } from './meta.ts';

type ListStrategy = { type: 'replace' } | { type: 'set' } | { type: 'key'; key: string };

const POD_SPEC_LISTS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
};

const CONTAINER_LISTS: Record<string, string> = {
  ports: 'containerPort',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  resizePolicy: 'resourceName',
};

/** The list strategy of `field` at `path` (field names from the object root, list indices dropped). */
export function listStrategy(kind: string, path: string[], field: string): ListStrategy {
  const keyed =
    metadataListStrategy(path, field) ?? podListStrategy(path, field) ?? kindListStrategy(kind, path, field);
  return keyed ?? { type: 'replace' };
}

/** metadata.finalizers is a set; metadata.ownerReferences merge by uid. */
function metadataListStrategy(path: string[], field: string): ListStrategy | undefined {
  if (path.length !== 1 || path[0] !== 'metadata') return undefined;
  if (field === 'finalizers') return { type: 'set' };
  if (field === 'ownerReferences') return { type: 'key', key: 'uid' };
  return undefined;
}

/** The keyed lists of a pod spec (wherever it sits) and of its containers. */
function podListStrategy(path: string[], field: string): ListStrategy | undefined {
  const parent = path[path.length - 1];
  const inContainer = parent === 'containers' || parent === 'initContainers' || parent === 'ephemeralContainers';
  const key = inContainer ? CONTAINER_LISTS[field] : parent === 'spec' ? POD_SPEC_LISTS[field] : undefined;
  return key ? { type: 'key', key } : undefined;
}

/** Kind-specific keyed lists: Service ports, webhook configurations' webhooks, status conditions. */
function kindListStrategy(kind: string, path: string[], field: string): ListStrategy | undefined {
  if (kind === 'Service' && path.join('.') === 'spec' && field === 'ports') return { type: 'key', key: 'port' };
  if (path.length === 0 && field === 'webhooks' && /WebhookConfiguration$/.test(kind))
    return { type: 'key', key: 'name' };
  if (path[0] === 'status' && field === 'conditions') return { type: 'key', key: 'type' };
  return undefined;
}

/** Applies a strategic merge patch to a built-in object of `kind`. */
export function applyStrategicPatch(kind: string, target: Obj, patch: Obj): Obj {
  return mergeMap(kind, [], clone(target), patch) ?? {};
}

function mergeMap(kind: string, path: string[], target: Obj | undefined, patch: Obj): Obj | undefined {
  const directive = patch['$patch'];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return stripDirectives(patch) as Obj;
  const out: Obj = isPlainObject(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) {
      delete out[k];
      continue;
    }
    if (Array.isArray(v)) {
      out[k] = mergeList(kind, [...path, k], out[k], v);
      continue;
    }
    if (isPlainObject(v)) {
      const merged = mergeMap(kind, [...path, k], isPlainObject(out[k]) ? out[k] : undefined, v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
      continue;
    }
    out[k] = v;
  }
  applyPrimitiveDeletes(out, patch);
  applyElementOrder(kind, path, out, patch);
  applyRetainKeys(out, patch);
  return out;
}

function applyPrimitiveDeletes(out: Obj, patch: Obj): void {
  for (const [k, v] of Object.entries(patch)) {
    const m = /^\$deleteFromPrimitiveList\/(.+)$/.exec(k);
    if (!m || !Array.isArray(v) || !Array.isArray(out[m[1]!])) continue;
    const drop = new Set(v.map((x) => JSON.stringify(x)));
    out[m[1]!] = (out[m[1]!] as unknown[]).filter((x) => !drop.has(JSON.stringify(x)));
  }
}

function applyRetainKeys(out: Obj, patch: Obj): void {
  const keep = patch['$retainKeys'];
  if (!Array.isArray(keep)) return;
  for (const k of Object.keys(out)) if (!keep.includes(k)) delete out[k];
}

function applyElementOrder(kind: string, path: string[], out: Obj, patch: Obj): void {
  for (const [k, v] of Object.entries(patch)) {
    const m = /^\$setElementOrder\/(.+)$/.exec(k);
    if (!m || !Array.isArray(v) || !Array.isArray(out[m[1]!])) continue;
    const field = m[1]!;
    const s = listStrategy(kind, path, field);
    const id = (x: unknown) => JSON.stringify(s.type === 'key' && isPlainObject(x) ? x[s.key] : x);
    const rank = new Map(v.map((x, i) => [id(x), i]));
    const list = out[field] as unknown[];
    const ordered = list.filter((x) => rank.has(id(x))).sort((a, b) => rank.get(id(a))! - rank.get(id(b))!);
    const rest = list.filter((x) => !rank.has(id(x)));
    out[field] = [...ordered, ...rest];
  }
}

/** Merges a list at `listPath` (the path of the list itself) by its strategy. */
function mergeList(kind: string, listPath: string[], current: unknown, patch: unknown[]): unknown[] {
  const path = listPath.slice(0, -1);
  const field = listPath[listPath.length - 1]!;
  const s = listStrategy(kind, path, field);
  if (patch.some((x) => isPlainObject(x) && x['$patch'] === 'replace'))
    return patch.filter((x) => !(isPlainObject(x) && x['$patch'] === 'replace')).map(stripDirectives);
  const cur = Array.isArray(current) ? current : [];
  switch (s.type) {
    case 'replace':
      return patch.map(stripDirectives);
    case 'set': {
      const out = [...cur];
      for (const x of patch) if (!out.some((y) => JSON.stringify(y) === JSON.stringify(x))) out.push(x);
      return out;
    }
    case 'key':
      return mergeKeyed(kind, [...path, field], cur, patch, s.key);
    default: {
      const never: never = s;
      return never;
    }
  }
}

function mergeKeyed(kind: string, path: string[], cur: unknown[], patch: unknown[], key: string): unknown[] {
  const out = cur.map((x) => clone(x));
  for (const p of patch) {
    if (!isPlainObject(p)) continue;
    const i = out.findIndex((x) => isPlainObject(x) && x[key] === p[key]);
    if (p['$patch'] === 'delete') {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i < 0) out.push(stripDirectives(p));
    else out[i] = mergeMap(kind, path, out[i] as Obj, p) ?? out[i];
  }
  return out;
}

function stripDirectives(p: unknown): unknown {
  if (Array.isArray(p)) return p.map(stripDirectives);
  if (!isPlainObject(p)) return p;
  const out: Obj = {};
  for (const [k, v] of Object.entries(p)) if (!k.startsWith('$')) out[k] = stripDirectives(v);
  return out;
}
