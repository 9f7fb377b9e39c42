// Decoding a create/update body as kube-apiserver does before any REST logic runs: the JSON must be an
// object whose apiVersion/kind are strings naming the URL's kind, and whose metadata has ObjectMeta's
// Go types. Failures are 400 BadRequest with the real wording, built from Go's encoding/json errors
// (`json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string`)
// wrapped by the handler's transformDecodeError. See docs/apiserver.md ("Request bodies").
import { type ApiError, errors } from './status-errors.ts';
import type { KindInfo, KindRegistry } from './kinds.ts';
import { apiVersionOf } from './kinds.ts';
import { isPlainObject, type Obj } from './meta.ts';
import type { RawBody } from './http-io.ts';
import { microTimeParseError } from './go-time.ts';

/** Go's name for a JSON value's type in UnmarshalTypeError. */
function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  return 'object';
}

/** A Go type in the shape of a JSON document; only what ObjectMeta and ConfigMap need. */
type GoType =
  | { t: 'string' }
  | { t: 'bool' }
  | { t: 'int64' }
  | { t: 'microtime' }
  | { t: 'map'; name: string; value: GoType }
  | { t: 'slice'; name: string; elem: GoType }
  | { t: 'struct'; name: string; fields: Record<string, GoType> };

const STRING: GoType = { t: 'string' };
/** metav1.MicroTime: a string Go parses with RFC3339Micro (exactly six fractional digits). */
const MICRO_TIME: GoType = { t: 'microtime' };
const STRING_MAP: GoType = { t: 'map', name: 'map[string]string', value: STRING };
const OWNER_REFERENCE: GoType = {
  t: 'struct',
  name: 'v1.OwnerReference',
  fields: {
    apiVersion: STRING,
    kind: STRING,
    name: STRING,
    uid: STRING,
    controller: { t: 'bool' },
    blockOwnerDeletion: { t: 'bool' },
  },
};
const OBJECT_META: GoType = {
  t: 'struct',
  name: 'v1.ObjectMeta',
  fields: {
    name: STRING,
    generateName: STRING,
    namespace: STRING,
    selfLink: STRING,
    uid: STRING,
    resourceVersion: STRING,
    generation: { t: 'int64' },
    deletionGracePeriodSeconds: { t: 'int64' },
    // metav1.Time decodes through a string; its nested error is re-labelled with the outer field.
    creationTimestamp: STRING,
    deletionTimestamp: STRING,
    labels: STRING_MAP,
    annotations: STRING_MAP,
    ownerReferences: { t: 'slice', name: '[]v1.OwnerReference', elem: OWNER_REFERENCE },
    finalizers: { t: 'slice', name: '[]string', elem: STRING },
  },
};

const struct = (name: string, fields: Record<string, GoType> = {}): GoType => ({ t: 'struct', name, fields });
const slice = (elem: GoType & { name: string }): GoType => ({ t: 'slice', name: `[]${elem.name}`, elem });
const CRD_VERSION = struct('v1.CustomResourceDefinitionVersion', {
  name: STRING,
  served: { t: 'bool' },
  storage: { t: 'bool' },
}) as GoType & { name: string };

/** Per-kind top-level fields checked beyond metadata (typed Go structs reject mismatches). */
const KIND_FIELDS: Record<string, Record<string, GoType>> = {
  Lease: { spec: struct('v1.LeaseSpec', { acquireTime: MICRO_TIME, renewTime: MICRO_TIME }) },
  Event: { eventTime: MICRO_TIME, series: struct('v1.EventSeries', { lastObservedTime: MICRO_TIME }) },
  ConfigMap: { data: STRING_MAP, binaryData: STRING_MAP, immutable: { t: 'bool' } },
  Secret: { data: STRING_MAP, stringData: STRING_MAP, type: STRING, immutable: { t: 'bool' } },
  CustomResourceDefinition: {
    spec: struct('v1.CustomResourceDefinitionSpec', {
      group: STRING,
      names: struct('v1.CustomResourceDefinitionNames', {
        plural: STRING,
        singular: STRING,
        kind: STRING,
        listKind: STRING,
      }),
      versions: slice(CRD_VERSION),
    }),
  },
  MutatingWebhookConfiguration: {
    webhooks: slice(struct('v1.MutatingWebhook', { name: STRING }) as GoType & { name: string }),
  },
  ValidatingWebhookConfiguration: {
    webhooks: slice(struct('v1.ValidatingWebhook', { name: STRING }) as GoType & { name: string }),
  },
};

/** Built-in kinds with spec/status are Go structs `v1.<Kind>Spec` / `v1.<Kind>Status`. */
function kindFields(k: KindInfo): Record<string, GoType> {
  const own = KIND_FIELDS[k.kind] ?? {};
  const specKinds = [
    'Namespace',
    'Service',
    'Pod',
    'StatefulSet',
    'PodDisruptionBudget',
    'Lease',
    'CustomResourceDefinition',
  ];
  const generic: Record<string, GoType> = specKinds.includes(k.kind)
    ? { spec: struct(`v1.${k.kind}Spec`), status: struct(`v1.${k.kind}Status`) }
    : {};
  return { ...generic, ...own };
}

const shortName = (t: GoType): string =>
  t.t === 'map' || t.t === 'slice' || t.t === 'struct' ? t.name : t.t === 'microtime' ? 'string' : t.t;

/**
 * The first type mismatch in document order, as encoding/json reports it: the innermost struct's name,
 * the field path from the root (no indices), and the Go type the value could not become.
 */
