import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type buildCrd, CRD_FILE, renderCrdFiles } from '../../src/api/crd.ts';
import { schemaProblems } from '../../src/local/apiserver/structural-schema.ts';
import { fieldErrorString } from '../../src/local/apiserver/status-errors.ts';
import { mysqlClusterSchema } from '../../src/api/schema.ts';
import type { JSONSchema } from '../../src/api/schema-builders.ts';

const root = join(import.meta.dirname, '..', '..');

t.test('crds/ is what `npm run gen:crds` writes (regenerate when this fails)', async (t) => {
  for (const [name, text] of Object.entries(renderCrdFiles())) {
    t.equal(readFileSync(join(root, 'crds', name), 'utf8'), text, `crds/${name} is up to date`);
  }
  t.equal(renderCrdFiles()['Kustomization'], renderCrdFiles()['Kustomization'], 'deterministic');
  t.same(
    readdirSync(join(root, 'crds')).filter((f) => /\.(ya?ml|json)$/.test(f)),
    [CRD_FILE],
    'kubectl apply -f crds/ reads only the CRD',
  );
});

/** Paths of schema nodes without a description; anyOf branches of int-or-string and the root metadata need none. */
function undescribed(s: JSONSchema, path: string): string[] {
  const missing = s.description || path.endsWith('.metadata') ? [] : [path];
  for (const [k, v] of Object.entries(s.properties ?? {})) missing.push(...undescribed(v, `${path}.${k}`));
  if (s.items) missing.push(...undescribed(s.items, `${path}[]`));
  if (typeof s.additionalProperties === 'object') missing.push(...undescribed(s.additionalProperties, `${path}{}`));
  return missing;
}

for (const v of ['v1', 'v2alpha1'] as const) {
  t.test(`${v}: every field has a description (kubectl explain)`, async (t) => {
    t.same(undescribed(mysqlClusterSchema(v), v), []);
  });
}

t.test('every served version of the generated CRD passes the API server structural-schema rules', async (t) => {
  const crd = parse(readFileSync(join(root, 'crds', CRD_FILE), 'utf8')) as { spec: { versions: any[] } };
  t.equal(crd.spec.versions.length, 2);
  crd.spec.versions.forEach((v, i) => {
    const problems = schemaProblems(v.schema?.openAPIV3Schema, `spec.versions[${i}].schema.openAPIV3Schema`);
    t.same(problems.map(fieldErrorString), [], `${v.name}: structural, metadata restricts nothing`);
  });
  t.same(Object.keys(crd.spec.versions[0].schema.openAPIV3Schema.properties.metadata), ['type']);
});

t.test('a CEL rule that does not parse, or escapes what CEL cannot, is refused', async (t) => {
  const s = {
    type: 'object',
    'x-kubernetes-validations': [{ rule: "self.a.matches('^\\.$')" }, { rule: '1 + )' }, { rule: ' ' }],
  };
  t.same(
    schemaProblems(s, 'root').map((e) => `${e.field}: ${e.type}`),
    [
      'root.x-kubernetes-validations[0].rule: Invalid',
      'root.x-kubernetes-validations[1].rule: Invalid',
      'root.x-kubernetes-validations[2].rule: Required',
    ],
  );
});

t.test('the checker refuses what a real server refuses (so the test above can fail)', async (t) => {
  const withMeta = structuredClone(mysqlClusterSchema('v1')) as any;
  withMeta.properties.metadata.description = 'x';
  withMeta.properties.spec.properties.untyped = { description: 'no type' };
  t.same(schemaProblems(withMeta, 'root').map(fieldErrorString), [
    'root.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified',
    'root.properties[spec].properties[untyped].type: Required value: must not be empty for specified object fields',
  ]);
});

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
