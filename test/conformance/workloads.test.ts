// The kinds and subresources the local pod runner and `make deploy` need: RBAC, Deployment,
// ReplicaSet, PVC, Endpoints/EndpointSlice, Service clusterIP allocation, strategic merge patch with
// merge keys (what client-side `kubectl apply` sends), pods/binding and pods/eviction. Written against
// the API only, so the same checks pass on a real kube-apiserver.
import '../support/apiserver/node20-shim.ts';
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { startTarget } from '../support/apiserver/target.ts';
import { kubectlRunner, kubectlVersion } from '../support/apiserver/kubectl.ts';

const target = await startTarget();
t.teardown(() => target.close());
const ns = await target.namespace('workloads');
const suffix = randomBytes(3).toString('hex');
const pod = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
});

t.test('RBAC kinds are served: create, get, and a RoleBinding roleRef that cannot change', async (t) => {
  const role = await target.raw('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'r' },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
  });
  t.equal(role.status, 201, role.text);
  const crName = `conf-cr-${suffix}`;
  const cr = await target.raw('POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: crName },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }],
  });
  t.equal(cr.status, 201, cr.text);
  t.teardown(() => target.raw('DELETE', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${crName}`));
  const rbPath = `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`;
  const rb = await target.raw('POST', rbPath, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'rb' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
    subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: ns }],
  });
  t.equal(rb.status, 201, rb.text);
  const changed = await target.raw(
    'PATCH',
    `${rbPath}/rb`,
    { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: crName } },
    { 'content-type': 'application/merge-patch+json' },
  );
  t.equal(changed.status, 422, changed.text);
  t.match(changed.json.message, /roleRef: Invalid value: .*cannot change roleRef/);
  const crb = await target.raw('GET', '/apis/rbac.authorization.k8s.io/v1');
  const names = (crb.json.resources as { name: string }[]).map((r) => r.name);
  for (const n of ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings']) t.ok(names.includes(n), n);
});

t.test('a Deployment is defaulted and its selector must match the template labels', async (t) => {
  const path = `/apis/apps/v1/namespaces/${ns}/deployments`;
  const bad = await target.raw('POST', path, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'bad' },
    spec: { selector: { matchLabels: { app: 'a' } }, template: pod('x', { app: 'b' }) },
  });
  t.equal(bad.status, 422, bad.text);
  t.match(
    bad.json.message,
    /spec\.template\.metadata\.labels: Invalid value: .*`selector` does not match template `labels`/,
  );
  const ok = await target.raw('POST', path, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'good' },
    spec: {
      selector: { matchLabels: { app: 'a' } },
      template: { metadata: { labels: { app: 'a' } }, spec: pod('x').spec },
    },
  });
  t.equal(ok.status, 201, ok.text);
  t.equal(ok.json.spec.replicas, 1);
  t.equal(ok.json.spec.strategy.type, 'RollingUpdate');
  t.equal(ok.json.spec.template.spec.restartPolicy, 'Always');
  t.equal(ok.json.metadata.generation, 1);
  const scale = await target.raw('GET', `${path}/good/scale`);
  t.equal(scale.status, 200, scale.text);
  t.equal(scale.json.spec.replicas, 1);
});

t.test('Service clusterIPs are allocated, unique, kept on update, and cannot change', async (t) => {
  const path = `/api/v1/namespaces/${ns}/services`;
  const svc = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { app: 'x' }, ports: [{ port: 3306 }], ...extra },
  });
  const a = await target.raw('POST', path, svc('a'));
  const b = await target.raw('POST', path, svc('b'));
  t.equal(a.status, 201, a.text);
  t.equal(b.status, 201, b.text);
  const ipA = a.json.spec.clusterIP as string;
  t.match(ipA, /^\d+\.\d+\.\d+\.\d+$/);
  t.not(ipA, b.json.spec.clusterIP, 'two services get two addresses');
  t.same(a.json.spec.clusterIPs, [ipA]);
  const headless = await target.raw('POST', path, svc('h', { clusterIP: 'None' }));
  t.equal(headless.json.spec.clusterIP, 'None');
  const taken = await target.raw('POST', path, svc('c', { clusterIP: ipA }));
  t.equal(taken.status, 422, taken.text);
  t.match(taken.json.message, `failed to allocate IP ${ipA}: provided IP is already allocated`);
  const upd = await target.raw('PUT', `${path}/a`, {
    ...a.json,
    spec: { ...a.json.spec, clusterIP: '', clusterIPs: [] },
  });
  t.ok([200, 422].includes(upd.status), 'clearing the address is refused or ignored');
  if (upd.status === 200) t.equal(upd.json.spec.clusterIP, ipA, 'kept');
  const moved = await target.raw(
    'PATCH',
    `${path}/a`,
    { spec: { clusterIP: b.json.spec.clusterIP, clusterIPs: [b.json.spec.clusterIP] } },
    { 'content-type': 'application/merge-patch+json' },
  );
  t.equal(moved.status, 422, moved.text);
  t.match(moved.json.message, /may not change once set/);
});

t.test('strategic merge patch merges keyed lists and honours $patch: delete', async (t) => {
  const path = `/apis/apps/v1/namespaces/${ns}/deployments`;
  const created = await target.raw('POST', path, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'smp', finalizers: ['example.com/a'] },
    spec: {
      selector: { matchLabels: { app: 'smp' } },
      template: {
        metadata: { labels: { app: 'smp' } },
        spec: {
          containers: [
            {
              name: 'a',
              image: 'busybox:1.36',
              env: [
                { name: 'X', value: '1' },
                { name: 'Y', value: '2' },
              ],
            },
            { name: 'b', image: 'busybox:1.36', ports: [{ containerPort: 80 }] },
          ],
        },
      },
    },
  });
  t.equal(created.status, 201, created.text);
  const patched = await target.raw(
    'PATCH',
    `${path}/smp`,
    {
      metadata: { finalizers: ['example.com/b'] },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'a',
                env: [
                  { name: 'Y', value: 'two' },
                  { name: 'X', $patch: 'delete' },
                ],
              },
              { name: 'b', ports: [{ containerPort: 81 }] },
            ],
          },
        },
      },
    },
    { 'content-type': 'application/strategic-merge-patch+json' },
  );
  t.equal(patched.status, 200, patched.text);
  const cs = patched.json.spec.template.spec.containers;
  t.same(
    cs.map((c: { name: string; image: string }) => [c.name, c.image]),
    [
      ['a', 'busybox:1.36'],
      ['b', 'busybox:1.36'],
    ],
    'containers merged by name, images kept',
  );
  t.same(cs[0].env, [{ name: 'Y', value: 'two' }], 'env merged by name, X deleted');
  t.same(
    cs[1].ports.map((p: { containerPort: number }) => p.containerPort),
    [80, 81],
    'ports merged by containerPort',
  );
  t.same(patched.json.metadata.finalizers, ['example.com/a', 'example.com/b'], 'finalizers merged as a set');
  await target.raw('PATCH', `${path}/smp`, [{ op: 'remove', path: '/metadata/finalizers' }], {
    'content-type': 'application/json-patch+json',
  });
});

t.test('pods/binding sets the node once; a second binding is a Conflict', async (t) => {
  const path = `/api/v1/namespaces/${ns}/pods`;
  t.equal((await target.raw('POST', path, pod('bind-me'))).status, 201);
  const body = {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: 'bind-me' },
    target: { kind: 'Node', name: 'node-a' },
  };
  const first = await target.raw('POST', `${path}/bind-me/binding`, body);
  t.equal(first.status, 201, first.text);
  t.equal(first.json.status, 'Success');
  const got = await target.raw('GET', `${path}/bind-me`);
  t.equal(got.json.spec.nodeName, 'node-a');
  const second = await target.raw('POST', `${path}/bind-me/binding`, {
    ...body,
    target: { kind: 'Node', name: 'node-b' },
  });
  t.equal(second.status, 409, second.text);
  t.match(second.json.message, 'pod bind-me is already assigned to node "node-a"');
  await target.raw('DELETE', `${path}/bind-me?gracePeriodSeconds=0`);
});

t.test('pods/eviction deletes an uncovered pod and refuses one a budget protects', async (t) => {
  const path = `/api/v1/namespaces/${ns}/pods`;
  const evict = (name: string) =>
    target.raw('POST', `${path}/${name}/eviction`, {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name, namespace: ns },
    });
  t.equal((await target.raw('POST', path, pod('free'))).status, 201);
  const ok = await evict('free');
  t.equal(ok.status, 201, ok.text);
  await target.eventually(async () => (await target.raw('GET', `${path}/free`)).status === 404, 'evicted pod gone');
  t.equal((await target.raw('POST', path, pod('kept', { guard: 'yes' }))).status, 201);
  const pdb = await target.raw('POST', `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`, {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'guard' },
    spec: { minAvailable: 1, selector: { matchLabels: { guard: 'yes' } } },
  });
  t.equal(pdb.status, 201, pdb.text);
  const refused = await evict('kept');
  t.equal(refused.status, 429, refused.text);
  t.equal(refused.json.reason, 'TooManyRequests');
  t.equal(refused.json.message, "Cannot evict pod as it would violate the pod's disruption budget.");
  t.equal((await target.raw('GET', `${path}/kept`)).status, 200, 'pod still there');
});

t.test('PVC, Endpoints and EndpointSlice are served', async (t) => {
  const pvc = await target.raw('POST', `/api/v1/namespaces/${ns}/persistentvolumeclaims`, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
  t.equal(pvc.status, 201, pvc.text);
  t.equal(pvc.json.spec.volumeMode, 'Filesystem');
  const ep = await target.raw('POST', `/api/v1/namespaces/${ns}/endpoints`, {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'manual' },
    subsets: [{ addresses: [{ ip: '10.1.2.3' }], ports: [{ port: 3306 }] }],
  });
  t.equal(ep.status, 201, ep.text);
  const slice = await target.raw('POST', `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'manual-1', labels: { 'kubernetes.io/service-name': 'manual' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.1.2.3'], conditions: { ready: true } }],
    ports: [{ port: 3306, protocol: 'TCP' }],
  });
  t.equal(slice.status, 201, slice.text);
});

