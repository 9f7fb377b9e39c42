// Patch formats: RFC 6902 JSON Patch, RFC 7386 JSON merge patch, and strategic merge patch (merge
// keys and directives in strategic-merge.ts). No JSON Patch package is installed, so the six
// operations are implemented here against the RFC.
import { ApiError, errors } from './status-errors.ts';
import { clone, deepEqual, isPlainObject, type Obj } from './meta.ts';
import { applyStrategicPatch } from './strategic-merge.ts';

/** The patch formats the server accepts. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** The patch format of a Content-Type; a 415 ApiError for any other media type. */
export function patchTypeOf(contentType: string | undefined): PatchType {
  const ct = (contentType ?? '').split(';')[0]!.trim();
  switch (ct) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+json':
      return 'apply';
    default:
      throw errors.unsupportedMediaType(ct);
  }
}

function rejected(message: string): ApiError {
  return new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {
    causes: [{ reason: 'UnexpectedServerResponse', message }],
  });
}

function decodePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw errors.badRequest(`JSON pointer must start with "/": ${p}`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The member `t` of an array or object, undefined for anything else. */
function child(cur: unknown, t: string): unknown {
  if (Array.isArray(cur)) return cur[Number(t)] as unknown;
  return isPlainObject(cur) ? (cur[t] as unknown) : undefined;
}

function parentOf(doc: unknown, tokens: string[], op: string, path: string): { parent: unknown; key: string } {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    cur = child(cur, t);
    if (cur === undefined)
      throw rejected(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  }
  return { parent: cur, key: tokens[tokens.length - 1]! };
}

function getAt(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const t of decodePointer(path)) {
    cur = child(cur, t);
    if (cur === undefined) throw rejected(`doc is missing path: "${path}": missing value`);
  }
  return cur;
}

function addAt(doc: unknown, path: string, value: unknown, op: string): unknown {
  const tokens = decodePointer(path);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, tokens, op, path);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length)
      throw rejected(`${op} operation does not apply: index out of bounds: "${path}"`);
    parent.splice(i, 0, value);
  } else if (isPlainObject(parent)) parent[key] = value;
  else throw rejected(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  return doc;
}

function removeAt(doc: unknown, path: string, op: string): unknown {
  const tokens = decodePointer(path);
  const { parent, key } = parentOf(doc, tokens, op, path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length)
      throw rejected(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
    return parent.splice(i, 1)[0];
  }
  if (!isPlainObject(parent) || !(key in parent))
    throw rejected(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  const v = parent[key];
  delete parent[key];
  return v;
}

/**
 * A patched copy of `target` (RFC 6902); the target is not changed. Malformed operations answer 400, failed ones 422.
 */
export function applyJsonPatch(target: Obj, ops: unknown): Obj {
  if (!Array.isArray(ops))
    throw errors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc: unknown = clone(target);
  for (const raw of ops) {
    if (!isPlainObject(raw)) throw errors.badRequest('invalid JSON Patch operation');
    const { op, path, from, value } = raw as { op?: string; path?: string; from?: string; value?: unknown };
    if (typeof path !== 'string') throw errors.badRequest(`JSON Patch operation "${String(op)}" is missing "path"`);
    switch (op) {
      case 'add':
        doc = addAt(doc, path, clone(value), op);
        break;
      case 'remove':
        removeAt(doc, path, op);
        break;
      case 'replace':
        removeAt(doc, path, op);
        doc = addAt(doc, path, clone(value), op);
        break;
      case 'move': {
        const v = removeAt(doc, String(from), op);
        doc = addAt(doc, path, v, op);
        break;
      }
      case 'copy':
        doc = addAt(doc, path, clone(getAt(doc, String(from))), op);
        break;
      case 'test':
        if (!deepEqual(getAt(doc, path), value)) throw rejected(`testing value ${path} failed: test failed`);
        break;
      default:
        throw errors.badRequest(`Unexpected kind: ${String(op)}`);
    }
  }
  if (!isPlainObject(doc)) throw rejected('the patch did not produce an object');
  return doc;
}

/** A patched copy of `target` (RFC 7386): null deletes, objects merge, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const out: Obj = isPlainObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}

/** Drops strategic-merge directives ($patch, $retainKeys, $setElementOrder/..., $deleteFromPrimitiveList/...). */
export function stripStrategicDirectives(p: unknown): unknown {
  if (Array.isArray(p))
    return p.filter((x) => !(isPlainObject(x) && x['$patch'] === 'delete')).map(stripStrategicDirectives);
  if (!isPlainObject(p)) return p;
  const out: Obj = {};
  for (const [k, v] of Object.entries(p)) {
    if (k.startsWith('$')) continue;
    out[k] = stripStrategicDirectives(v);
  }
  return out;
}

/** A patched copy of `target` in the given format; 400 when a merge-style patch is not an object. */
export function applyPatch(type: PatchType, target: Obj, body: unknown): Obj {
  switch (type) {
    case 'json':
      return applyJsonPatch(target, body);
    case 'merge':
    case 'apply': {
      if (!isPlainObject(body)) throw errors.badRequest('the patch must be a JSON object');
      return applyMergePatch(target, body) as Obj;
    }
    case 'strategic': {
      if (!isPlainObject(body)) throw errors.badRequest('the patch must be a JSON object');
      return applyStrategicPatch(String(target['kind'] ?? ''), target, body);
    }
    default: {
      const never: never = type;
      return never;
    }
  }
}
