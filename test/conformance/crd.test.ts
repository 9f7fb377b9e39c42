// Custom resources through a CRD: Established, structural validation with the real server's messages,
// defaulting, pruning, status/scale subresources, generation, printer columns as Tables, and two
// versions converted by an HTTPS webhook (caBundle verified).
import '../support/apiserver/node20-shim.ts';
import t from 'tap';
import { ApiextensionsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startTarget } from '../support/apiserver/target.ts';
import { failure } from '../support/apiserver/errors.ts';
import { loadFixture } from '../support/apiserver/fixtures.ts';
import {
  admissionResponse,
  convertWidget,
  jsonPatch,
  startWebhookServer,
} from '../support/apiserver/webhook-server.ts';

const target = await startTarget();
t.teardown(() => target.close());
const hooks = await startWebhookServer();
t.teardown(() => hooks.close());
hooks.route('/convert', convertWidget);
const ext = target.kc.makeApiClient(ApiextensionsV1Api);
const custom = target.kc.makeApiClient(CustomObjectsApi);
const G = 'conformance.example.com';
const ns = await target.namespace('crd');

const crd = loadFixture('widgets-crd.yaml', { WEBHOOK_URL: hooks.url, CA_BUNDLE: hooks.caBundle });
await ext.deleteCustomResourceDefinition({ name: crd.metadata.name }).catch(() => undefined);
await target.eventually(
  async () => (await failure(ext.readCustomResourceDefinition({ name: crd.metadata.name }))).code === 404,
  'old CRD gone',
);
// Raw JSON, not the typed client: client-node's serializer drops keys it maps to other names
// (`default` -> `_default`, `x-kubernetes-preserve-unknown-fields`) when handed plain YAML.
const created = await target.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
if (created.status !== 201) throw new Error(`creating the fixture CRD: ${created.text}`);
t.teardown(() => ext.deleteCustomResourceDefinition({ name: crd.metadata.name }).catch(() => undefined));
await target.eventually(async () => {
  const c = await ext.readCustomResourceDefinition({ name: crd.metadata.name });
  return c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True');
}, 'CRD Established');
// Discovery of the new kind can lag a little behind the condition on a real server.
await target.eventually(async () => (await target.raw('GET', `/apis/${G}/v1`)).status === 200, 'group version served');

const widget = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: `${G}/v1`,
  kind: 'Widget',
  metadata: { name },
  spec,
});
const create = (body: object, version = 'v1') =>
  custom.createNamespacedCustomObject({ group: G, version, namespace: ns, plural: 'widgets', body }) as Promise<any>;
const get = (name: string, version = 'v1') =>
  custom.getNamespacedCustomObject({ group: G, version, namespace: ns, plural: 'widgets', name }) as Promise<any>;

t.test('discovery lists the custom kind with its subresources and short name', async (t) => {
  const d = await target.raw('GET', `/apis/${G}/v1`);
  const names = d.json.resources.map((r: any) => r.name);
  t.ok(names.includes('widgets') && names.includes('widgets/status') && names.includes('widgets/scale'));
  t.same(d.json.resources.find((r: any) => r.name === 'widgets').shortNames, ['wg']);
  const g = await target.raw('GET', `/apis/${G}`);
  // The preferred version is the highest by Kubernetes version priority (v2 > v1), not the storage version.
  t.equal(g.json.preferredVersion.version, 'v2');
  t.same(
    g.json.versions.map((v: any) => v.version),
    ['v2', 'v1'],
  );
});

t.test('defaults are applied and unknown fields pruned (except under preserve-unknown-fields)', async (t) => {
  const w = await create({
    ...widget('defaults', { image: 'mysql:8', bogus: 1, extra: { anything: { goes: true } } }),
    unknownTop: 'x',
  });
  t.equal(w.spec.replicas, 1, 'replicas defaulted');
  t.equal(w.spec.size, 'small', 'size defaulted');
  t.equal(w.spec.bogus, undefined, 'unknown spec field pruned');
  t.equal(w.unknownTop, undefined, 'unknown top-level field pruned');
  t.same(w.spec.extra, { anything: { goes: true } }, 'preserved subtree kept');
  t.equal(w.metadata.generation, 1);
});

t.test('fieldValidation=Strict rejects unknown fields instead of pruning them', async (t) => {
  const r = await target.raw(
    'POST',
    `/apis/${G}/v1/namespaces/${ns}/widgets?fieldValidation=Strict`,
    widget('strict', { image: 'x', bogus: 1 }),
  );
  t.equal(r.status, 400);
  t.match(r.json.message, /strict decoding error: unknown field "spec.bogus"/);
  const warn = await target.raw(
    'POST',
    `/apis/${G}/v1/namespaces/${ns}/widgets?fieldValidation=Warn`,
    widget('warned', { image: 'x', bogus: 1 }),
  );
  t.equal(warn.status, 201);
  t.match(String(warn.headers['warning']), /299 - "unknown field \\?"spec.bogus\\?""/);
});