const kubectlAt = kubectlVersion();
t.test(
  'kubectl apply re-applies a webhook configuration without losing fields',
  { skip: kubectlAt ? false : 'kubectl not on PATH' },
  async (t) => {
    const kubectl = kubectlRunner(target.kubeconfigPath);
    const name = `conf-vwc-${suffix}`;
    const hook = (caBundle: string, extra: Record<string, unknown> = {}) => ({
      name: 'v.conformance.example.com',
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Ignore',
      clientConfig: { url: 'https://127.0.0.1:1/validate', caBundle },
      namespaceSelector: { matchLabels: { 'conformance.example.com/ns': ns } },
      rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
      ...extra,
    });
    const doc = (hooks: unknown[]) =>
      JSON.stringify({
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name },
        webhooks: hooks,
      });
    t.teardown(() => kubectl.run(['delete', 'validatingwebhookconfiguration', name, '--ignore-not-found']));
    const ca = Buffer.from('not-a-real-ca').toString('base64');
    const first = await kubectl.run(['apply', '-f', '-'], doc([hook(ca)]));
    t.equal(first.code, 0, first.stderr);
    // Someone else (cert-manager's cainjector) sets the caBundle; the user re-applies without it.
    const injected = Buffer.from('injected-ca').toString('base64');
    const p = await kubectl.run([
      'patch',
      'validatingwebhookconfiguration',
      name,
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'replace', path: '/webhooks/0/clientConfig/caBundle', value: injected }]),
    ]);
    t.equal(p.code, 0, p.stderr);
    const { clientConfig, ...noCa } = hook(ca, { timeoutSeconds: 7 });
    const again = await kubectl.run(['apply', '-f', '-'], doc([{ ...noCa, clientConfig: { url: clientConfig.url } }]));
    t.equal(again.code, 0, again.stderr);
    const got = JSON.parse((await kubectl.run(['get', 'validatingwebhookconfiguration', name, '-o', 'json'])).stdout);
    t.equal(got.webhooks[0].timeoutSeconds, 7, 'the new field applied');
    t.equal(got.webhooks[0].clientConfig.url, 'https://127.0.0.1:1/validate');
    t.equal(got.webhooks[0].sideEffects, 'None', 'fields the patch did not name are kept');
    t.same(got.webhooks[0].rules[0].resources, ['configmaps']);
  },
);
