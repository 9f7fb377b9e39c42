// A CRD version's openAPIV3Schema, compiled once: validation through ajv (after translating the
// OpenAPI 3.0 / x-kubernetes-* dialect to JSON Schema), defaulting and pruning as the real server does
// them, and ajv errors reworded into the real server's field error lines (schema-field-errors.ts).
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FieldError } from './status-errors.ts';
import { clone, isPlainObject, type Obj } from './meta.ts';
import { toFieldErrors } from './schema-field-errors.ts';
import { blockingCelError, celErrors, hasCelRules } from './cel.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** A CRD version's schema, compiled: validation into field errors, defaulting and pruning in place. */
export interface CompiledVersionSchema {
  /** Schema errors, then (unless they block) x-kubernetes-validations; `old` enables transition rules. */
  validate(o: Obj, old?: Obj): FieldError[];
  applyDefaults(o: Obj): void;
  /** Removes unknown fields in place and returns their paths (`spec.foo`). */
  prune(o: Obj): string[];
  raw: Obj;
}

const K8S_FORMATS = [
  'int32',
  'int64',
  'float',
  'double',
  'byte',
  'binary',
  'password',
  'quantity',
  'bsonobjectid',
  'isbn',
  'isbn10',
  'isbn13',
  'creditcard',
  'ssn',
  'hexcolor',
  'rgbcolor',
  'mac',
  'cidr',
  'datetime',
];

let ajvSingleton: Ajv | undefined;
function ajv(): Ajv {
  if (!ajvSingleton) {
    ajvSingleton = new Ajv({ allErrors: true, strict: false, validateFormats: true });
    addFormats(ajvSingleton);
    for (const f of K8S_FORMATS) ajvSingleton.addFormat(f, true);
  }
  return ajvSingleton;
}

const DROP_KEYS = new Set([
  'default',
  'description',
  'example',
  'externalDocs',
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-preserve-unknown-fields',
]);

/** OpenAPI 3.0 + Kubernetes extensions -> JSON Schema that ajv validates. */
export function toJsonSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(toJsonSchema);
  if (!isPlainObject(s)) return s;
  const out: Obj = {};
  for (const [k, v] of Object.entries(s)) {
    if (DROP_KEYS.has(k)) continue;
    if (k === 'properties' || k === 'patternProperties' || k === 'definitions') {
      out[k] = Object.fromEntries(Object.entries(v as Obj).map(([pk, pv]) => [pk, toJsonSchema(pv)]));
    } else out[k] = toJsonSchema(v);
  }
  if (s['x-kubernetes-int-or-string'] === true) {
    delete out['type'];
    delete out['x-kubernetes-int-or-string'];
    out['type'] = ['integer', 'string'];
  }
  if (out['exclusiveMinimum'] === true) {
    out['exclusiveMinimum'] = out['minimum'];
    delete out['minimum'];
  }
  if (out['exclusiveMinimum'] === false) delete out['exclusiveMinimum'];
  if (out['exclusiveMaximum'] === true) {
    out['exclusiveMaximum'] = out['maximum'];
    delete out['maximum'];
  }
  if (out['exclusiveMaximum'] === false) delete out['exclusiveMaximum'];
  if (typeof out['format'] === 'string' && !ajv().formats[out['format']]) delete out['format'];
  return out;
}

function applyDefaults(schema: Obj | undefined, v: unknown): void {
  if (!schema) return;
  if (isPlainObject(v)) applyObjectDefaults(schema, v);
  else if (Array.isArray(v) && isPlainObject(schema['items']))
    for (const item of v) applyDefaults(schema['items'], item);
}

/** Whether a property's schema default fills `value`: missing, or null where null is not allowed. */
function takesDefault(ps: unknown, value: unknown): ps is Obj {
  if (!isPlainObject(ps) || ps['default'] === undefined) return false;
  return value === undefined || (value === null && ps['nullable'] !== true);
}

function applyObjectDefaults(schema: Obj, v: Obj): void {
  const props = (schema['properties'] ?? {}) as Obj;
  for (const [k, ps] of Object.entries(props)) {
    if (takesDefault(ps, v[k])) v[k] = clone(ps['default']);
    applyDefaults(ps as Obj, v[k]);
  }
  const additional = schema['additionalProperties'];
  if (isPlainObject(additional)) for (const k of Object.keys(v)) if (!(k in props)) applyDefaults(additional, v[k]);
}

/** Where pruning is: the removed paths are collected in `removed`. */
interface PruneAt {
  path: string;
  removed: string[];
}

function prune(schema: Obj | undefined, v: unknown, at: PruneAt, root: boolean): void {
  if (!schema) return;
  if (Array.isArray(v))
    v.forEach((item, i) => prune(schema['items'] as Obj | undefined, item, { ...at, path: `${at.path}[${i}]` }, false));
  else if (isPlainObject(v)) pruneObject(schema, v, at, root);
}

function pruneObject(schema: Obj, v: Obj, at: PruneAt, root: boolean): void {
  const props = (schema['properties'] ?? {}) as Obj;
  const keepsUnknown =
    schema['additionalProperties'] === true || schema['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = root || schema['x-kubernetes-embedded-resource'] === true;
  for (const k of Object.keys(v)) {
    if (embedded && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
    const sub = { ...at, path: join(at.path, k) };
    if (k in props) prune(props[k] as Obj, v[k], sub, false);
    else if (isPlainObject(schema['additionalProperties'])) prune(schema['additionalProperties'], v[k], sub, false);
    else if (!keepsUnknown) {
      delete v[k];
      at.removed.push(sub.path);
    }
  }
}

function join(path: string, k: string): string {
  return path ? `${path}.${k}` : k;
}

/** A CRD version's openAPIV3Schema compiled once; throws if ajv cannot compile it. */
export function compileVersionSchema(openAPIV3Schema: Obj): CompiledVersionSchema {
  const validateFn: ValidateFunction = ajv().compile(toJsonSchema(openAPIV3Schema) as Obj);
  const withRules = hasCelRules(openAPIV3Schema);
  return {
    raw: openAPIV3Schema,
    validate(o: Obj, old?: Obj): FieldError[] {
      const subject = clone(o);
      delete subject['metadata'];
      const errs = validateFn(subject) ? [] : toFieldErrors(validateFn.errors ?? [], subject);
      if (!withRules) return errs;
      const blocked = blockingCelError(errs);
      return blocked ? [...errs, blocked] : [...errs, ...celErrors(openAPIV3Schema, subject, old)];
    },
    applyDefaults(o: Obj): void {
      const metadata = o['metadata'];
      applyDefaults(openAPIV3Schema, o);
      o['metadata'] = metadata;
    },
    prune(o: Obj): string[] {
      const removed: string[] = [];
      prune(openAPIV3Schema, o, { path: '', removed }, true);
      return removed;
    },
  };
}