t.test('schema violations are 422 Invalid with one field error per problem', async (t) => {
  const r = await failure(create(widget('bad', { replicas: 12, size: 'huge', image: 'UPPER' })));
  t.equal(r.code, 422);
  t.equal(r.status.reason, 'Invalid');
  t.match(r.status.details, { name: 'bad', group: G, kind: 'Widget' });
  const msg: string = r.status.message;
  t.match(msg, /^Widget\.conformance\.example\.com "bad" is invalid: \[/);
  t.match(msg, /spec\.replicas: Invalid value: 12: spec\.replicas in body should be less than or equal to 9/);
  t.match(msg, /spec\.size: Unsupported value: "huge": supported values: "small", "large"/);
  t.match(msg, /spec\.image: Invalid value: "UPPER": spec\.image in body should match '\^\[a-z0-9\.\/:-\]\+\$'/);
  const fields = r.status.details.causes.map((c: any) => c.field).sort();
  t.same(fields, ['spec.image', 'spec.replicas', 'spec.size']);
  const missing = await failure(create(widget('noimage', {})));
  t.match(missing.status.message, /spec\.image: Required value/);
  const typed = await failure(create(widget('typed', { image: 'x', replicas: 'three' })));
  t.match(
    typed.status.message,
    /spec\.replicas: Invalid value: "string": spec\.replicas in body must be of type integer: "string"/,
  );
});

t.test('status subresource and generation on a custom resource', async (t) => {
  const w = await create(widget('st', { image: 'x', replicas: 2 }));
  const s1 = (await custom.patchNamespacedCustomObjectStatus(
    {
      group: G,
      version: 'v1',
      namespace: ns,
      plural: 'widgets',
      name: 'st',
      body: { status: { phase: 'Ready', replicas: 2, selector: 'app=st' } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  )) as any;
  t.equal(s1.status.phase, 'Ready');
  t.equal(s1.metadata.generation, 1, 'status writes leave generation');
  const viaMain = (await custom.patchNamespacedCustomObject(
    {
      group: G,
      version: 'v1',
      namespace: ns,
      plural: 'widgets',
      name: 'st',
      body: { status: { phase: 'Broken' }, metadata: { labels: { a: 'b' } } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  )) as any;
  t.equal(viaMain.status.phase, 'Ready', 'status through the main resource is ignored');
  t.equal(viaMain.metadata.generation, 1, 'metadata changes leave generation');
  const spec = (await custom.patchNamespacedCustomObject(
    { group: G, version: 'v1', namespace: ns, plural: 'widgets', name: 'st', body: { spec: { replicas: 3 } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  )) as any;
  t.equal(spec.metadata.generation, 2, 'spec change bumps generation');
  const stale = await failure(
    custom.replaceNamespacedCustomObject({
      group: G,
      version: 'v1',
      namespace: ns,
      plural: 'widgets',
      name: 'st',
      body: { ...w, spec: { ...w.spec, replicas: 4 } },
    }),
  );
  t.equal(stale.code, 409);
  t.equal(
    stale.status.message,
    `Operation cannot be fulfilled on widgets.${G} "st": the object has been modified; please apply your changes to the latest version and try again`,
  );
});

t.test('scale subresource maps spec/status replicas and the selector', async (t) => {
  await create(widget('sc', { image: 'x', replicas: 2 }));
  await custom.patchNamespacedCustomObjectStatus(
    {
      group: G,
      version: 'v1',
      namespace: ns,
      plural: 'widgets',
      name: 'sc',
      body: { status: { replicas: 1, selector: 'app=sc' } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  const scale = await target.raw('GET', `/apis/${G}/v1/namespaces/${ns}/widgets/sc/scale`);
  t.match(scale.json, {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    spec: { replicas: 2 },
    status: { replicas: 1, selector: 'app=sc' },
  });
  const put = await target.raw('PUT', `/apis/${G}/v1/namespaces/${ns}/widgets/sc/scale`, {
    ...scale.json,
    spec: { replicas: 5 },
  });
  t.equal(put.status, 200);
  t.equal((await get('sc')).spec.replicas, 5);
  const patched = await target.raw(
    'PATCH',
    `/apis/${G}/v1/namespaces/${ns}/widgets/sc/scale`,
    { spec: { replicas: 6 } },
    { 'content-type': 'application/merge-patch+json' },
  );
  t.equal(patched.json.spec.replicas, 6);
  const tooMany = await target.raw(
    'PATCH',
    `/apis/${G}/v1/namespaces/${ns}/widgets/sc/scale`,
    { spec: { replicas: 20 } },
    { 'content-type': 'application/merge-patch+json' },
  );
  t.equal(tooMany.status, 422, 'the schema still applies through /scale');
});

t.test('Table responses carry the printer columns; priority > 0 columns are for -o wide', async (t) => {
  await create(widget('tbl', { image: 'x', replicas: 3, size: 'large' }));
  const r = await target.raw('GET', `/apis/${G}/v1/namespaces/${ns}/widgets`, undefined, {
    accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
  });
  t.equal(r.json.kind, 'Table');
  t.equal(r.json.apiVersion, 'meta.k8s.io/v1');
  const cols = r.json.columnDefinitions.map((c: any) => `${c.name}:${c.priority ?? 0}`);
  t.same(cols, ['Name:0', 'Replicas:0', 'Size:0', 'Phase:1', 'Age:0']);
  const row = r.json.rows.find((x: any) => x.cells[0] === 'tbl');
  t.same(row.cells.slice(0, 3), ['tbl', 3, 'large']);
  t.match(row.cells[4], /^\d+s$/, 'Age rendered as a duration');
  t.equal(row.object.kind, 'PartialObjectMetadata');
});

t.test('reading v2 goes through the conversion webhook; writing v2 stores v1', async (t) => {
  await create(widget('conv', { image: 'x', size: 'large' }));
  const before = hooks.received.filter((r) => r.path === '/convert').length;
  const v2 = await get('conv', 'v2');
  t.equal(v2.apiVersion, `${G}/v2`);
  t.same(v2.spec.flavor, { size: 'large' });
  t.equal(v2.spec.size, undefined);
  const calls = hooks.received.filter((r) => r.path === '/convert').slice(before);
  t.ok(calls.length >= 1, 'the webhook was called');
  t.match(calls[0]!.review, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    request: { desiredAPIVersion: `${G}/v2` },
  });
  const made = await create(
    {
      apiVersion: `${G}/v2`,
      kind: 'Widget',
      metadata: { name: 'from-v2' },
      spec: { image: 'y', flavor: { size: 'small' } },
    },
    'v2',
  );
  t.same(made.spec.flavor, { size: 'small' });
  const asV1 = await get('from-v2');
  t.equal(asV1.spec.size, 'small', 'stored as v1 via conversion');
  const list = (await custom.listNamespacedCustomObject({
    group: G,
    version: 'v2',
    namespace: ns,
    plural: 'widgets',
  })) as any;
  t.ok(
    list.items.every((i: any) => i.apiVersion === `${G}/v2`),
    'a v2 list is all v2',
  );
});

t.test('a v1-only mutating webhook sees a v2 write converted to v1 (matchPolicy: Equivalent)', async (t) => {
  hooks.route('/mutate-widget', (r) =>
    admissionResponse(r, {
      allowed: true,
      ...jsonPatch([{ op: 'add', path: '/metadata/labels', value: { seen: r['request']['kind']['version'] } }]),
    }),
  );
  const name = `widget-mutator-${ns}`;
  const made = await target.raw('POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name },
    webhooks: [
      {
        name: `widgets.${ns}.conformance.example.com`,
        clientConfig: { url: `${hooks.url}/mutate-widget`, caBundle: hooks.caBundle },
        rules: [{ apiGroups: [G], apiVersions: ['v1'], resources: ['widgets'], operations: ['CREATE'] }],
        namespaceSelector: { matchLabels: { 'conformance.example.com/ns': ns } },
        objectSelector: { matchLabels: { mutate: 'me' } },
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        matchPolicy: 'Equivalent',
      },
    ],
  });
  t.equal(made.status, 201);
  t.teardown(() => target.raw('DELETE', `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${name}`));
  const w = await target.eventually(async () => {
    const n = `eq-${Math.random().toString(36).slice(2, 7)}`;
    const r = await target.raw('POST', `/apis/${G}/v2/namespaces/${ns}/widgets`, {
      apiVersion: `${G}/v2`,
      kind: 'Widget',
      metadata: { name: n, labels: { mutate: 'me' } },
      spec: { image: 'x', flavor: { size: 'large' } },
    });
    return r.status === 201 && r.json.metadata.labels.seen ? r.json : undefined;
  }, 'mutation applied to a v2 write');
  t.equal(w.apiVersion, `${G}/v2`, 'the response is in the requested version');
  t.equal(w.metadata.labels.seen, 'v1', 'the webhook saw the object as v1');
  t.same(w.spec.flavor, { size: 'large' }, 'the spec survived the round trip');
  const review = hooks.received.filter((x) => x.path === '/mutate-widget').at(-1)!.review.request;
  t.match(review, {
    kind: { version: 'v1', kind: 'Widget' },
    requestKind: { version: 'v2' },
    object: { apiVersion: `${G}/v1`, spec: { size: 'large' } },
  });
});

t.test('a conversion webhook whose certificate does not match the caBundle fails the read', async (t) => {
  const other = await startWebhookServer();
  t.teardown(() => other.close());
  other.route('/convert', convertWidget);
  // Same server, wrong CA: the API server must refuse the TLS handshake.
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`;
  const setCa = (caBundle: string) =>
    target.raw(
      'PATCH',
      path,
      [{ op: 'replace', path: '/spec/conversion/webhook/clientConfig/caBundle', value: caBundle }],
      { 'content-type': 'application/json-patch+json' },
    );
  t.equal((await setCa(other.caBundle)).status, 200);
  const failed = await target.eventually(async () => {
    try {
      await get('conv', 'v2');
      return undefined;
    } catch (e) {
      return e;
    }
  }, 'reads at v2 failing with the wrong caBundle');
  t.ok(failed, 'read at v2 failed');
  t.equal((await setCa(hooks.caBundle)).status, 200);
  await target.eventually(async () => {
    try {
      return await get('conv', 'v2');
    } catch {
      return undefined;
    }
  }, 'reads at v2 work again');
  t.pass('restored');
});

t.test('deleting the CRD removes its custom resources and stops serving the kind', async (t) => {
  const tmp = structuredClone(crd);
  tmp.metadata.name = `gadgets.${G}`;
  tmp.spec.names = { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' };
  tmp.spec.conversion = { strategy: 'None' };
  tmp.spec.versions = [tmp.spec.versions[0]];
  t.equal((await target.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', tmp)).status, 201);
  await target.eventually(
    async () => (await target.raw('GET', `/apis/${G}/v1/namespaces/${ns}/gadgets`)).status === 200,
    'gadgets served',
  );
  const made = await target.raw('POST', `/apis/${G}/v1/namespaces/${ns}/gadgets`, {
    apiVersion: `${G}/v1`,
    kind: 'Gadget',
    metadata: { name: 'g1' },
    spec: { image: 'x' },
  });
  t.equal(made.status, 201);
  await ext.deleteCustomResourceDefinition({ name: tmp.metadata.name });
  await target.eventually(
    async () => (await target.raw('GET', `/apis/${G}/v1/namespaces/${ns}/gadgets`)).status === 404,
    'gadgets no longer served',
    30_000,
  );
  t.pass('kind removed');
});

t.test('a CRD whose schema is not structural is refused with the real field errors', async (t) => {
  const bad = (name: string, openAPIV3Schema: Record<string, unknown>) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${name}s.${G}` },
    spec: {
      group: G,
      scope: 'Namespaced',
      names: { plural: `${name}s`, kind: name[0]!.toUpperCase() + name.slice(1) },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema } }],
    },
  });
  // One version (or all sharing one schema): the server reports the schema at spec.validation, where its
  // internal type keeps a schema common to every version.
  const at = 'spec.validation.openAPIV3Schema';
  const cases: [string, Record<string, unknown>, string[]][] = [
    [
      'metadescribed',
      { type: 'object', properties: { metadata: { type: 'object', description: 'mine' } } },
      [
        `${at}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
      ],
    ],
    [
      'metalabels',
      {
        type: 'object',
        properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } },
      },
      [
        `${at}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
      ],
    ],
    [
      'untyped',
      { type: 'object', properties: { spec: { description: 'no type' }, list: { type: 'array' } } },
      [
        `${at}.properties[list].items: Required value: must be specified`,
        `${at}.properties[spec].type: Required value: must not be empty for specified object fields`,
      ],
    ],
    [
      'uniq',
      {
        type: 'object',
        properties: { s: { type: 'array', uniqueItems: true, items: { type: 'string' } } },
      },
      [
        `${at}.properties[s].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
      ],
    ],
  ];
  for (const [name, schema, lines] of cases) {
    const r = await target.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', bad(name, schema));
    t.equal(r.status, 422, `${name}: 422`);
    const msg = String(r.json?.message);
    for (const line of lines) t.ok(msg.includes(line), `${name}: ${line}\n   in: ${msg}`);
    if (r.status === 201)
      await target.raw('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}s.${G}`);
  }
  const two = bad('twover', { type: 'object' }) as any;
  two.spec.versions.push({
    name: 'v2',
    served: true,
    storage: false,
    schema: { openAPIV3Schema: { type: 'object', properties: { metadata: { type: 'object', required: ['name'] } } } },
  });
  const r2 = await target.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', two);
  t.equal(r2.status, 422, 'two versions with different schemas');
  t.equal(
    r2.json?.message,
    `CustomResourceDefinition.apiextensions.k8s.io "twovers.${G}" is invalid: spec.versions[1].schema.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
  );
  const ok = bad('metaname', {
    type: 'object',
    properties: { metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 20 } } } },
  });
  const r = await target.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', ok);
  t.equal(r.status, 201, `metadata restricting only name is accepted: ${r.text}`);
  await target.raw('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/metanames.${G}`);
});
