// Dynamic admission as kube-apiserver performs it: mutating then validating webhooks over HTTPS with
// AdmissionReview v1, JSON Patch applied, warnings passed back, denials worded as the real server
// words them, failurePolicy and timeoutSeconds honoured, the caBundle verified.
import '../support/apiserver/node20-shim.ts';
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { CoreV1Api } from '@kubernetes/client-node';
import { startTarget } from '../support/apiserver/target.ts';
import { admissionResponse, jsonPatch, startWebhookServer } from '../support/apiserver/webhook-server.ts';

const target = await startTarget();
t.teardown(() => target.close());
const hooks = await startWebhookServer();
t.teardown(() => hooks.close());
const core = target.kc.makeApiClient(CoreV1Api);
const ns = await target.namespace('adm');
const suffix = randomBytes(3).toString('hex');
const created: string[] = [];
t.teardown(async () => {
  for (const p of created) await target.raw('DELETE', p);
});

hooks.route('/mutate', (r) =>
  admissionResponse(r, {
    allowed: true,
    warnings: ['mutated by the conformance webhook'],
    ...jsonPatch([{ op: 'add', path: '/metadata/labels/mutated', value: 'yes' }]),
  }),
);
hooks.route('/validate', (r) => {
  const o = r['request']['object'] ?? r['request']['oldObject'];
  if (o?.data?.forbidden)
    return admissionResponse(r, {
      allowed: false,
      status: { code: 403, reason: 'Forbidden', message: 'data.forbidden: Invalid value: "yes": not allowed here' },
    });
  if (o?.data?.silent) return admissionResponse(r, { allowed: false });
  return admissionResponse(r, {
    allowed: true,
    warnings: [`validated; mutated=${o?.metadata?.labels?.mutated ?? 'no'}`],
  });
});
hooks.route('/slow', async (r) => {
  await new Promise((res) => setTimeout(res, 2500));
  return admissionResponse(r, { allowed: true });
});

function hook(
  name: string,
  path: string,
  scenario: string,
  extra: Record<string, unknown> = {},
  operations = ['CREATE', 'UPDATE'],
) {
  return {
    name: `${name}.${suffix}.conformance.example.com`,
    clientConfig: { url: `${hooks.url}${path}`, caBundle: hooks.caBundle },
    rules: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'], operations, scope: 'Namespaced' }],
    namespaceSelector: { matchLabels: { 'conformance.example.com/ns': ns } },
    objectSelector: { matchLabels: { scenario } },
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    timeoutSeconds: 5,
    failurePolicy: 'Fail',
    ...extra,
  };
}

async function configure(kind: 'Mutating' | 'Validating', name: string, webhooks: object[]): Promise<void> {
  const plural = kind === 'Mutating' ? 'mutatingwebhookconfigurations' : 'validatingwebhookconfigurations';
  const full = `${name}-${suffix}`;
  const r = await target.raw('POST', `/apis/admissionregistration.k8s.io/v1/${plural}`, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: `${kind}WebhookConfiguration`,
    metadata: { name: full },
    webhooks,
  });
  if (r.status !== 201) throw new Error(`creating ${full}: ${r.text}`);
  created.push(`/apis/admissionregistration.k8s.io/v1/${plural}/${full}`);
}

/** Webhook configuration changes reach a real server's admission chain after a short delay. */
async function settle(scenario: string, check: (r: Awaited<ReturnType<typeof target.raw>>) => boolean): Promise<void> {
  await target.eventually(async () => {
    const name = `probe-${randomBytes(3).toString('hex')}`;
    const r = await target.raw('POST', `/api/v1/namespaces/${ns}/configmaps?dryRun=All`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, labels: { scenario } },
      data: { probe: 'x' },
    });
    return check(r);
  }, `webhooks for ${scenario} active`);
}

