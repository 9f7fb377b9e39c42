// Discovery, version, authentication and unknown-resource answers, checked on the wire.
import '../support/apiserver/node20-shim.ts';
import t from 'tap';
import { startTarget } from '../support/apiserver/target.ts';

const target = await startTarget();
t.teardown(() => target.close());

t.test('/api, /apis and group-version documents list the kinds we use', async (t) => {
  const api = await target.raw('GET', '/api');
  t.equal(api.json.kind, 'APIVersions');
  t.ok(api.json.versions.includes('v1'));
  const core = await target.raw('GET', '/api/v1');
  t.equal(core.json.kind, 'APIResourceList');
  t.equal(core.json.groupVersion, 'v1');
  const names = core.json.resources.map((r: any) => r.name);
  for (const r of ['configmaps', 'secrets', 'services', 'pods', 'events', 'namespaces', 'namespaces/status'])
    t.ok(names.includes(r), r);
  const cm = core.json.resources.find((r: any) => r.name === 'configmaps');
  // Built-in kinds carry singularName from 1.27 on; before, it is empty. The embedded server reports 1.32.
  const minor = Number(String((await target.raw('GET', '/version')).json.minor).replace(/\D.*$/, ''));
  const singular = minor >= 27 ? 'configmap' : '';
  t.match(cm, { singularName: singular, namespaced: true, kind: 'ConfigMap', shortNames: ['cm'] });
  t.ok(
    ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'].every((v) =>
      cm.verbs.includes(v),
    ),
  );
  const groups = await target.raw('GET', '/apis');
  t.equal(groups.json.kind, 'APIGroupList');
  const groupNames = groups.json.groups.map((g: any) => g.name);
  for (const g of ['apps', 'policy', 'coordination.k8s.io', 'apiextensions.k8s.io', 'admissionregistration.k8s.io'])
    t.ok(groupNames.includes(g), g);
  const apps = await target.raw('GET', '/apis/apps');
  t.equal(apps.json.kind, 'APIGroup');
  t.equal(apps.json.preferredVersion.groupVersion, 'apps/v1');
  const appsV1 = await target.raw('GET', '/apis/apps/v1');
  const sts = appsV1.json.resources.filter((r: any) => r.name.startsWith('statefulsets')).map((r: any) => r.name);
  t.ok(sts.includes('statefulsets') && sts.includes('statefulsets/status') && sts.includes('statefulsets/scale'));
  const scale = appsV1.json.resources.find((r: any) => r.name === 'statefulsets/scale');
  t.match(scale, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  const leases = await target.raw('GET', '/apis/coordination.k8s.io/v1');
  t.ok(leases.json.resources.some((r: any) => r.name === 'leases' && r.kind === 'Lease'));
});

t.test('/version answers with major and minor', async (t) => {
  const v = await target.raw('GET', '/version');
  t.equal(v.status, 200);
  t.match(v.json, { major: String, minor: String, gitVersion: /^v1\./ });
});

t.test('no credentials is system:anonymous (403 Forbidden); a wrong token is 401 Unauthorized', async (t) => {
  const r = await target.raw('GET', '/api/v1/namespaces/default/configmaps', undefined, {}, false);
  t.equal(r.status, 403);
  t.same(r.json, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message:
      'configmaps is forbidden: User "system:anonymous" cannot list resource "configmaps" in API group "" in the namespace "default"',
    reason: 'Forbidden',
    details: { kind: 'configmaps' },
    code: 403,
  });
  const named = await target.raw('GET', '/apis/coordination.k8s.io/v1/namespaces/x/leases/l', undefined, {}, false);
  t.equal(
    named.json.message,
    'leases.coordination.k8s.io "l" is forbidden: User "system:anonymous" cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "x"',
  );
  const cluster = await target.raw('GET', '/api/v1/namespaces', undefined, {}, false);
  t.equal(
    cluster.json.message,
    'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope',
  );
  const own = await target.raw('DELETE', '/api/v1/namespaces/x', undefined, {}, false);
  t.equal(
    own.json.message,
    'namespaces "x" is forbidden: User "system:anonymous" cannot delete resource "namespaces" in API group "" in the namespace "x"',
    'a namespace is its own namespace',
  );
  const path = await target.raw('GET', '/apis', undefined, {}, false);
  t.equal(path.status, 403);
  t.equal(path.json.message, 'forbidden: User "system:anonymous" cannot get path "/apis"');
  t.equal((await target.raw('GET', '/version', undefined, {}, false)).status, 200, '/version is public');
  const wrong = await target.raw(
    'GET',
    '/api/v1/namespaces',
    undefined,
    { authorization: 'Bearer not-the-token' },
    false,
  );
  t.equal(wrong.status, 401);
  t.match(wrong.json, {
    kind: 'Status',
    status: 'Failure',
    message: 'Unauthorized',
    reason: 'Unauthorized',
    code: 401,
  });
});

t.test('an unknown resource in a served group version is a 404 NotFound Status', async (t) => {
  const r = await target.raw('GET', '/api/v1/namespaces/default/widgetsnotreal');
  t.equal(r.status, 404);
  t.match(r.json, {
    kind: 'Status',
    status: 'Failure',
    reason: 'NotFound',
    code: 404,
    message: 'the server could not find the requested resource',
  });
  const g = await target.raw('GET', '/apis/no.such.group.example.com/v1/things');
  t.equal(g.status, 404, 'an unknown group is 404 too');
});

t.test('/openapi/v3 lists a document per group version with PATCH operations kubectl can verify', async (t) => {
  const root = await target.raw('GET', '/openapi/v3');
  t.equal(root.status, 200);
  t.ok(root.json.paths['api/v1'], 'core group version listed');
  t.ok(root.json.paths['apis/apps/v1'], 'apps/v1 listed');
  const doc = await target.raw('GET', root.json.paths['api/v1'].serverRelativeURL);
  t.equal(doc.status, 200);
  const cmPath = Object.entries(doc.json.paths as Record<string, any>).find(
    ([, p]) => p.patch?.['x-kubernetes-group-version-kind']?.kind === 'ConfigMap',
  );
  t.ok(cmPath, 'a PATCH operation for ConfigMap');
  t.ok(
    cmPath![1].patch.parameters.some((p: any) => (p.name === 'fieldValidation' && p.in === 'query') || p.$ref),
    'fieldValidation is a PATCH parameter',
  );
});
