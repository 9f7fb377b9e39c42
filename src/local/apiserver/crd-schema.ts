// A CRD version's openAPIV3Schema, compiled once: validation through ajv (after translating the
// OpenAPI 3.0 / x-kubernetes-* dialect to JSON Schema), defaulting and pruning as the real server does
// them, and ajv errors reworded into the real server's field error lines
// (`spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1`).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FieldError } from './status-errors.ts';
import { clone, isPlainObject, type Obj } from './meta.ts';
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

function fieldPath(instancePath: string): string {
  if (!instancePath) return '';
  return instancePath
    .slice(1)
    .split('/')
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function valueAt(o: unknown, instancePath: string): unknown {
  let cur: any = o;
  for (const seg of instancePath.split('/').slice(1)) cur = cur?.[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  return cur;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** ajv errors as the real server's field errors (path, type, value), one per field and message. */
export function toFieldErrors(errs: ErrorObject[], o: Obj): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errs) {
    const path = fieldPath(e.instancePath);
    const value = valueAt(o, e.instancePath);
    const p = e.params as Record<string, any>;
    let fe: FieldError;
    switch (e.keyword) {
      case 'required':
        fe = { type: 'Required', field: path ? `${path}.${p['missingProperty']}` : String(p['missingProperty']) };
        break;
      case 'type':
        fe = {
          type: 'Invalid',
          field: path,
          value: typeName(value),
          detail: `${path} in body must be of type ${[p['type']].flat().join(',')}: ${JSON.stringify(typeName(value))}`,
        };
        break;
      case 'enum':
        fe = {
          type: 'Unsupported',
          field: path,
          value,
          detail: `supported values: ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        };
        break;
      case 'minimum':
        fe = {
          type: 'Invalid',
          field: path,
          value,
          detail: `${path} in body should be greater than or equal to ${p['limit']}`,
        };
        break;
      case 'maximum':
        fe = {
          type: 'Invalid',
          field: path,
          value,
          detail: `${path} in body should be less than or equal to ${p['limit']}`,
        };
        break;
      case 'exclusiveMinimum':
        fe = { type: 'Invalid', field: path, value, detail: `${path} in body should be greater than ${p['limit']}` };
        break;
      case 'exclusiveMaximum':
        fe = { type: 'Invalid', field: path, value, detail: `${path} in body should be less than ${p['limit']}` };
        break;
      case 'pattern':
        fe = { type: 'Invalid', field: path, value, detail: `${path} in body should match '${p['pattern']}'` };
        break;
      case 'minLength':
        fe = {
          type: 'Invalid',
          field: path,
          value,
          detail: `${path} in body should be at least ${p['limit']} chars long`,
        };
        break;
      case 'maxLength':
        fe = { type: 'TooLong', field: path, value, detail: `may not be more than ${p['limit']} bytes` };
        break;
      case 'maxItems':
        fe = {
          type: 'TooMany',
          field: path,
          value: Array.isArray(value) ? value.length : 0,
          detail: `must have at most ${p['limit']} items`,
        };
        break;
      case 'minItems':
        fe = {
          type: 'Invalid',
          field: path,
          value,
          detail: `${path} in body should have at least ${p['limit']} items`,
        };
        break;
      case 'maxProperties':
        fe = {
          type: 'TooMany',
          field: path,
          value: isPlainObject(value) ? Object.keys(value).length : 0,
          detail: `must have at most ${p['limit']} items`,
        };
        break;
      case 'minProperties':
        fe = {
          type: 'Invalid',
          field: path,
          value,
          detail: `${path} in body should have at least ${p['limit']} properties`,
        };
        break;
      case 'uniqueItems':
        fe = { type: 'Duplicate', field: `${path}[${p['i']}]`, value: Array.isArray(value) ? value[p['i']] : value };
        break;
      case 'format':
        fe = {
          type: 'Invalid',
          field: path,
          value,
          detail: `${path} in body must be of type ${p['format']}: ${JSON.stringify(value)}`,
        };
        break;
      case 'multipleOf':
        fe = {
          type: 'Invalid',
          field: path,
          value,
          detail: `${path} in body should be a multiple of ${p['multipleOf']}`,
        };
        break;
      default:
        fe = { type: 'Invalid', field: path, value, detail: e.message ?? e.keyword };
    }
    const key = `${fe.type}|${fe.field}|${fe.detail ?? ''}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(fe);
    }
  }
  return out;
}

function applyDefaults(schema: Obj | undefined, v: unknown): void {
  if (!schema) return;
  if (isPlainObject(v)) {
    const props = (schema['properties'] ?? {}) as Obj;
    for (const [k, ps] of Object.entries(props)) {
      if (v[k] === undefined && isPlainObject(ps) && ps['default'] !== undefined) v[k] = clone(ps['default']);
      else if (v[k] === null && isPlainObject(ps) && ps['default'] !== undefined && ps['nullable'] !== true)
        v[k] = clone(ps['default']);
      applyDefaults(ps as Obj, v[k]);
    }
    if (isPlainObject(schema['additionalProperties']))
      for (const k of Object.keys(v)) if (!(k in props)) applyDefaults(schema['additionalProperties'], v[k]);
  } else if (Array.isArray(v) && isPlainObject(schema['items'])) {
    for (const item of v) applyDefaults(schema['items'], item);
  }
}

function prune(schema: Obj | undefined, v: unknown, path: string, removed: string[], root: boolean): void {
  if (!schema || (!isPlainObject(v) && !Array.isArray(v))) return;
  if (Array.isArray(v)) {
    v.forEach((item, i) => prune(schema['items'] as Obj | undefined, item, `${path}[${i}]`, removed, false));
    return;
  }
  const props = (schema['properties'] ?? {}) as Obj;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = root || schema['x-kubernetes-embedded-resource'] === true;
  const additional = schema['additionalProperties'];
  for (const k of Object.keys(v)) {
    const sub = join(path, k);
    if (embedded && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
    if (k in props) prune(props[k] as Obj, v[k], sub, removed, false);
    else if (isPlainObject(additional)) prune(additional, v[k], sub, removed, false);
    else if (additional === true || preserve) continue;
    else {
      delete v[k];
      removed.push(sub);
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
      prune(openAPIV3Schema, o, '', removed, true);
      return removed;
    },
  };
}
