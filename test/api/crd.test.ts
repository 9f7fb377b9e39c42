import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type buildCrd, renderCrdFiles } from '../../src/api/crd.ts';
import { mysqlClusterSchema } from '../../src/api/schema.ts';
import type { JSONSchema } from '../../src/api/schema-builders.ts';

const root = join(import.meta.dirname, '..', '..');

t.test('crds/ is what `npm run gen:crds` writes (regenerate when this fails)', async (t) => {
  for (const [name, text] of Object.entries(renderCrdFiles())) {
    t.equal(readFileSync(join(root, 'crds', name), 'utf8'), text, `crds/${name} is up to date`);
  }
  t.equal(renderCrdFiles()['kustomization.yaml'], renderCrdFiles()['kustomization.yaml'], 'deterministic');
});

/** Paths of schema nodes without a description; anyOf branches of int-or-string need none. */
function undescribed(s: JSONSchema, path: string): string[] {
  const missing = s.description ? [] : [path];
  for (const [k, v] of Object.entries(s.properties ?? {})) missing.push(...undescribed(v, `${path}.${k}`));
  if (s.items) missing.push(...undescribed(s.items, `${path}[]`));
  if (typeof s.additionalProperties === 'object') missing.push(...undescribed(s.additionalProperties, `${path}{}`));
  return missing;
}

/** Kubernetes structural-schema rules that the API server enforces on CRDs. */
function structuralProblems(s: JSONSchema, path: string): string[] {
  const out = ownStructuralProblems(s, path);
  for (const [k, v] of Object.entries(s.properties ?? {})) out.push(...structuralProblems(v, `${path}.${k}`));
  if (s.items) out.push(...structuralProblems(s.items, `${path}[]`));
  if (typeof s.additionalProperties === 'object') out.push(...structuralProblems(s.additionalProperties, `${path}{}`));
  return out;
}

/** The structural-schema rules for one node, not its children. */
function ownStructuralProblems(s: JSONSchema, path: string): string[] {
  const out: string[] = [];
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  if (!s.type && !intOrString && !s['x-kubernetes-preserve-unknown-fields']) out.push(`${path}: no type`);
  if (s.properties && s.additionalProperties !== undefined)
    out.push(`${path}: properties and additionalProperties together`);
  if (s.type === 'array' && !s.items) out.push(`${path}: array without items`);
  for (const branch of s.anyOf ?? [])
    if (branch.description || branch.properties || branch.default !== undefined)
      out.push(`${path}: anyOf branch carries more than a type`);
  return out;
}

for (const v of ['v1', 'v2alpha1'] as const) {
  t.test(`${v}: every field has a description (kubectl explain) and the schema is structural`, async (t) => {
    t.same(undescribed(mysqlClusterSchema(v), v), []);
    t.same(structuralProblems(mysqlClusterSchema(v), v), []);
  });
}

t.test('the CRD serves v1 (storage) and v2alpha1 with status, scale and the printer columns', async (t) => {
  const crd = parse(readFileSync(join(root, 'crds', 'apps.ryansu.com_mysqlclusters.yaml'), 'utf8')) as ReturnType<
    typeof buildCrd
  >;
  const spec = crd['spec'] as { versions: Record<string, any>[]; group: string; names: { kind: string } };
  t.equal(spec.group, 'apps.ryansu.com');
  t.equal(spec.names.kind, 'MysqlCluster');
  t.same(
    spec.versions.map((v) => [v['name'], v['served'], v['storage']]),
    [
      ['v1', true, true],
      ['v2alpha1', true, false],
    ],
  );
  for (const v of spec.versions) {
    t.same(v['subresources']['scale'], {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    });
    t.same(v['subresources']['status'], {});
    const cols = v['additionalPrinterColumns'] as { name: string; priority?: number }[];
    t.same(
      cols.filter((c) => !c.priority).map((c) => c.name),
      ['Ready', 'Leader', 'Term', 'Replicas', 'Age'],
    );
    t.same(
      cols.filter((c) => c.priority === 1).map((c) => c.name),
      [v['name'] === 'v1' ? 'Master' : 'Primary', 'Phase', 'Image'],
    );
  }
  const props = spec.versions[0]?.['schema'].openAPIV3Schema.properties.spec.properties;
  for (const k of [
    'image',
    'replicas',
    'masterService',
    'slaveService',
    'storage',
    'resources',
    'raft',
    'semiSync',
    'mysql',
    'affinity',
    'tolerations',
    'nodeSelector',
    'priorityClassName',
    'paused',
  ])
    t.ok(props[k], `v1 spec.${k}`);
  const v2 = spec.versions[1]?.['schema'].openAPIV3Schema.properties.spec.properties;
  t.ok(v2.primaryService && v2.replicaService && !v2.masterService, 'v2alpha1 uses primary/replica');
  t.equal(v2.semiSync.properties.timeout.type, 'string', 'v2alpha1 durations are strings');
});
