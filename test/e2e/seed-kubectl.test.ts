// The seed README's kubectl flows, as a user runs them: the `dev` overlay built by kustomize, its CRD
// and webhook configurations applied with kubectl to the embedded API server, which calls our webhook
// server over HTTPS (caBundle verified) for admission and for v1 <-> v2alpha1 conversion.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startApiServer } from '../../src/local/apiserver/server.ts';
import { silentLogger } from '../../src/util/log.ts';
import { startWebhookServer } from '../../webhooks/server.ts';
import { kubectlRunner, kubectlVersion } from '../support/apiserver/kubectl.ts';
import { build, root, scratchCopy } from '../kustomize/build.ts';

if (!kubectlVersion()) {
  t.fail('kubectl not found on PATH: run hack/install-kubectl.sh (npm test does)');
} else {
  const scratch = scratchCopy();
  t.teardown(() => scratch.cleanup());
  const objects = build(join(scratch.dir, 'kustomize', 'overlays', 'dev'));
  const wanted = new Set([
    'Namespace',
    'CustomResourceDefinition',
    'MutatingWebhookConfiguration',
    'ValidatingWebhookConfiguration',
  ]);
  const install = objects.filter((o) => wanted.has(o.kind));

  const webhooks = await startWebhookServer({
    certDir: join(scratch.dir, 'kustomize', 'overlays', 'dev', 'certs-made-by-npm-run-gen-certs'),
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger(),
  });
  t.teardown(() => webhooks.close());
  const api = await startApiServer({
    serviceResolver: (svc) =>
      svc.name === 'mysql-operator-webhook-service' && svc.namespace === 'mysql-operator-system'
        ? new URL(`https://127.0.0.1:${webhooks.port}`)
        : undefined,
  });
  t.teardown(() => api.close());
  const kubeconfig = join(scratch.dir, 'kubeconfig');
  writeFileSync(kubeconfig, api.kubeconfig('default'));
  const kubectl = kubectlRunner(kubeconfig);
  const sample = readFileSync(join(root, 'kustomize', 'samples', 'mysql-cluster.yaml'), 'utf8');
  const withSpec = (name: string, spec: Record<string, unknown>) =>
    JSON.stringify({
      apiVersion: 'apps.ryansu.com/v1',
      kind: 'MysqlCluster',
      metadata: { name, namespace: 'default' },
      spec: {
        image: 'mysql:5.7',
        replicas: 3,
        masterService: `${name}-master`,
        slaveService: `${name}-slave`,
        storage: { size: '10Gi' },
        ...spec,
      },
    });

  t.test('the dev overlay installs with kubectl apply', async (t) => {
    t.same(install.map((o) => o.kind).sort(), [...wanted].sort(), 'the overlay has every kind the API server needs');
    // What `kustomize build | kubectl apply -f -` pipes: multi-document YAML.
    const r = await kubectl.run(['apply', '-f', '-'], install.map((o) => stringify(o)).join('---\n'));
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, 'customresourcedefinition.apiextensions.k8s.io/mysqlclusters.apps.ryansu.com created');
    const w = await kubectl.run([
      'wait',
      '--for=condition=Established',
      'crd/mysqlclusters.apps.ryansu.com',
      '--timeout=30s',
    ]);
    t.equal(w.code, 0, w.stderr);
  });

  t.test('kubectl apply -f mysql-cluster.yaml: created, with defaults filled by the mutating webhook', async (t) => {
    const r = await kubectl.run(['apply', '-f', '-'], sample);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout.trim(), 'mysqlcluster.apps.ryansu.com/mysql-raft-cluster created');
    const got = JSON.parse((await kubectl.run(['get', 'mysqlcluster', 'mysql-raft-cluster', '-o', 'json'])).stdout);
    t.equal(got.spec.raft.electionTimeout, '3s');
    t.equal(got.spec.raft.heartbeatInterval, '300ms');
    t.equal(got.spec.raft.logBatchSize, 100);
    t.equal(got.spec.semiSync.enabled, true);
    t.equal(got.spec.masterService, 'mysql-master', 'the seed fields are kept as written');
    const again = await kubectl.run(['apply', '-f', '-'], sample);
    t.equal(again.stdout.trim(), 'mysqlcluster.apps.ryansu.com/mysql-raft-cluster unchanged');
  });

  t.test("a bad spec is denied in kubectl's words, every violation listed", async (t) => {
    // Rules the CRD's CEL cannot express reach the webhook, which lists every violation at once.
    const r = await kubectl.run(
      ['apply', '-f', '-'],
      withSpec('bad', { replicas: 11, raft: { electionTimeout: '90s', heartbeatInterval: '2s' } }),
    );
    t.equal(r.code, 1);
    t.match(
      r.stderr,
      /^Error from server \(Forbidden\): error when creating "STDIN": admission webhook "vmysqlcluster\.apps\.ryansu\.com" denied the request: MysqlCluster "bad" is invalid: 2 violations: \[/,
    );
    t.match(r.stderr, 'spec.replicas: Invalid value: 11: an odd number from 1 to 9');
    t.match(r.stderr, 'spec.raft.electionTimeout: Invalid value: "90s"');
    t.equal((await kubectl.run(['get', 'mysqlcluster', 'bad'])).code, 1, 'nothing was stored');
  });

  t.test('the CRD itself (CEL) refuses even replicas and a slow heartbeat before any webhook runs', async (t) => {
    const r = await kubectl.run(
      ['apply', '-f', '-'],
      withSpec('bad', { replicas: 4, raft: { electionTimeout: '3s', heartbeatInterval: '2s' } }),
    );
    t.equal(r.code, 1);
    t.match(r.stderr, 'The MysqlCluster "bad" is invalid:');
    t.match(r.stderr, '* spec: Invalid value: "object": replicas must be odd (1, 3, 5, 7 or 9)');
    t.match(r.stderr, '* spec.raft: Invalid value: "object": heartbeatInterval must be at most electionTimeout/3');
  });

  t.test('discouraged settings are accepted with kubectl Warning lines', async (t) => {
    const r = await kubectl.run(['apply', '-f', '-'], withSpec('single', { replicas: 1 }));
    t.equal(r.code, 0, r.stderr);
    t.match(r.stderr, /^Warning: .*spec\.replicas.*1.*failover/m);
    await kubectl.run(['delete', 'mysqlcluster', 'single']);
  });

  t.test('get -o wide and the jsonpath queries read the status the operator writes', async (t) => {
    const status = {
      phase: 'Running',
      raftLeader: 'mysql-raft-cluster-1',
      raftTerm: 3,
      master: 'mysql-raft-cluster-1',
      slaves: ['mysql-raft-cluster-0', 'mysql-raft-cluster-2'],
      electionCount: 2,
      observedGeneration: 1,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'LeaderElected',
          message: 'leader elected, 2 replicas in sync',
          lastTransitionTime: '2026-11-26T00:00:00Z',
          observedGeneration: 1,
        },
      ],
    };
    const p = await kubectl.run([
      'patch',
      'mysqlcluster',
      'mysql-raft-cluster',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status }),
    ]);
    t.equal(p.code, 0, p.stderr);
    const wide = (await kubectl.run(['get', 'mysqlcluster', 'mysql-raft-cluster', '-o', 'wide'])).stdout.split('\n');
    t.match(wide[0], /^NAME\s+READY\s+LEADER\s+TERM\s+REPLICAS\s+AGE\s+MASTER\s+PHASE\s+IMAGE$/);
    t.match(
      wide[1],
      /^mysql-raft-cluster\s+True\s+mysql-raft-cluster-1\s+3\s+3\s+\d+s\s+mysql-raft-cluster-1\s+Running\s+mysql:5\.7$/,
    );
    const leader = await kubectl.run([
      'get',
      'mysqlcluster',
      'mysql-raft-cluster',
      '-o',
      'jsonpath={.status.raftLeader}',
    ]);
    t.equal(leader.stdout, 'mysql-raft-cluster-1');
    const all = await kubectl.run([
      'get',
      'mysqlcluster',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}: {.status.raftLeader}{"\\n"}{end}',
    ]);
    t.equal(all.stdout, 'mysql-raft-cluster: mysql-raft-cluster-1\n');
    const slaves = await kubectl.run(['get', 'mysqlcluster', 'mysql-raft-cluster', '-o', 'jsonpath={.status.slaves}']);
    t.same(JSON.parse(slaves.stdout), status.slaves);
  });

  t.test('kubectl scale: refused through the scale subresource, with the reason', async (t) => {
    const five = await kubectl.run(['scale', 'mysqlcluster', 'mysql-raft-cluster', '--replicas=5']);
    t.equal(five.code, 1);
    t.match(five.stderr, /spec\.replicas: Invalid value: 5: 3 \(unchanged\): changing the member count/);
    const bad = await kubectl.run(['scale', 'mysqlcluster', 'mysql-raft-cluster', '--replicas=11']);
    t.equal(bad.code, 1);
    t.match(
      bad.stderr,
      /admission webhook "vmysqlcluster\.apps\.ryansu\.com" denied the request: .*spec\.replicas: Invalid value: 11/,
    );
    const even = await kubectl.run(['scale', 'mysqlcluster', 'mysql-raft-cluster', '--replicas=4']);
    t.equal(even.code, 1);
    t.match(even.stderr, 'spec: Invalid value: "object": replicas must be odd', 'CEL refuses it first');
    const n = await kubectl.run(['get', 'mysqlcluster', 'mysql-raft-cluster', '-o', 'jsonpath={.spec.replicas}']);
    t.equal(n.stdout, '3');
  });

  t.test('an update that changes an immutable field is denied against the old object', async (t) => {
    const r = await kubectl.run([
      'patch',
      'mysqlcluster',
      'mysql-raft-cluster',
      '--type=merge',
      '-p',
      '{"spec":{"storage":{"size":"5Gi"}}}',
    ]);
    t.equal(r.code, 1);
    t.match(r.stderr, 'spec.storage: Invalid value: "object": storage.size may grow but never shrink');
    const cls = await kubectl.run([
      'patch',
      'mysqlcluster',
      'mysql-raft-cluster',
      '--type=merge',
      '-p',
      '{"spec":{"storage":{"storageClassName":"fast"}}}',
    ]);
    t.equal(cls.code, 1);
    t.match(cls.stderr, /denied the request: .*spec\.storage\.storageClassName: Invalid value: "fast"/);
  });

  t.test('v2alpha1 is served through the conversion webhook, both ways', async (t) => {
    const v2 = await kubectl.run([
      'get',
      'mysqlclusters.v2alpha1.apps.ryansu.com',
      'mysql-raft-cluster',
      '-o',
      'jsonpath={.apiVersion} {.spec.primaryService} {.spec.replicaService}',
    ]);
    t.equal(v2.code, 0, v2.stderr);
    t.equal(v2.stdout, 'apps.ryansu.com/v2alpha1 mysql-master mysql-slave');
    const made = await kubectl.run(['apply', '-f', join(root, 'kustomize', 'samples', 'mysql-cluster-v2alpha1.yaml')]);
    t.equal(made.code, 0, made.stderr);
    const v1 = await kubectl.run([
      'get',
      'mysqlclusters.v1.apps.ryansu.com',
      'mysql-v2',
      '-o',
      'jsonpath={.spec.masterService} {.spec.raft.electionTimeout}',
    ]);
    t.equal(v1.stdout, 'mysql-v2-primary 4s');
  });

  t.test('ratcheting: kubectl label works on an object stored before the validating webhook existed', async (t) => {
    const vwc = install.find((o) => o.kind === 'ValidatingWebhookConfiguration')!;
    t.equal((await kubectl.run(['delete', 'validatingwebhookconfiguration', vwc.metadata.name])).code, 0);
    // replicas 11 passes the CRD's CEL rules (odd) but not the webhook's range (1..9).
    const early = await kubectl.run(['apply', '-f', '-'], withSpec('early', { replicas: 11 }));
    t.equal(early.code, 0, early.stderr);
    const back = await kubectl.run(['apply', '-f', '-'], stringify(vwc));
    t.equal(back.code, 0, back.stderr);
    const denied = await kubectl.run(['apply', '-f', '-'], withSpec('late', { replicas: 11 }));
    t.equal(denied.code, 1, 'a new object with the same spec is denied');
    const label = await kubectl.run(['label', 'mysqlcluster', 'early', 'team=db']);
    t.equal(label.code, 0, label.stderr);
    t.equal(label.stdout.trim(), 'mysqlcluster.apps.ryansu.com/early labeled');
    const touch = await kubectl.run([
      'patch',
      'mysqlcluster',
      'early',
      '--type=merge',
      '-p',
      '{"spec":{"replicas":13}}',
    ]);
    t.equal(touch.code, 1, 'changing the offending field to another bad value is denied');
    t.match(touch.stderr, 'spec.replicas: Invalid value: 13');
  });
}
