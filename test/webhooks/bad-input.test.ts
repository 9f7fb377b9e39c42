// Garbage in gets a clear 4xx (or a refused review), and the server keeps serving the next request.
import t, { type Test } from 'tap';
import { PATHS } from '../../webhooks/server.ts';
import { seedCluster } from '../api/fixtures.ts';
import { admissionReview, startHarness } from './harness.ts';

const h = await startHarness();
t.teardown(() => h.close());

async function stillServing(t: Test): Promise<void> {
  const ar = admissionReview(seedCluster());
  const { status, json } = await h.post(PATHS.validate, ar);
  t.equal(status, 200, 'the next valid review is answered');
  t.same(json.response, { uid: ar.request.uid, allowed: true });
}

const garbage: [string, () => ReturnType<typeof h.post>, number, RegExp][] = [
  [
    'malformed JSON',
    () => h.post(PATHS.validate, null, { raw: '{"apiVersion": "admission.k8s.io/v1", "kind": ' }),
    400,
    /not valid JSON/,
  ],
  [
    'binary noise',
    () => h.post(PATHS.mutate, null, { raw: Buffer.from([0xff, 0x00, 0x13, 0x37]) }),
    400,
    /not valid JSON/,
  ],
  [
    'oversized body',
    () => h.post(PATHS.validate, null, { raw: `{"pad":"${'x'.repeat(4 * 1024 * 1024)}"}` }),
    413,
    /larger than 3mb/,
  ],
  [
    'wrong content type',
    () => h.post(PATHS.validate, null, { raw: 'apiVersion: v1', contentType: 'application/yaml' }),
    415,
    /Content-Type must be application\/json/,
  ],
  ['JSON that is not a review', () => h.post(PATHS.validate, [1, 2, 3]), 400, /AdmissionReview/],
  [
    'AdmissionReview v1beta1',
    () => h.post(PATHS.validate, { ...admissionReview(seedCluster()), apiVersion: 'admission.k8s.io/v1beta1' }),
    400,
    /expected apiVersion "admission.k8s.io\/v1"/,
  ],
  [
    'review without uid',
    () => h.post(PATHS.mutate, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { kind: {} } }),
    400,
    /request.uid/,
  ],
  [
    'unknown operation',
    () => h.post(PATHS.validate, admissionReview(seedCluster(), { operation: 'PATCH' })),
    400,
    /request.operation: "PATCH"/,
  ],
  ['unknown path', () => h.post('/validate-something-else', admissionReview(seedCluster())), 404, /no webhook at POST/],
];

for (const [name, send, status, error] of garbage) {
  t.test(name, async (t) => {
    const res = await send();
    t.equal(res.status, status);
    t.match(res.json?.error, error);
    await stillServing(t);
  });
}

t.test('an unknown kind or version is refused in the review with a 400 status', async (t) => {
  for (const [path, kind] of [
    [PATHS.validate, { group: '', version: 'v1', kind: 'Pod' }],
    [PATHS.mutate, { group: 'apps.ryansu.com', version: 'v9', kind: 'MysqlCluster' }],
  ] as const) {
    const ar = admissionReview(seedCluster(), { kind: { ...kind } });
    const { status, json } = await h.post(path, ar);
    t.equal(status, 200);
    t.equal(json.response.uid, ar.request.uid);
    t.equal(json.response.allowed, false);
    t.equal(json.response.status.code, 400);
    t.match(
      json.response.status.message,
      /unsupported kind .*; this webhook serves apps.ryansu.com\/v1 and apps.ryansu.com\/v2alpha1 MysqlCluster/,
    );
  }
  await stillServing(t);
});

t.test('a non-object spec or object is a denial naming the field, not a crash', async (t) => {
  for (const object of [
    null,
    'x',
    { apiVersion: 'apps.ryansu.com/v1', kind: 'MysqlCluster', metadata: { name: 'a' }, spec: [] },
  ]) {
    const { status, json } = await h.post(PATHS.validate, admissionReview(object));
    t.equal(status, 200);
    t.equal(json.response.allowed, false);
    t.equal(json.response.status.code, 403);
  }
  await stillServing(t);
});
