// The MysqlCluster CRD as shipped in crds/ refuses, with no webhook installed, the specs its
// x-kubernetes-validations (CEL) rules cover: odd replicas, heartbeatInterval <= electionTimeout/3,
// distinct Service names, and (transition rule) a storage size that shrinks. Messages are the real
// server's `spec: Invalid value: "object": <message>`; a schema error blocks the rules.
import '../support/apiserver/node20-shim.ts';
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startTarget } from '../support/apiserver/target.ts';

const target = await startTarget();
t.teardown(() => target.close());
const crd = parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'crds', 'apps.ryansu.com_mysqlclusters.yaml'), 'utf8'),
);
const crdPath = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`;
const made = await target.raw('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
if (made.status !== 201 && made.status !== 409) throw new Error(`installing the CRD: ${made.text}`);
t.teardown(async () => {
  await target.raw('DELETE', crdPath);
});
const ns = await target.namespace('cel');
const path = `/apis/apps.ryansu.com/v1/namespaces/${ns}/mysqlclusters`;
await target.eventually(async () => (await target.raw('GET', path)).status === 200, 'MysqlCluster served');

const cluster = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'apps.ryansu.com/v1',
  kind: 'MysqlCluster',
  metadata: { name },
  spec: { image: 'mysql:8.0', replicas: 3, storage: { size: '10Gi' }, ...spec },
});
const invalid = (name: string, lines: string[]) =>
  `MysqlCluster.apps.ryansu.com "${name}" is invalid: ${lines.length === 1 ? lines[0] : `[${lines.join(', ')}]`}`;

t.test('create: even replicas, equal Service names and a slow heartbeat are refused together', async (t) => {
  const r = await target.raw(
    'POST',
    path,
    cluster('bad', { replicas: 4, masterService: 'db', slaveService: 'db', raft: { heartbeatInterval: '2s' } }),
  );
  t.equal(r.status, 422, r.text);
  t.equal(
    r.json.message,
    invalid('bad', [
      'spec: Invalid value: "object": replicas must be odd (1, 3, 5, 7 or 9)',
      'spec: Invalid value: "object": masterService and slaveService must differ',
      'spec.raft: Invalid value: "object": heartbeatInterval must be at most electionTimeout/3 (defaults: 300ms and 3s)',
    ]),
  );
  const exact = await target.raw(
    'POST',
    path,
    cluster('third', { raft: { heartbeatInterval: '1.5s', electionTimeout: '4500ms' } }),
  );
  t.equal(exact.status, 201, `exactly a third is allowed: ${exact.text}`);
});

t.test(
  'update: storage may grow, never shrink (transition rule); other spellings are left to the webhook',
  async (t) => {
    const c = await target.raw('POST', path, cluster('grow', {}));
    t.equal(c.status, 201, c.text);
    const patch = (size: string) =>
      target.raw(
        'PATCH',
        `${path}/grow`,
        { spec: { storage: { size } } },
        { 'content-type': 'application/merge-patch+json' },
      );
    const shrink = await patch('5Gi');
    t.equal(shrink.status, 422);
    t.equal(
      shrink.json.message,
      invalid('grow', ['spec.storage: Invalid value: "object": storage.size may grow but never shrink']),
    );
    t.equal((await patch('10240Mi')).status, 200, 'the same size in other units');
    t.equal((await patch('1Ti')).status, 200, 'growing');
    t.equal((await patch('999G')).status, 422, '999G < 1Ti');
    t.equal((await patch('1.5Ti')).status, 200, 'a decimal quantity is not compared by CEL');
  },
);

t.test('a schema error blocks the CEL rules, as the real server reports it', async (t) => {
  const r = await target.raw('POST', path, cluster('typed', { replicas: 'three' }));
  t.equal(r.status, 422);
  t.match(
    r.json.message,
    /spec\.replicas: Invalid value: "string": spec\.replicas in body must be of type integer: "string"/,
  );
  t.match(
    r.json.message,
    /<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation\]$/,
  );
  t.notMatch(r.json.message, /replicas must be odd/);
});
