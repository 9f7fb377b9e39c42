// Every rule, sent as a real AdmissionReview over HTTPS to the running server (issue 2, "Done when").
import t from 'tap';
import { PATHS } from '../../webhooks/server.ts';
import { DENIED_CASES, UPDATE_CASES, WARNED_CASES } from '../api/rule-cases.ts';
import { seedCluster, withField } from '../api/fixtures.ts';
import { v1ToV2 } from '../../src/api/convert.ts';
import { admissionReview, startHarness } from './harness.ts';

const h = await startHarness();
t.teardown(() => h.close());

t.test('the seed manifest is allowed, uid echoed, no warnings', async (t) => {
  const ar = admissionReview(seedCluster());
  const { status, json } = await h.post(PATHS.validate, ar);
  t.equal(status, 200);
  t.equal(json.apiVersion, 'admission.k8s.io/v1');
  t.equal(json.kind, 'AdmissionReview');
  t.same(json.response, { uid: ar.request.uid, allowed: true });
});

for (const c of DENIED_CASES) {
  t.test(`denied over HTTPS: ${c.name}`, async (t) => {
    const ar = admissionReview(c.obj);
    const { status, json } = await h.post(PATHS.validate, ar);
    t.equal(status, 200);
    t.equal(json.response.uid, ar.request.uid);
    t.equal(json.response.allowed, false);
    t.equal(json.response.status.code, 403);
    t.equal(json.response.status.reason, 'Forbidden');
    t.match(json.response.status.message, `${c.field}: Invalid value: `);
    t.match(json.response.status.message, c.allowed);
  });
}

for (const c of WARNED_CASES) {
  t.test(`allowed with a warning over HTTPS: ${c.name}`, async (t) => {
    const { json } = await h.post(PATHS.validate, admissionReview(c.obj));
    t.equal(json.response.allowed, true);
    t.ok(
      (json.response.warnings as string[]).some((w) => c.warning.test(w)),
      JSON.stringify(json.response.warnings),
    );
  });
}

for (const c of UPDATE_CASES) {
  t.test(`UPDATE against oldObject over HTTPS: ${c.name}`, async (t) => {
    const { json } = await h.post(PATHS.validate, admissionReview(c.obj, { operation: 'UPDATE', oldObject: c.old }));
    if (c.field) {
      t.equal(json.response.allowed, false);
      t.match(json.response.status.message, `${c.field}: Invalid value: `);
      t.match(json.response.status.message, c.allowed ?? /./);
    } else {
      t.equal(json.response.allowed, true);
    }
  });
}

t.test('one denial lists every violation with field, value and what is allowed', async (t) => {
  let obj = withField('spec.replicas', 2);
  obj = withField('spec.storage.size', 'big', obj);
  obj = withField('spec.raft.heartbeatInterval', '2s', obj);
  const { json } = await h.post(PATHS.validate, admissionReview(obj));
  const msg: string = json.response.status.message;
  t.match(msg, /^MysqlCluster "mysql-raft-cluster" is invalid: 3 violations: \[/);
  t.match(msg, 'spec.replicas: Invalid value: 2: an odd number from 1 to 9');
  t.match(msg, 'spec.storage.size: Invalid value: "big": a positive Kubernetes quantity');
  t.match(msg, 'spec.raft.heartbeatInterval: Invalid value: "2s": from 50ms to 1000ms');
});

t.test('a v2alpha1 review is checked with v2alpha1 field names', async (t) => {
  const obj = v1ToV2(withField('spec.slaveService', 'mysql-master'));
  const { json } = await h.post(PATHS.validate, admissionReview(obj, { version: 'v2alpha1' }));
  t.equal(json.response.allowed, false);
  t.match(
    json.response.status.message,
    'spec.replicaService: Invalid value: "mysql-master": a name different from spec.masterService',
  );
});

t.test('kubectl scale goes through the scale subresource and the replicas rule', async (t) => {
  const scale = (n: number) => ({
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: { name: 'mysql-raft-cluster' },
    spec: { replicas: n },
  });
  const kind = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
  const ok = await h.post(
    PATHS.validate,
    admissionReview(scale(5), { operation: 'UPDATE', kind, subResource: 'scale', oldObject: scale(3) }),
  );
  t.equal(ok.json.response.allowed, false, 'the member count is fixed for now');
  t.match(ok.json.response.status.message, 'spec.replicas: Invalid value: 5: 3 (unchanged)');
  const same = await h.post(
    PATHS.validate,
    admissionReview(scale(3), { operation: 'UPDATE', kind, subResource: 'scale', oldObject: scale(3) }),
  );
  t.equal(same.json.response.allowed, true);
  const bad = await h.post(
    PATHS.validate,
    admissionReview(scale(4), { operation: 'UPDATE', kind, subResource: 'scale', oldObject: scale(3) }),
  );
  t.equal(bad.json.response.allowed, false);
  t.match(bad.json.response.status.message, 'spec.replicas: Invalid value: 4');
});

t.test('an object being deleted can always drop its finalizers', async (t) => {
  const old = withField('metadata.finalizers', ['apps.ryansu.com/finalizer'], withField('spec.replicas', 4));
  const obj = withField(
    'metadata.deletionTimestamp',
    '2026-01-01T00:00:00Z',
    withField('metadata.finalizers', [], withField('spec.replicas', 4)),
  );
  const { json } = await h.post(PATHS.validate, admissionReview(obj, { operation: 'UPDATE', oldObject: old }));
  t.equal(json.response.allowed, true);
  const alive = await h.post(
    PATHS.validate,
    admissionReview(withField('metadata.finalizers', [], withField('spec.replicas', 6)), {
      operation: 'UPDATE',
      oldObject: old,
    }),
  );
  t.equal(alive.json.response.allowed, false, 'but not while it is alive and the update touches the bad field');
  const untouched = await h.post(
    PATHS.validate,
    admissionReview(withField('metadata.finalizers', [], withField('spec.replicas', 4)), {
      operation: 'UPDATE',
      oldObject: old,
    }),
  );
  t.equal(untouched.json.response.allowed, true, 'ratcheting: the update did not touch spec.replicas');
});

t.test('DELETE is always allowed', async (t) => {
  const { json } = await h.post(
    PATHS.validate,
    admissionReview(null, { operation: 'DELETE', oldObject: withField('spec.replicas', 4) }),
  );
  t.equal(json.response.allowed, true);
});
