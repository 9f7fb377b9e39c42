// Reading a CustomResourceDefinition: defaults and checks the real server applies when it is written,
// and the KindInfo entries it yields once Established.
import type { FieldError } from './status-errors.ts';
import type { ConversionConfig, KindInfo, PrinterColumn } from './kinds.ts';
import { compileVersionSchema } from './crd-schema.ts';
import { schemaProblems } from './structural-schema.ts';
import { isPlainObject, type Obj } from './meta.ts';

/**
 * Fills a CRD's defaults in place, as the real server does on write (names, conversion None, empty subresources
 * dropped).
 */
export function defaultCrd(o: Obj): void {
  const spec = (o['spec'] ??= {}) as Obj;
  const names = (spec['names'] ??= {}) as Obj;
  if (typeof names['kind'] === 'string') {
    names['singular'] ??= names['kind'].toLowerCase();
    names['listKind'] ??= `${names['kind']}List`;
  }
  spec['conversion'] ??= { strategy: 'None' };
  for (const v of (spec['versions'] ?? []) as Obj[]) {
    const sub = v['subresources'];
    if (isPlainObject(sub) && Object.keys(sub).length === 0) delete v['subresources'];
  }
}

/** Every problem the real server would report on writing this CRD (after defaulting it in place); empty when valid. */
export function crdProblems(o: Obj): FieldError[] {
  defaultCrd(o);
  const spec = o['spec'] as Obj;
  const versions = (spec['versions'] ?? []) as Obj[];
  return [
    ...identityProblems(o),
    ...storageVersionProblems(versions),
    ...versionSchemaProblems(versions),
    ...conversionProblems(spec['conversion'] as Obj),
  ];
}

/** Group, names, scope, and the object's name, which must be <plural>.<group>. */
function identityProblems(o: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = o['spec'] as Obj;
  const names = spec['names'] as Obj;
  const group = spec['group'];
  if (!group) errs.push({ type: 'Required', field: 'spec.group' });
  if (!names['plural']) errs.push({ type: 'Required', field: 'spec.names.plural' });
  if (!names['kind']) errs.push({ type: 'Required', field: 'spec.names.kind' });
  const expected = `${String(names['plural'])}.${String(group)}`;
  if (o['metadata']?.['name'] !== expected)
    errs.push({
      type: 'Invalid',
      field: 'metadata.name',
      value: o['metadata']?.['name'],
      detail: `must be spec.names.plural+"."+spec.group`,
    });
  if (!['Namespaced', 'Cluster'].includes(spec['scope']))
    errs.push({
      type: 'Unsupported',
      field: 'spec.scope',
      value: spec['scope'],
      detail: 'supported values: "Cluster", "Namespaced"',
    });
  return errs;
}

/** Exactly one version is the storage version. */
function storageVersionProblems(versions: Obj[]): FieldError[] {
  const errs: FieldError[] = [];
  if (versions.length === 0)
    errs.push({
      type: 'Invalid',
      field: 'spec.versions',
      value: versions,
      detail: 'must have exactly one version marked as storage version',
    });
  else if (versions.filter((v) => v['storage'] === true).length !== 1)
    errs.push({
      type: 'Invalid',
      field: 'spec.versions',
      value: versions.map((v) => v['name']),
      detail: 'must have exactly one version marked as storage version',
    });
  return errs;
}

/** Strategy None, or Webhook with a client config and v1 conversion reviews. */
function conversionProblems(conv: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (conv['strategy'] === 'Webhook') {
    const cc = conv['webhook']?.['clientConfig'];
    if (!isPlainObject(cc))
      errs.push({
        type: 'Required',
        field: 'spec.conversion.webhook.clientConfig',
        detail: 'required when strategy is set to Webhook',
      });
    const rv = conv['webhook']?.['conversionReviewVersions'];
    if (!Array.isArray(rv) || !rv.includes('v1'))
      errs.push({
        type: 'Required',
        field: 'spec.conversion.webhook.conversionReviewVersions',
        detail: 'must include at least one of v1, v1beta1',
      });
  } else if (conv['strategy'] !== 'None')
    errs.push({
      type: 'Unsupported',
      field: 'spec.conversion.strategy',
      value: conv['strategy'],
      detail: 'supported values: "None", "Webhook"',
    });
  return errs;
}

