// The rules kube-apiserver (apiextensions-apiserver) applies to a CRD version's openAPIV3Schema before
// it accepts the CRD: the structural-schema invariants (schema/validation.go: every field typed, anyOf
// branches carry value validations only, root metadata restricts name/generateName only, no
// additionalProperties at the root) and the OpenAPI checks of validation/validation.go (unsupported
// keywords, list/map extensions, defaults in top-level meta). Messages and paths are the real ones, so
// a CRD the embedded server accepts is one a real server accepts. See docs/apiserver.md.
import type { FieldError } from './status-errors.ts';
import { fieldErrorString } from './status-errors.ts';
import { isPlainObject, type Obj } from './meta.ts';
import { celSyntaxError } from './cel.ts';

type Level = 'root' | 'item' | 'field';

const OPENAPI_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
/** Schema keys with no effect on structure: they may sit anywhere a value validation may. */
const GENERIC_FORBIDDEN_NESTED: [string, string][] = [
  ['type', 'must be empty to be structural'],
  ['default', 'must be undefined to be structural'],
  ['title', 'must be empty to be structural'],
  ['description', 'must be empty to be structural'],
  ['nullable', 'must be false to be structural'],
  ['externalDocs', 'must be undefined to be structural'],
  ['x-kubernetes-preserve-unknown-fields', 'must be false to be structural'],
  ['x-kubernetes-embedded-resource', 'must be false to be structural'],
  ['x-kubernetes-int-or-string', 'must be false to be structural'],
  ['x-kubernetes-list-map-keys', 'must be empty to be structural'],
  ['x-kubernetes-list-type', 'must be undefined to be structural'],
  ['x-kubernetes-map-type', 'must be undefined to be structural'],
  ['x-kubernetes-validations', 'must be empty to be structural'],
];

function key(path: string, k: string): string {
  return `${path}.properties[${k}]`;
}

