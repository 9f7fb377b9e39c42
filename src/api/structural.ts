// Shape checks with ajv, compiled from the same schema as the CRD. Unknown fields are refused here
// (the API server would silently prune them) so a typo like `replica: 3` is named, not ignored.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { mysqlClusterSchema, type ApiVersionName } from './schema.ts';
import type { JSONSchema } from './schema-builders.ts';
import type { Violation } from './violations.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv, formats?: string[]) => Ajv;

/** Closes every object that lists its properties, except those Kubernetes marks as open. */
function closeObjects(s: JSONSchema): JSONSchema {
  const out: JSONSchema = { ...s };
  if (s.properties) {
    out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, closeObjects(v)]));
    if (!s['x-kubernetes-preserve-unknown-fields'] && s.additionalProperties === undefined)
      out.additionalProperties = false;
  }
  if (s.items) out.items = closeObjects(s.items);
  if (s.additionalProperties && typeof s.additionalProperties === 'object')
    out.additionalProperties = closeObjects(s.additionalProperties);
  return out;
}

const compiled = new Map<ApiVersionName, ValidateFunction>();

function validatorFor(version: ApiVersionName): ValidateFunction {
  let fn = compiled.get(version);
  if (!fn) {
    const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false });
    addFormats(ajv, ['date-time']);
    for (const k of [
      'x-kubernetes-preserve-unknown-fields',
      'x-kubernetes-int-or-string',
      'x-kubernetes-list-type',
      'x-kubernetes-list-map-keys',
      'x-kubernetes-map-type',
      'x-kubernetes-validations',
    ])
      ajv.addKeyword(k);
    fn = ajv.compile(closeObjects(mysqlClusterSchema(version)));
    compiled.set(version, fn);
  }
  return fn;
}

function pointerToField(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

function valueAt(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const p = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[p] : undefined;
  }
  return cur;
}

function toViolation(root: unknown, e: ErrorObject): Violation {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperty':
    case 'additionalProperties': {
      const field = [pointerToField(e.instancePath), String(params['additionalProperty'])].filter(Boolean).join('.');
      return {
        field,
        value: valueAt(root, `${e.instancePath}/${String(params['additionalProperty'])}`),
        allowed: 'unknown field; see `kubectl explain mysqlcluster` for the fields',
      };
    }
    case 'required': {
      const field = [pointerToField(e.instancePath), String(params['missingProperty'])].filter(Boolean).join('.');
      return { field, value: undefined, allowed: 'required' };
    }
    case 'anyOf':
      return {
        field: pointerToField(e.instancePath),
        value: valueAt(root, e.instancePath),
        allowed: 'must be a quantity (integer or string such as "10Gi")',
      };
    case 'enum':
      return {
        field: pointerToField(e.instancePath),
        value: valueAt(root, e.instancePath),
        allowed: `one of ${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    default:
      return {
        field: pointerToField(e.instancePath) || '<root>',
        value: valueAt(root, e.instancePath),
        allowed: e.message ?? e.keyword,
      };
  }
}

/** Every shape violation of obj against the version's schema; one per field. */
export function structuralViolations(obj: unknown, version: ApiVersionName): Violation[] {
  const fn = validatorFor(version);
  if (fn(obj)) return [];
  const byField = new Map<string, Violation>();
  for (const e of fn.errors ?? []) {
    // The branches of an int-or-string anyOf each fail too; the anyOf error alone says it all.
    if (e.schemaPath.includes('/anyOf/')) continue;
    const v = toViolation(obj, e);
    if (!byField.has(v.field)) byField.set(v.field, v);
  }
  return [...byField.values()];
}