t.test('mutating runs before validating; JSON Patch applied; warnings from both come back', async (t) => {
  await configure('Mutating', 'mut', [hook('mutate', '/mutate', 'chain')]);
  await configure('Validating', 'val', [hook('validate', '/validate', 'chain')]);
  await settle(
    'chain',
    (r) =>
      r.status === 201 &&
      r.json?.metadata?.labels?.mutated === 'yes' &&
      /mutated=yes/.test(String(r.headers['warning'])),
  );
  const r = await target.raw('POST', `/api/v1/namespaces/${ns}/configmaps`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'chained', labels: { scenario: 'chain' } },
  });
  t.equal(r.status, 201);
  t.equal(r.json.metadata.labels.mutated, 'yes', 'the JSON Patch landed');
  const warning = String(r.headers['warning']);
  t.match(warning, /299 - "mutated by the conformance webhook"/);
  t.match(warning, /299 - "validated; mutated=yes"/, 'the validating webhook saw the mutated object');
  const review = hooks.received
    .filter((x) => x.path === '/mutate' && x.review.request.name === 'chained')
    .at(-1)!.review;
  t.equal(review.apiVersion, 'admission.k8s.io/v1');
  t.equal(review.kind, 'AdmissionReview');
  t.match(review.request, {
    uid: String,
    kind: { group: '', version: 'v1', kind: 'ConfigMap' },
    resource: { group: '', version: 'v1', resource: 'configmaps' },
    requestKind: { group: '', version: 'v1', kind: 'ConfigMap' },
    namespace: ns,
    operation: 'CREATE',
    dryRun: false,
    object: { metadata: { name: 'chained' } },
    userInfo: { username: String },
  });
  t.equal(review.request.oldObject, null, 'no oldObject on CREATE');
  const cm = await core.readNamespacedConfigMap({ name: 'chained', namespace: ns });
  await target.raw('PUT', `/api/v1/namespaces/${ns}/configmaps/chained`, { ...cm, data: { a: 'b' } });
  const update = hooks.received
    .filter(
      (x) => x.path === '/validate' && x.review.request.name === 'chained' && x.review.request.operation === 'UPDATE',
    )
    .at(-1);
  t.ok(update, 'UPDATE reviewed');
  t.same(update!.review.request.oldObject.data ?? {}, {}, 'oldObject is the previous state');
  t.same(update!.review.request.object.data, { a: 'b' });
});

t.test('a denial is surfaced with the real server wording and the webhook status code', async (t) => {
  await configure('Validating', 'deny', [hook('deny', '/validate', 'deny')]);
  await settle('deny', () => true);
  const r = await target.eventually(async () => {
    const x = await target.raw('POST', `/api/v1/namespaces/${ns}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'denied', labels: { scenario: 'deny' } },
      data: { forbidden: 'yes' },
    });
    return x.status === 403 ? x : undefined;
  }, 'denial');
  t.match(r.json, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403 });
  t.equal(
    r.json.message,
    `admission webhook "deny.${suffix}.conformance.example.com" denied the request: data.forbidden: Invalid value: "yes": not allowed here`,
  );
  const silent = await target.raw('POST', `/api/v1/namespaces/${ns}/configmaps`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'silent', labels: { scenario: 'deny' } },
    data: { silent: 'yes' },
  });
  t.equal(silent.status, 400, 'a denial without a status code becomes 400');
  t.equal(
    silent.json.message,
    `admission webhook "deny.${suffix}.conformance.example.com" denied the request without explanation`,
  );
  t.equal((await target.raw('GET', `/api/v1/namespaces/${ns}/configmaps/denied`)).status, 404, 'nothing stored');
});

t.test('failurePolicy: Ignore lets a request through an unreachable webhook; Fail rejects it', async (t) => {
  const dead = { url: 'https://127.0.0.1:1/nothing', caBundle: hooks.caBundle };
  await configure('Validating', 'ignore', [
    hook('ignore', '/x', 'ignore', { failurePolicy: 'Ignore', clientConfig: dead }),
  ]);
  await configure('Validating', 'fail', [hook('fail', '/x', 'fail', { failurePolicy: 'Fail', clientConfig: dead })]);
  await settle('fail', (r) => r.status === 500);
  const ok = await target.raw('POST', `/api/v1/namespaces/${ns}/configmaps`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'ignored', labels: { scenario: 'ignore' } },
  });
  t.equal(ok.status, 201);
  const bad = await target.raw('POST', `/api/v1/namespaces/${ns}/configmaps`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'failed', labels: { scenario: 'fail' } },
  });
  t.equal(bad.status, 500);
  t.equal(bad.json.reason, 'InternalError');
  t.match(
    bad.json.message,
    new RegExp(
      `^Internal error occurred: failed calling webhook "fail\\.${suffix}\\.conformance\\.example\\.com": failed to call webhook: Post "https://127\\.0\\.0\\.1:1/nothing`,
    ),
  );
});

t.test('timeoutSeconds bounds a slow webhook', async (t) => {
  await configure('Validating', 'slow', [hook('slow', '/slow', 'slow', { timeoutSeconds: 1 })]);
  await settle('slow', (r) => r.status === 500);
  const r = await target.raw('POST', `/api/v1/namespaces/${ns}/configmaps`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'slow', labels: { scenario: 'slow' } },
  });
  t.equal(r.status, 500);
  t.match(r.json.message, /failed calling webhook "slow\./);
});