/** Canonical JSON (sorted keys), to tell identical schemas apart from merely equivalent text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isPlainObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/**
 * Schema problems worded at the paths the real server prints: converting v1 to its internal type moves a
 * schema shared by every version to `spec.validation`, so errors in it are reported there, once.
 */
function versionSchemaProblems(versions: Obj[]): FieldError[] {
  const schemas = versions.map((v) => v['schema']?.['openAPIV3Schema'] as unknown);
  const shared = schemas.length > 0 && schemas.every((x) => isPlainObject(x) && canonical(x) === canonical(schemas[0]));
  if (shared) return schemaProblems(schemas[0], 'spec.validation.openAPIV3Schema');
  return schemas.flatMap((schema, i) =>
    isPlainObject(schema)
      ? schemaProblems(schema, `spec.versions[${i}].schema.openAPIV3Schema`)
      : [{ type: 'Required', field: `spec.versions[${i}].schema.openAPIV3Schema`, detail: 'schemas are required' }],
  );
}

function conversionOf(spec: Obj): ConversionConfig {
  const conv = (spec['conversion'] ?? { strategy: 'None' }) as Obj;
  if (conv['strategy'] !== 'Webhook') return { strategy: 'None' };
  const w = (conv['webhook'] ?? {}) as Obj;
  const cc = (w['clientConfig'] ?? {}) as Obj;
  return {
    strategy: 'Webhook',
    url: cc['url'],
    service: cc['service'],
    caBundle: cc['caBundle'],
    conversionReviewVersions: w['conversionReviewVersions'],
  };
}

/** The KindInfo of each served version of a valid CRD, with its compiled schema, columns and conversion. */
export function kindsFromCrd(o: Obj): KindInfo[] {
  const spec = o['spec'] as Obj;
  const names = spec['names'] as Obj;
  const versions = (spec['versions'] ?? []) as Obj[];
  const storage = String(versions.find((v) => v['storage'])?.['name']);
  const served = versions.filter((v) => v['served'] !== false);
  return served.map((v) => {
    const schema = v['schema']?.['openAPIV3Schema'] as Obj | undefined;
    const sub = (v['subresources'] ?? {}) as Obj;
    const scale = isPlainObject(sub['scale']) ? sub['scale'] : undefined;
    const k: KindInfo = {
      group: String(spec['group']),
      version: String(v['name']),
      resource: String(names['plural']),
      kind: String(names['kind']),
      listKind: String(names['listKind'] ?? `${names['kind']}List`),
      singular: String(names['singular'] ?? String(names['kind']).toLowerCase()),
      namespaced: spec['scope'] === 'Namespaced',
      shortNames: (names['shortNames'] ?? []) as string[],
      categories: (names['categories'] ?? []) as string[],
      status: isPlainObject(sub['status']),
      generation: 'nonMetadata',
      storageVersion: storage,
      crd: {
        name: String(o['metadata']['name']),
        ...(schema ? { schema: compileVersionSchema(schema) } : {}),
        columns: (v['additionalPrinterColumns'] ?? []) as PrinterColumn[],
        conversion: conversionOf(spec),
        versions: versions.map((x) => String(x['name'])),
        preserveAll: schema?.['x-kubernetes-preserve-unknown-fields'] === true && !schema?.['properties'],
      },
    };
    if (scale) {
      k.scale = {
        specReplicasPath: String(scale['specReplicasPath']),
        statusReplicasPath: String(scale['statusReplicasPath']),
        ...(scale['labelSelectorPath'] ? { labelSelectorPath: String(scale['labelSelectorPath']) } : {}),
      };
    }
    return k;
  });
}
