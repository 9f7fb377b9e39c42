// ajv's errors reworded into the real server's field error lines, one table row per JSON Schema
// keyword (`spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1`).
import type { ErrorObject } from 'ajv';
import type { FieldError } from './status-errors.ts';
import { isPlainObject } from './meta.ts';

/** ajv's params of one error (limit, pattern, missingProperty, ...). */
type Params = Record<string, unknown>;

/** Builds the field error for one ajv error at `path`, whose offending value is `value`. */
type Reword = (path: string, value: unknown, p: Params) => FieldError;

/** An `Invalid` field error whose detail names the path (`<path> in body should ...`). */
function invalid(detail: (path: string, p: Params) => string): Reword {
  return (path, value, p) => ({ type: 'Invalid', field: path, value, detail: detail(path, p) });
}

const REWORD: Record<string, Reword> = {
  required: (path, _value, p) => ({
    type: 'Required',
    field: path ? `${path}.${String(p['missingProperty'])}` : String(p['missingProperty']),
  }),
  type: (path, value, p) => ({
    type: 'Invalid',
    field: path,
    value: typeName(value),
    detail: `${path} in body must be of type ${[p['type']].flat().join(',')}: ${JSON.stringify(typeName(value))}`,
  }),
  enum: (path, value, p) => ({
    type: 'Unsupported',
    field: path,
    value,
    detail: `supported values: ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
  }),
  minimum: invalid((path, p) => `${path} in body should be greater than or equal to ${String(p['limit'])}`),
  maximum: invalid((path, p) => `${path} in body should be less than or equal to ${String(p['limit'])}`),
  exclusiveMinimum: invalid((path, p) => `${path} in body should be greater than ${String(p['limit'])}`),
  exclusiveMaximum: invalid((path, p) => `${path} in body should be less than ${String(p['limit'])}`),
  pattern: invalid((path, p) => `${path} in body should match '${String(p['pattern'])}'`),
  minLength: invalid((path, p) => `${path} in body should be at least ${String(p['limit'])} chars long`),
  maxLength: (path, value, p) => ({
    type: 'TooLong',
    field: path,
    value,
    detail: `may not be more than ${String(p['limit'])} bytes`,
  }),
  maxItems: (path, value, p) => ({
    type: 'TooMany',
    field: path,
    value: Array.isArray(value) ? value.length : 0,
    detail: `must have at most ${String(p['limit'])} items`,
  }),
  minItems: invalid((path, p) => `${path} in body should have at least ${String(p['limit'])} items`),
  maxProperties: (path, value, p) => ({
    type: 'TooMany',
    field: path,
    value: isPlainObject(value) ? Object.keys(value).length : 0,
    detail: `must have at most ${String(p['limit'])} items`,
  }),
  minProperties: invalid((path, p) => `${path} in body should have at least ${String(p['limit'])} properties`),
  uniqueItems: (path, value, p) => ({
    type: 'Duplicate',
    field: `${path}[${String(p['i'])}]`,
    value: Array.isArray(value) ? (value[Number(p['i'])] as unknown) : value,
  }),
  format: (path, value, p) => ({
    type: 'Invalid',
    field: path,
    value,
    detail: `${path} in body must be of type ${String(p['format'])}: ${JSON.stringify(value)}`,
  }),
  multipleOf: invalid((path, p) => `${path} in body should be a multiple of ${String(p['multipleOf'])}`),
};

/** ajv errors as the real server's field errors (path, type, value), one per field and message. */
export function toFieldErrors(errs: ErrorObject[], o: unknown): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errs) {
    const fe = toFieldError(e, o);
    const key = `${fe.type}|${fe.field}|${fe.detail ?? ''}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(fe);
    }
  }
  return out;
}

function toFieldError(e: ErrorObject, o: unknown): FieldError {
  const path = fieldPath(e.instancePath);
  const value = valueAt(o, e.instancePath);
  const reword = Object.hasOwn(REWORD, e.keyword) ? REWORD[e.keyword] : undefined;
  if (reword) return reword(path, value, e.params as Params);
  return { type: 'Invalid', field: path, value, detail: e.message ?? e.keyword };
}

function fieldPath(instancePath: string): string {
  if (!instancePath) return '';
  return pointerTokens(instancePath).reduce(
    (acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg),
    '',
  );
}

function valueAt(o: unknown, instancePath: string): unknown {
  let cur: unknown = o;
  for (const seg of pointerTokens(instancePath)) {
    if (Array.isArray(cur)) cur = cur[Number(seg)] as unknown;
    else cur = isPlainObject(cur) ? (cur[seg] as unknown) : undefined;
  }
  return cur;
}

/** A JSON pointer's unescaped segments ('' has none). */
function pointerTokens(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}