t.test('a webhook whose certificate is not signed by the caBundle is not trusted', async (t) => {
  const other = await startWebhookServer();
  t.teardown(() => other.close());
  await configure('Validating', 'wrongca', [
    hook('wrongca', '/validate', 'wrongca', {
      clientConfig: { url: `${hooks.url}/validate`, caBundle: other.caBundle },
    }),
  ]);
  await settle('wrongca', (r) => r.status === 500);
  const r = await target.raw('POST', `/api/v1/namespaces/${ns}/configmaps`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'wrongca', labels: { scenario: 'wrongca' } },
  });
  t.equal(r.status, 500);
  t.match(r.json.message, /failed calling webhook "wrongca\..*(certificate|x509)/i);
});

t.test('DELETE is reviewed with the object as oldObject', async (t) => {
  await configure('Validating', 'del', [hook('del', '/validate', 'del', {}, ['DELETE'])]);
  const cm = await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'del-me', labels: { scenario: 'del' } }, data: { forbidden: 'yes' } },
  });
  t.ok(cm.metadata?.uid);
  const r = await target.eventually(async () => {
    const x = await target.raw('DELETE', `/api/v1/namespaces/${ns}/configmaps/del-me`);
    return x.status === 403 ? x : undefined;
  }, 'delete denied');
  t.match(r.json.message, /denied the request: data.forbidden/);
  const review = hooks.received
    .filter((x) => x.review.request.operation === 'DELETE' && x.review.request.name === 'del-me')
    .at(-1)!.review;
  t.equal(review.request.object, null);
  t.equal(review.request.oldObject.metadata.name, 'del-me');
});

t.test('webhook configurations are validated like the real server validates them', async (t) => {
  const r = await target.raw('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: `bad-${suffix}` },
    webhooks: [
      {
        name: `bad.${suffix}.example.com`,
        clientConfig: { url: 'https://127.0.0.1:1/x' },
        admissionReviewVersions: ['v1'],
      },
    ],
  });
  if (r.status === 201)
    created.push(`/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/bad-${suffix}`);
  t.equal(r.status, 422);
  t.match(r.json.message, /webhooks\[0\]\.sideEffects: Required value/);
});

t.test('a /scale write is reviewed as an autoscaling/v1 Scale of the main resource', async (t) => {
  hooks.route('/scale', (r) =>
    r['request']['object']?.spec?.replicas === 7
      ? admissionResponse(r, {
          allowed: false,
          status: { code: 403, reason: 'Forbidden', message: 'spec.replicas: Invalid value: 7: not seven' },
        })
      : admissionResponse(r, { allowed: true }),
  );
  // A Scale carries no labels, so only the namespace selects this webhook.
  await configure('Validating', 'scale', [
    hook('scale', '/scale', 'scale', {
      objectSelector: {},
      rules: [
        {
          apiGroups: ['apps'],
          apiVersions: ['v1'],
          resources: ['statefulsets/scale'],
          operations: ['UPDATE'],
          scope: 'Namespaced',
        },
      ],
    }),
  ]);
  const sts = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'sc' },
    spec: {
      replicas: 1,
      serviceName: 'sc',
      selector: { matchLabels: { app: 'sc' } },
      template: { metadata: { labels: { app: 'sc' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    },
  };
  const made = await target.raw('POST', `/apis/apps/v1/namespaces/${ns}/statefulsets`, sts);
  t.equal(made.status, 201, made.text);
  const path = `/apis/apps/v1/namespaces/${ns}/statefulsets/sc/scale`;
  const merge = { 'content-type': 'application/merge-patch+json' };
  const denied = await target.eventually(async () => {
    const r = await target.raw('PATCH', path, { spec: { replicas: 7 } }, merge);
    return r.status === 403 ? r : undefined;
  }, 'scale webhook active');
  t.match(denied.json.message, 'admission webhook "scale.');
  t.match(denied.json.message, 'denied the request: spec.replicas: Invalid value: 7');
  const ok = await target.raw('PATCH', path, { spec: { replicas: 3 } }, merge);
  t.equal(ok.status, 200, ok.text);
  t.equal(ok.json.spec.replicas, 3);
  const review = hooks.received
    .filter((x) => x.review.request.subResource === 'scale' && x.review.request.object?.spec?.replicas === 3)
    .at(-1)!.review;
  t.same(review.request.kind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  t.same(review.request.requestKind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  t.same(review.request.resource, { group: 'apps', version: 'v1', resource: 'statefulsets' });
  t.equal(review.request.object.kind, 'Scale');
  t.equal(review.request.object.apiVersion, 'autoscaling/v1');
  t.equal(review.request.oldObject.kind, 'Scale');
  t.equal(review.request.oldObject.spec.replicas, 1, 'oldObject is the Scale before the write');
  created.push(`/apis/apps/v1/namespaces/${ns}/statefulsets/sc`);
});