function mismatch(v: unknown, t: GoType, struct: string, path: string[]): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (t.t === 'microtime') {
    // MicroTime.UnmarshalJSON: json into a string (Go value, no struct field), then time.Parse.
    if (typeof v !== 'string') return `json: cannot unmarshal ${jsonType(v)} into Go value of type string`;
    return microTimeParseError(v);
  }
  if (!HAS_SHAPE[t.t](v)) {
    const what = typeof v === 'number' && t.t === 'int64' ? `number ${String(v)}` : jsonType(v);
    return `json: cannot unmarshal ${what} into Go struct field ${struct}.${path.join('.')} of type ${shortName(t)}`;
  }
  switch (t.t) {
    case 'map':
      return firstMismatch(Object.values(v as Obj), t.value, struct, path);
    case 'slice':
      return firstMismatch(v as unknown[], t.elem, struct, path);
    case 'struct': {
      const inner = t.name.replace(/^v1\./, '');
      for (const [key, x] of Object.entries(v as Obj)) {
        const ft = t.fields[key];
        const m = ft && mismatch(x, ft, inner, [...path, key]);
        if (m) return m;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Whether a JSON value has the JSON shape of a Go type, without looking inside it. */
const HAS_SHAPE: Record<Exclude<GoType['t'], 'microtime'>, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  bool: (v) => typeof v === 'boolean',
  int64: (v) => typeof v === 'number' && Number.isSafeInteger(v),
  map: isPlainObject,
  slice: Array.isArray,
  struct: isPlainObject,
};

/** The first mismatch among the elements of a map or slice (same struct and path: Go names no index). */
function firstMismatch(values: unknown[], t: GoType, struct: string, path: string[]): string | undefined {
  for (const x of values) {
    const m = mismatch(x, t, struct, path);
    if (m) return m;
  }
  return undefined;
}

/** apiserver's summarizeData: the body as text when it looks like an object, else hex. */
export function summarizeData(raw: string, max = 30): string {
  const bytes = Buffer.from(raw, 'utf8');
  if (bytes.length === 0) return '<empty>';
  if (raw.startsWith('{')) return bytes.length > max ? `${bytes.subarray(0, max).toString('utf8')} ...` : raw;
  return bytes.length > max ? `${bytes.subarray(0, max).toString('hex')} ...` : bytes.toString('hex');
}

const TYPE_META_STRUCT =
  'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';

function unrecognized(k: KindInfo, why: string, raw: string): ApiError {
  return errors.badRequest(
    `the object provided is unrecognized (must be of type ${k.kind}): couldn't get version/kind; json parse error: ${why} (${summarizeData(raw)})`,
  );
}

/** Go's internal package name for a group: `core` for the legacy group, else its first DNS label. */
function internalPackage(group: string): string {
  return group ? group.split('.')[0]! : 'core';
}

/** The type-meta stage (SimpleMetaFactory.Interpret) and the kind/version the decoder then picks. */
function checkTypeMeta(k: KindInfo, kinds: KindRegistry, body: unknown, raw: string): Obj {
  if (body === undefined) throw unrecognized(k, 'unexpected end of JSON input', raw);
  if (!isPlainObject(body))
    throw unrecognized(k, `json: cannot unmarshal ${jsonType(body)} into Go value of type ${TYPE_META_STRUCT}`, raw);
  for (const f of ['apiVersion', 'kind'] as const) {
    const v = body[f];
    if (v !== undefined && v !== null && typeof v !== 'string')
      throw unrecognized(k, `json: cannot unmarshal ${jsonType(v)} into Go struct field .${f} of type string`, raw);
  }
  if (k.crd) return body;
  const apiVersion =
    typeof body['apiVersion'] === 'string' && body['apiVersion'] ? body['apiVersion'] : apiVersionOf(k);
  const kind = typeof body['kind'] === 'string' && body['kind'] ? body['kind'] : k.kind;
  if (apiVersion === apiVersionOf(k) && kind === k.kind) return body;
  throw otherKind(k, kinds, apiVersion, kind);
}

/** 400 for a built-in body of another apiVersion/kind, worded as the decoder words it. */
function otherKind(k: KindInfo, kinds: KindRegistry, apiVersion: string, kind: string): ApiError {
  const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
  const prefix = `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${k.kind}`;
  const other = kinds.byApiVersionKind(apiVersion, kind);
  if (other && !other.crd) {
    // The body decodes as another registered built-in type, which has no conversion to this one.
    return errors.badRequest(
      `${prefix}: converting (${other.version}.${kind}) to (${internalPackage(k.group)}.${k.kind}): unknown conversion`,
    );
  }
  return errors.badRequest(
    `${prefix}: no kind ${JSON.stringify(kind)} is registered for version ${JSON.stringify(apiVersion)} in scheme "pkg/api/legacyscheme/scheme.go:30"`,
  );
}

/** The first field whose JSON type its Go field cannot take, or undefined. */
export function shapeProblem(k: KindInfo, body: Obj): string | undefined {
  const top: GoType = { t: 'struct', name: k.kind, fields: { metadata: OBJECT_META, ...(k.crd ? {} : kindFields(k)) } };
  return mismatch(body, top, k.kind, []);
}

/**
 * Checks a create or update body as the real server's decoder does and returns it as an object.
 * Throws 400 BadRequest Statuses worded as kube-apiserver words them.
 */
export function decodeObjectBody(k: KindInfo, kinds: KindRegistry, body: RawBody): Obj {
  if (body.parseError !== undefined) throw unrecognized(k, body.parseError, body.text);
  const o = checkTypeMeta(k, kinds, body.value, body.text);
  const problem = shapeProblem(k, o);
  if (problem)
    throw errors.badRequest(
      `${k.kind} in version ${JSON.stringify(k.version)} cannot be handled as a ${k.kind}: ${problem}`,
    );
  return o;
}