function isSet(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

function isIntOrStringAnyOf(anyOf: unknown): boolean {
  return (
    Array.isArray(anyOf) &&
    anyOf.length === 2 &&
    isPlainObject(anyOf[0]) &&
    isPlainObject(anyOf[1]) &&
    Object.keys(anyOf[0]).join() === 'type' &&
    Object.keys(anyOf[1]).join() === 'type' &&
    anyOf[0]['type'] === 'integer' &&
    anyOf[1]['type'] === 'string'
  );
}

function nestedProblems(v: unknown, path: string, skipAnyOf: boolean): FieldError[] {
  if (!isPlainObject(v)) return [];
  const out: FieldError[] = [...junctorProblems(v, path, skipAnyOf)];
  if (isPlainObject(v['items'])) out.push(...nestedProblems(v['items'], `${path}.items`, false));
  for (const [k, p] of Object.entries(isPlainObject(v['properties']) ? v['properties'] : {}))
    out.push(...nestedProblems(p, key(path, k), false));
  for (const [k, detail] of GENERIC_FORBIDDEN_NESTED)
    if (isSet(v[k])) out.push({ type: 'Forbidden', field: `${path}.${k}`, detail });
  if (v['additionalProperties'] !== undefined)
    out.push({
      type: 'Forbidden',
      field: `${path}.additionalProperties`,
      detail: 'must be undefined to be structural',
    });
  if (isPlainObject(v['properties']) && 'metadata' in v['properties'])
    out.push({ type: 'Forbidden', field: key(path, 'metadata'), detail: 'must not be specified in a nested context' });
  return out;
}

function junctorProblems(s: Obj, path: string, skipAnyOf: boolean): FieldError[] {
  const out: FieldError[] = [];
  const list = (k: string): unknown[] => (Array.isArray(s[k]) ? (s[k] as unknown[]) : []);
  if (!skipAnyOf) list('anyOf').forEach((b, i) => out.push(...nestedProblems(b, `${path}.anyOf[${i}]`, false)));
  const allOfIntOrString = isPlainObject(list('allOf')[0]) && isIntOrStringAnyOf((list('allOf')[0] as Obj)['anyOf']);
  list('allOf').forEach((b, i) => out.push(...nestedProblems(b, `${path}.allOf[${i}]`, i === 0 && allOfIntOrString)));
  list('oneOf').forEach((b, i) => out.push(...nestedProblems(b, `${path}.oneOf[${i}]`, false)));
  if (isPlainObject(s['not'])) out.push(...nestedProblems(s['not'], `${path}.not`, false));
  return out;
}

function typeProblems(s: Obj, lvl: Level, path: string): FieldError[] {
  const type = typeof s['type'] === 'string' ? s['type'] : '';
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  if (embedded && type !== 'object')
    return type
      ? [
          {
            type: 'Invalid',
            field: `${path}.type`,
            value: type,
            detail: 'must be object if x-kubernetes-embedded-resource is true',
          },
        ]
      : [
          {
            type: 'Required',
            field: `${path}.type`,
            detail: 'must be object if x-kubernetes-embedded-resource is true',
          },
        ];
  const out: FieldError[] = [];
  if (!type && s['x-kubernetes-int-or-string'] !== true && s['x-kubernetes-preserve-unknown-fields'] !== true) {
    const detail = {
      root: 'must not be empty at the root',
      item: 'must not be empty for specified array items',
      field: 'must not be empty for specified object fields',
    }[lvl];
    out.push({ type: 'Required', field: `${path}.type`, detail });
  }
  if (lvl === 'root' && type && type !== 'object')
    out.push({ type: 'Invalid', field: `${path}.type`, value: type, detail: 'must be object at the root' });
  return out;
}

function extensionProblems(s: Obj, path: string): FieldError[] {
  const out: FieldError[] = [];
  if (s['x-kubernetes-int-or-string'] === true && s['x-kubernetes-preserve-unknown-fields'] === true)
    out.push({
      type: 'Invalid',
      field: `${path}.x-kubernetes-preserve-unknown-fields`,
      value: true,
      detail: 'must be false if x-kubernetes-int-or-string is true',
    });
  if (s['x-kubernetes-int-or-string'] === true && s['x-kubernetes-embedded-resource'] === true)
    out.push({
      type: 'Invalid',
      field: `${path}.x-kubernetes-embedded-resource`,
      value: true,
      detail: 'must be false if x-kubernetes-int-or-string is true',
    });
  return out;
}

function metadataProblems(m: unknown, checkMetadata: boolean, lvl: Level, path: string): FieldError[] {
  if (!isPlainObject(m)) return [];
  const out: FieldError[] = [];
  if (checkMetadata && m['type'] !== 'object')
    out.push({ type: 'Invalid', field: `${path}.type`, value: m['type'] ?? '', detail: 'must be object' });
  if (lvl !== 'root') return out;
  const props = isPlainObject(m['properties']) ? Object.keys(m['properties']) : [];
  const onlyNames = props.length > 0 && props.every((p) => p === 'name' || p === 'generateName');
  const rest = Object.keys(m).filter((k) => k !== 'type' && k !== 'default' && !(k === 'properties' && onlyNames));
  if (rest.some((k) => isSet(m[k])))
    out.push({
      type: 'Forbidden',
      field: path,
      detail: 'must not specify anything other than name and generateName, but metadata is implicitly specified',
    });
  return out;
}

function resourceTypeMetaProblems(s: Obj, path: string): FieldError[] {
  const props = isPlainObject(s['properties']) ? s['properties'] : {};
  const out: FieldError[] = [];
  for (const k of ['kind', 'apiVersion'])
    if (isPlainObject(props[k]) && props[k]['type'] !== 'string')
      out.push({
        type: 'Invalid',
        field: `${key(path, k)}.type`,
        value: props[k]['type'] ?? '',
        detail: 'must be string',
      });
  return out;
}

function invariants(s: unknown, lvl: Level, path: string): FieldError[] {
  if (!isPlainObject(s)) return [];
  const out: FieldError[] = [];
  if (s['type'] === 'array' && s['items'] === undefined)
    out.push({ type: 'Required', field: `${path}.items`, detail: 'must be specified' });
  out.push(...invariants(s['items'], 'item', `${path}.items`));
  for (const [k, v] of Object.entries(isPlainObject(s['properties']) ? s['properties'] : {}))
    out.push(...invariants(v, 'field', key(path, k)));
  if (s['additionalProperties'] !== undefined) {
    if (lvl === 'root')
      out.push({ type: 'Forbidden', field: `${path}.additionalProperties`, detail: 'must not be used at the root' });
    out.push(...invariants(s['additionalProperties'], 'field', `${path}.additionalProperties`));
  }
  out.push(...extensionProblems(s, path));
  out.push(...junctorProblems(s, path, isIntOrStringAnyOf(s['anyOf'])));
  out.push(...typeProblems(s, lvl, path));
  const checkMetadata = lvl === 'root' || s['x-kubernetes-embedded-resource'] === true;
  if (checkMetadata) out.push(...resourceTypeMetaProblems(s, path));
  if (isPlainObject(s['properties']) && 'metadata' in s['properties'])
    out.push(...metadataProblems(s['properties']['metadata'], checkMetadata, lvl, key(path, 'metadata')));
  return out;
}

interface OpenApiContext {
  root: boolean;
  insideMeta: boolean;
  noDefaults?: string;
}

const UNSUPPORTED: [string, string][] = [
  ['id', 'id is not supported'],
  ['additionalItems', 'additionalItems is not supported'],
  ['patternProperties', 'patternProperties is not supported'],
  ['definitions', 'definitions is not supported'],
  ['dependencies', 'dependencies is not supported'],
  ['$ref', '$ref is not supported'],
];

function keywordProblems(s: Obj, path: string, ctx: OpenApiContext): FieldError[] {
  const out: FieldError[] = [];
  const type = s['type'];
  if (typeof type === 'string' && type && type !== 'null' && !OPENAPI_TYPES.includes(type))
    out.push({
      type: 'Unsupported',
      field: `${path}.type`,
      value: type,
      detail: `supported values: ${OPENAPI_TYPES.map((t) => JSON.stringify(t)).join(', ')}`,
    });
  if (s['default'] !== undefined && ctx.noDefaults)
    out.push({ type: 'Forbidden', field: `${path}.default`, detail: `must not be set ${ctx.noDefaults}` });
  for (const [k, detail] of UNSUPPORTED)
    if (s[k] !== undefined && !(isPlainObject(s[k]) && Object.keys(s[k]).length === 0 && k !== '$ref'))
      out.push({ type: 'Forbidden', field: `${path}.${k}`, detail });
  return [...out, ...shapeKeywordProblems(s, path, ctx)];
}

/** Keywords valid in OpenAPI but refused for CRDs because of their shape or cost. */
function shapeKeywordProblems(s: Obj, path: string, ctx: OpenApiContext): FieldError[] {
  const out: FieldError[] = [];
  if (s['type'] === 'null')
    out.push({
      type: 'Forbidden',
      field: `${path}.type`,
      detail: 'type cannot be set to null, use nullable as an alternative',
    });
  if (Array.isArray(s['items']))
    out.push({ type: 'Forbidden', field: `${path}.items`, detail: 'items must be a schema object and not an array' });
  if (ctx.insideMeta && s['x-kubernetes-embedded-resource'] === true)
    out.push({
      type: 'Forbidden',
      field: `${path}.x-kubernetes-embedded-resource`,
      detail: 'must not be used inside of resource meta',
    });
  if (s['uniqueItems'] === true)
    out.push({
      type: 'Forbidden',
      field: `${path}.uniqueItems`,
      detail: 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
    });
  const props = isPlainObject(s['properties']) ? Object.keys(s['properties']) : [];
  if (props.length > 0 && s['additionalProperties'] !== undefined && s['additionalProperties'] !== true)
    out.push({
      type: 'Forbidden',
      field: `${path}.additionalProperties`,
      detail: 'additionalProperties and properties are mutual exclusive',
    });
  return out;
}

function listMapProblems(s: Obj, path: string): FieldError[] {
  const out: FieldError[] = [];
  if (s['x-kubernetes-preserve-unknown-fields'] === false)
    out.push({
      type: 'Invalid',
      field: `${path}.x-kubernetes-preserve-unknown-fields`,
      value: false,
      detail: 'must be true or undefined',
    });
  return [...out, ...mapTypeProblems(s, path), ...listTypeProblems(s, path)];
}

function mapTypeProblems(s: Obj, path: string): FieldError[] {
  const type = typeof s['type'] === 'string' ? s['type'] : '';
  const mapType = s['x-kubernetes-map-type'];
  const out: FieldError[] = [];
  if (mapType !== undefined && type !== 'object')
    out.push(typeMust(path, type, 'must be object if x-kubernetes-map-type is specified'));
  if (mapType !== undefined && mapType !== 'atomic' && mapType !== 'granular')
    out.push({
      type: 'Unsupported',
      field: `${path}.x-kubernetes-map-type`,
      value: mapType,
      detail: 'supported values: "atomic", "granular"',
    });
  return out;
}

function listTypeProblems(s: Obj, path: string): FieldError[] {
  const type = typeof s['type'] === 'string' ? s['type'] : '';
  const listType = s['x-kubernetes-list-type'];
  const keys = Array.isArray(s['x-kubernetes-list-map-keys']) ? (s['x-kubernetes-list-map-keys'] as string[]) : [];
  const out: FieldError[] = [];
  if (listType !== undefined && type !== 'array')
    out.push(typeMust(path, type, 'must be array if x-kubernetes-list-type is specified'));
  if (listType !== undefined && !['atomic', 'set', 'map'].includes(listType))
    out.push({
      type: 'Unsupported',
      field: `${path}.x-kubernetes-list-type`,
      value: listType,
      detail: 'supported values: "atomic", "map", "set"',
    });
  if (keys.length > 0 && listType === undefined)
    out.push({
      type: 'Required',
      field: `${path}.x-kubernetes-list-type`,
      detail: 'must be map if x-kubernetes-list-map-keys is non-empty',
    });
  else if (keys.length > 0 && listType !== 'map')
    out.push({
      type: 'Invalid',
      field: `${path}.x-kubernetes-list-type`,
      value: listType,
      detail: 'must be map if x-kubernetes-list-map-keys is non-empty',
    });
  if (listType === 'map') out.push(...mapListProblems(s, path, keys));
  return out;
}

function typeMust(path: string, type: string, detail: string): FieldError {
  return type
    ? { type: 'Invalid', field: `${path}.type`, value: type, detail }
    : { type: 'Required', field: `${path}.type`, detail };
}

function mapListProblems(s: Obj, path: string, keys: string[]): FieldError[] {
  const out: FieldError[] = [];
  if (keys.length === 0)
    out.push({
      type: 'Required',
      field: `${path}.x-kubernetes-list-map-keys`,
      detail: 'must not be empty if x-kubernetes-list-type is map',
    });
  const items = s['items'];
  if (items === undefined)
    out.push({
      type: 'Required',
      field: `${path}.items`,
      detail: 'must have a schema if x-kubernetes-list-type is map',
    });
  if (!isPlainObject(items)) return out;
  if (items['type'] !== 'object') {
    out.push({
      type: 'Invalid',
      field: `${path}.items.type`,
      value: items['type'] ?? '',
      detail: "must be object if parent array's x-kubernetes-list-type is map",
    });
    return out;
  }
  const props = isPlainObject(items['properties']) ? items['properties'] : {};
  const seen = new Set<string>();
  for (const k of keys) {
    const p = props[k];
    if (!isPlainObject(p))
      out.push({
        type: 'Invalid',
        field: `${path}.x-kubernetes-list-map-keys`,
        value: keys,
        detail: 'entries must all be names of item properties',
      });
    else if (p['type'] === 'array' || p['type'] === 'object')
      out.push({
        type: 'Invalid',
        field: `${key(`${path}.items`, k)}.type`,
        value: 'object',
        detail: "must be a scalar type if parent array's x-kubernetes-list-type is map",
      });
    if (seen.has(k))
      out.push({
        type: 'Invalid',
        field: `${path}.x-kubernetes-list-map-keys`,
        value: keys,
        detail: 'must not contain duplicate entries',
      });
    seen.add(k);
  }
  return out;
}

/** x-kubernetes-validations: a rule is required and must parse (the real server also type-checks and costs it). */
function celRuleProblems(s: Obj, path: string): FieldError[] {
  const rules = Array.isArray(s['x-kubernetes-validations']) ? (s['x-kubernetes-validations'] as Obj[]) : [];
  return rules.flatMap((r, i): FieldError[] => {
    const at = `${path}.x-kubernetes-validations[${i}]`;
    const rule = typeof r['rule'] === 'string' ? r['rule'].trim() : '';
    if (!rule) return [{ type: 'Required', field: `${at}.rule`, detail: 'rule is not specified' }];
    const why = celSyntaxError(rule);
    return why ? [{ type: 'Invalid', field: `${at}.rule`, value: rule, detail: `compilation failed: ${why}` }] : [];
  });
}

function openApiProblems(s: unknown, path: string, ctx: OpenApiContext): FieldError[] {
  if (!isPlainObject(s)) return [];
  const child: OpenApiContext = {
    root: false,
    insideMeta: ctx.insideMeta,
    ...(ctx.noDefaults ? { noDefaults: ctx.noDefaults } : {}),
  };
  const out = [...keywordProblems(s, path, ctx), ...celRuleProblems(s, path)];
  if (isPlainObject(s['additionalProperties']))
    out.push(
      ...openApiProblems(s['additionalProperties'], `${path}.additionalProperties`, {
        ...child,
        ...(ctx.insideMeta ? { noDefaults: 'inside additionalProperties applying to object metadata' } : {}),
      }),
    );
  for (const [k, v] of Object.entries(isPlainObject(s['properties']) ? s['properties'] : {}))
    out.push(...openApiProblems(v, key(path, k), propertyContext(s, k, ctx, child)));
  out.push(...subSchemaProblems(s, path, child), ...listMapProblems(s, path));
  return out;
}

/** The context of property `k`: an embedded object's (or the root's) apiVersion, kind and metadata are metadata. */
function propertyContext(s: Obj, k: string, ctx: OpenApiContext, child: OpenApiContext): OpenApiContext {
  const meta =
    (ctx.root || s['x-kubernetes-embedded-resource'] === true) && ['metadata', 'kind', 'apiVersion'].includes(k);
  if (!meta) return child;
  const noDefaults = ctx.root ? `in top-level ${k}` : child.noDefaults;
  return { root: false, insideMeta: true, ...(noDefaults ? { noDefaults } : {}) };
}

/** The problems of `not`, the allOf / oneOf / anyOf branches and `items`. */
function subSchemaProblems(s: Obj, path: string, child: OpenApiContext): FieldError[] {
  const out: FieldError[] = [];
  if (isPlainObject(s['not'])) out.push(...openApiProblems(s['not'], `${path}.not`, child));
  for (const j of ['allOf', 'oneOf', 'anyOf'])
    if (Array.isArray(s[j]))
      (s[j] as unknown[]).forEach((b, i) => out.push(...openApiProblems(b, `${path}.${j}[${i}]`, child)));
  if (isPlainObject(s['items'])) out.push(...openApiProblems(s['items'], `${path}.items`, child));
  return out;
}

/**
 * Every reason a real API server refuses this openAPIV3Schema, at `path`
 * (`spec.versions[0].schema.openAPIV3Schema`): structural invariants first, sorted as the server sorts
 * them, then the OpenAPI keyword checks. Empty when the schema is acceptable.
 */
export function schemaProblems(schema: unknown, path: string): FieldError[] {
  if (!isPlainObject(schema)) return [{ type: 'Required', field: path, detail: 'schemas are required' }];
  const structural = invariants(schema, 'root', path).sort((a, b) =>
    fieldErrorString(a) < fieldErrorString(b) ? -1 : fieldErrorString(a) > fieldErrorString(b) ? 1 : 0,
  );
  return [...structural, ...openApiProblems(schema, path, { root: true, insideMeta: false })];
}
