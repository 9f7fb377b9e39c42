// kubectl driven as a user drives it: get, apply, patch, replace, delete, -w and -o wide, with the
// exact error lines kubectl prints for the server's Status objects. Skipped (never passed) when no
// kubectl is on PATH: hack/install-kubectl.sh installs Debian's kubernetes-client.
import '../support/apiserver/node20-shim.ts';
import t from 'tap';
import { join } from 'node:path';
import { startTarget } from '../support/apiserver/target.ts';
import { kubectlRunner, kubectlVersion } from '../support/apiserver/kubectl.ts';
import { loadFixture } from '../support/apiserver/fixtures.ts';

const version = kubectlVersion();
if (!version) {
  t.test(
    'kubectl-driven checks',
    { skip: 'kubectl not found on PATH (install it with hack/install-kubectl.sh)' },
    () => {},
  );
} else {
  const target = await startTarget();
  t.teardown(() => target.close());
  const kubectl = kubectlRunner(target.kubeconfigPath);
  const ns = await target.namespace('kubectl');
  t.comment(`kubectl ${version} against the ${target.kind} server`);
  const cm = (name: string, data: Record<string, string>) =>
    JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data });

  t.test('get prints the server-side table and NotFound as kubectl prints it', async (t) => {
    const created = await kubectl.run(['apply', '-f', '-'], cm('shown', { a: '1', b: '2' }));
    t.equal(created.code, 0, created.stderr);
    t.equal(created.stdout.trim(), 'configmap/shown created');
    const got = await kubectl.run(['get', 'configmap', 'shown', '-n', ns]);
    t.equal(got.code, 0, got.stderr);
    const [header, row] = got.stdout.trim().split('\n');
    t.match(header, /^NAME\s+DATA\s+AGE$/);
    t.match(row, /^shown\s+2\s+\d+s$/);
    const missing = await kubectl.run(['get', 'configmap', 'nope', '-n', ns]);
    t.equal(missing.code, 1);
    t.equal(missing.stderr.trim(), 'Error from server (NotFound): configmaps "nope" not found');
    const json = await kubectl.run(['get', 'cm', 'shown', '-n', ns, '-o', 'json']);
    t.same(JSON.parse(json.stdout).data, { a: '1', b: '2' });
  });

  t.test('apply creates, configures and leaves unchanged', async (t) => {
    t.equal((await kubectl.run(['apply', '-f', '-'], cm('app', { v: '1' }))).stdout.trim(), 'configmap/app created');
    const again = await kubectl.run(['apply', '-f', '-'], cm('app', { v: '2' }));
    t.equal(again.stdout.trim(), 'configmap/app configured', again.stderr);
    t.equal(again.stderr, '', 'no warnings from apply');
    t.equal((await kubectl.run(['apply', '-f', '-'], cm('app', { v: '2' }))).stdout.trim(), 'configmap/app unchanged');
    const removed = await kubectl.run(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'app', namespace: ns },
        data: { w: '3' },
      }),
    );
    t.equal(removed.code, 0, removed.stderr);
    const v = await kubectl.run(['get', 'cm', 'app', '-n', ns, '-o', 'jsonpath={.data}']);
    t.same(JSON.parse(v.stdout), { w: '3' }, 'apply removed the key it had set before');
  });

  t.test('patch (strategic, merge, json) and a stale replace that conflicts', async (t) => {
    await kubectl.run(['apply', '-f', '-'], cm('pt', { a: '1' }));
    t.equal(
      (await kubectl.run(['patch', 'cm', 'pt', '-n', ns, '-p', '{"data":{"b":"2"}}'])).stdout.trim(),
      'configmap/pt patched',
    );
    t.equal(
      (await kubectl.run(['patch', 'cm', 'pt', '-n', ns, '--type=merge', '-p', '{"data":{"a":null}}'])).stdout.trim(),
      'configmap/pt patched',
    );
    t.equal(
      (
        await kubectl.run([
          'patch',
          'cm',
          'pt',
          '-n',
          ns,
          '--type=json',
          '-p',
          '[{"op":"add","path":"/data/c","value":"3"}]',
        ])
      ).stdout.trim(),
      'configmap/pt patched',
    );
    const v = await kubectl.run(['get', 'cm', 'pt', '-n', ns, '-o', 'json']);
    const obj = JSON.parse(v.stdout);
    t.same(obj.data, { b: '2', c: '3' });
    await kubectl.run(['patch', 'cm', 'pt', '-n', ns, '-p', '{"data":{"d":"4"}}']);
    const stale = await kubectl.run(['replace', '-f', '-'], JSON.stringify({ ...obj, data: { e: '5' } }));
    t.equal(stale.code, 1);
    t.equal(
      stale.stderr.trim(),
      'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "pt": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  t.test('an invalid object prints kubectl\'s "is invalid" line', async (t) => {
    const r = await kubectl.run(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'bad', namespace: ns },
        spec: { leaseDurationSeconds: 0 },
      }),
    );
    t.equal(r.code, 1);
    t.match(
      r.stderr.trim(),
      /^The Lease "bad" is invalid: spec\.leaseDurationSeconds: Invalid value: 0: must be greater than 0$/,
    );
  });

  t.test('delete prints the deletion and the object is gone', async (t) => {
    await kubectl.run(['apply', '-f', '-'], cm('bye', {}));
    const d = await kubectl.run(['delete', 'cm', 'bye', '-n', ns]);
    t.equal(d.code, 0, d.stderr);
    t.equal(d.stdout.trim(), 'configmap "bye" deleted');
    t.equal((await kubectl.run(['get', 'cm', 'bye', '-n', ns])).code, 1);
  });

  t.test('get -w streams changes as table rows', async (t) => {
    await kubectl.run(['apply', '-f', '-'], cm('watched-0', {}));
    const p = kubectl.spawn(['get', 'cm', '-n', ns, '-w']);
    t.teardown(() => {
      p.kill('SIGTERM');
    });
    let out = '';
    p.stdout!.on('data', (d) => (out += String(d)));
    await target.eventually(() => /watched-0/.test(out), 'initial list printed');
    await kubectl.run(['apply', '-f', '-'], cm('watched-1', { k: 'v' }));
    await target.eventually(() => /watched-1\s+1\s+\d+s/.test(out), 'the new object streamed');
    t.match(out.split('\n')[0], /^NAME\s+DATA\s+AGE$/);
    t.equal(out.split('\n').filter((l) => /^NAME/.test(l)).length, 1, 'one header');
  });

  t.test('-o wide shows the CRD printer columns with priority > 0', async (t) => {
    const crd = loadFixture('widgets-crd.yaml', { WEBHOOK_URL: 'https://127.0.0.1:1', CA_BUNDLE: 'eA==' });
    const G = 'conformance.example.com';
    crd.metadata.name = `gizmos.${G}`;
    crd.spec.names = { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo', listKind: 'GizmoList' };
    crd.spec.conversion = { strategy: 'None' };
    crd.spec.versions = [crd.spec.versions[0]];
    await kubectl.run(['delete', 'crd', crd.metadata.name, '--ignore-not-found']);
    const made = await kubectl.run(['apply', '-f', '-'], JSON.stringify(crd));
    t.equal(made.code, 0, made.stderr);
    t.teardown(() => kubectl.run(['delete', 'crd', crd.metadata.name, '--ignore-not-found', '--wait=false']));
    await kubectl.run(['wait', '--for=condition=Established', `crd/${crd.metadata.name}`, '--timeout=30s']);
    const g = await target.eventually(async () => {
      const r = await kubectl.run(
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: `${G}/v1`,
          kind: 'Gizmo',
          metadata: { name: 'g1', namespace: ns },
          spec: { image: 'mysql:8', replicas: 3 },
        }),
      );
      return r.code === 0 ? r : undefined;
    }, 'gizmo created');
    t.equal(g.stdout.trim(), `gizmo.${G}/g1 created`);
    await target.raw(
      'PATCH',
      `/apis/${G}/v1/namespaces/${ns}/gizmos/g1/status`,
      { status: { phase: 'Running' } },
      { 'content-type': 'application/merge-patch+json' },
    );
    const narrow = await kubectl.run(['get', 'gizmos', '-n', ns]);
    t.match(narrow.stdout.split('\n')[0], /^NAME\s+REPLICAS\s+SIZE\s+AGE$/);
    t.match(narrow.stdout.split('\n')[1], /^g1\s+3\s+small\s+\d+s$/);
    const wide = await kubectl.run(['get', 'gizmos', '-n', ns, '-o', 'wide']);
    t.match(wide.stdout.split('\n')[0], /^NAME\s+REPLICAS\s+SIZE\s+PHASE\s+AGE$/);
    t.match(wide.stdout.split('\n')[1], /^g1\s+3\s+small\s+Running\s+\d+s$/);
    const bad = await kubectl.run(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: `${G}/v1`,
        kind: 'Gizmo',
        metadata: { name: 'g2', namespace: ns },
        spec: { image: 'x', replicas: 99 },
      }),
    );
    t.equal(bad.code, 1);
    t.match(
      bad.stderr,
      /The Gizmo "g2" is invalid: spec\.replicas: Invalid value: 99: spec\.replicas in body should be less than or equal to 9/,
    );
  });

  t.test('kubectl apply -f crds/ and -k crds/ install the MysqlCluster CRD (server dry run)', async (t) => {
    const crds = join(import.meta.dirname, '..', '..', 'crds');
    const f = await kubectl.run(['apply', '-f', crds, '--dry-run=server']);
    t.equal(f.code, 0, f.stderr);
    t.equal(
      f.stdout.trim(),
      'customresourcedefinition.apiextensions.k8s.io/mysqlclusters.apps.ryansu.com created (server dry run)',
    );
    const k = await kubectl.run(['apply', '-k', crds, '--dry-run=server']);
    t.equal(k.code, 0, k.stderr);
    t.equal(k.stdout.trim(), f.stdout.trim());
  });

  t.test('kubectl create generators (protobuf bodies) create what they say', async (t) => {
    const nsName = `gen-${Date.now().toString(36)}`;
    const made = await kubectl.run(['create', 'namespace', nsName]);
    t.equal(made.stdout.trim(), `namespace/${nsName} created`, made.stderr);
    t.teardown(() => kubectl.run(['delete', 'namespace', nsName, '--wait=false']));
    const run = async (args: string[], out: string) => {
      const r = await kubectl.run([...args, '-n', ns]);
      t.equal(r.stdout.trim(), out, `${args.join(' ')}: ${r.stderr}`);
    };
    await run(
      ['create', 'configmap', 'gen-cm', '--from-literal=a=1', '--from-literal=b=two'],
      'configmap/gen-cm created',
    );
    await run(['create', 'secret', 'generic', 'gen-sec', '--from-literal=pw=s3cret'], 'secret/gen-sec created');
    await run(['create', 'serviceaccount', 'gen-sa'], 'serviceaccount/gen-sa created');
    await run(['create', 'service', 'clusterip', 'gen-svc', '--tcp=80:8080'], 'service/gen-svc created');
    await run(
      ['create', 'poddisruptionbudget', 'gen-pdb', '--selector=app=gen', '--min-available=1'],
      'poddisruptionbudget.policy/gen-pdb created',
    );
    const get = async (what: string) => JSON.parse((await kubectl.run(['get', what, '-n', ns, '-o', 'json'])).stdout);
    t.same((await get('cm/gen-cm')).data, { a: '1', b: 'two' });
    const sec = await get('secret/gen-sec');
    t.same(sec.data, { pw: Buffer.from('s3cret').toString('base64') });
    t.equal(sec.type, 'Opaque');
    const svc = await get('service/gen-svc');
    t.match(svc.spec.ports, [{ name: '80-8080', port: 80, protocol: 'TCP', targetPort: 8080 }]);
    t.same(svc.spec.selector, { app: 'gen-svc' });
    const pdb = await get('pdb/gen-pdb');
    t.equal(pdb.spec.minAvailable, 1);
    t.same(pdb.spec.selector, { matchLabels: { app: 'gen' } });
    const ns2 = await kubectl.run(['get', 'namespace', nsName, '-o', 'jsonpath={.status.phase}']);
    t.equal(ns2.stdout, 'Active');
    // RBAC and Deployments are served by the embedded server only once the local pod runner adds them.
    if ((await target.raw('GET', '/apis/rbac.authorization.k8s.io/v1')).status === 200) {
      await run(
        ['create', 'role', 'gen-role', '--verb=get,list', '--resource=configmaps'],
        'role.rbac.authorization.k8s.io/gen-role created',
      );
      await run(
        ['create', 'rolebinding', 'gen-rb', '--role=gen-role', `--serviceaccount=${ns}:gen-sa`],
        'rolebinding.rbac.authorization.k8s.io/gen-rb created',
      );
      const role = await get('role/gen-role');
      t.match(role.rules, [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }]);
      const rb = await get('rolebinding/gen-rb');
      t.same(rb.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'gen-role' });
      t.match(rb.subjects, [{ kind: 'ServiceAccount', name: 'gen-sa', namespace: ns }]);
    }
    if ((await target.raw('GET', '/apis/apps/v1')).json?.resources?.some((r: any) => r.name === 'deployments')) {
      await run(
        ['create', 'deployment', 'gen-deploy', '--image=busybox:1', '--replicas=0'],
        'deployment.apps/gen-deploy created',
      );
      const d = await get('deployment/gen-deploy');
      t.equal(d.spec.replicas, 0, 'a pointer field keeps its zero');
      t.match(d.spec.template.spec.containers, [{ name: 'busybox', image: 'busybox:1' }]);
    }
  });
}
