// `make deploy` against `mysql-raft-operator local --no-manager`, as on a real cluster: kustomize's dev
// overlay applied with kubectl (namespace, CRD, RBAC, Deployment, Services, webhooks), the manager runs
// as a pod of the local kubelet, the API server reaches its webhooks through the webhook Service's
// clusterIP, a bad MysqlCluster is refused, `kubectl logs deployment/...` reads the manager, and
// re-applying the overlay changes nothing it should keep.
import '../support/apiserver/node20-shim.ts';
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { kubectlRunner, kubectlVersion } from '../support/apiserver/kubectl.ts';
import { eventually } from '../support/eventually.ts';
import { processesUnder } from '../support/processes.ts';
import { build, root, scratchCopy } from '../kustomize/build.ts';

// Several starts of whole systems with real processes: on a busy 2-core machine that can take minutes.
t.setTimeout(900_000);

if (!kubectlVersion()) {
  t.fail('kubectl not found on PATH: run hack/install-kubectl.sh (npm test does)');
} else {
  const scratch = scratchCopy();
  const dir = mkdtempSync(join(tmpdir(), 'mro-localdeploy-'));
  const proc: ChildProcess = spawn(
    process.execPath,
    [join(root, 'bin', 'mysql-raft-operator.js'), 'local', '--no-manager', '--data-dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  t.teardown(async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    const left = processesUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    scratch.cleanup();
    if (left.length) throw new Error(`processes left behind: ${left.join('\n')}`);
  });
  await eventually(() => out.includes('export KUBECONFIG='), 'local to start', 120_000, 200);
  const kubectl = kubectlRunner(join(dir, 'kubeconfig'));
  const overlay = build(join(scratch.dir, 'kustomize', 'overlays', 'dev'))
    .map((o) => {
      // What hack/deploy.sh does with IMG: the manager image is the operator image.
      if (o.kind === 'Deployment') o['spec'].template.spec.containers[0].image = 'mysql-raft-operator:dev';
      return stringify(o);
    })
    .join('---\n');
  const ns = 'mysql-operator-system';

  t.test('the overlay applies and the manager runs as a Deployment pod', async (t) => {
    const applied = await kubectl.run(['apply', '-f', '-'], overlay);
    t.equal(applied.code, 0, applied.stderr);
    await eventually(
      async () => {
        const r = await kubectl.run([
          'get',
          'deploy',
          '-n',
          ns,
          'mysql-operator-controller-manager',
          '-o',
          'jsonpath={.status.availableReplicas}',
        ]);
        return r.stdout === '1';
      },
      'manager Deployment available',
      120_000,
      500,
    );
    const logs = await kubectl.run(['logs', '-n', ns, 'deployment/mysql-operator-controller-manager']);
    t.match(logs.stdout, /webhook server listening/);
    const ep = await kubectl.run([
      'get',
      'endpoints',
      '-n',
      ns,
      'mysql-operator-webhook-service',
      '-o',
      'jsonpath={.subsets[0].addresses[0].ip}',
    ]);
    t.match(ep.stdout, /^127\.244\./);
  });

  t.test('admission goes through the webhook Service to the manager pod', async (t) => {
    const bad = await kubectl.run(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'apps.ryansu.com/v1',
        kind: 'MysqlCluster',
        metadata: { name: 'bad', namespace: 'default' },
        spec: { replicas: 2 },
      }),
    );
    t.equal(bad.code, 1);
    t.match(bad.stderr, /MysqlCluster "bad" is invalid/);
    const sample = await kubectl.run(['apply', '-f', join(root, 'kustomize', 'samples', 'mysql-cluster.yaml')]);
    t.equal(sample.code, 0, sample.stderr);
    const v2 = await kubectl.run([
      'get',
      'mysqlclusters.v2alpha1.apps.ryansu.com',
      '-o',
      'jsonpath={.items[0].apiVersion}',
    ]);
    t.equal(v2.stdout, 'apps.ryansu.com/v2alpha1', 'conversion webhook through the Service');
  });

  t.test('re-applying the overlay keeps the webhook configurations whole', async (t) => {
    const again = await kubectl.run(['apply', '-f', '-'], overlay);
    t.equal(again.code, 0, again.stderr);
    const cfg = JSON.parse(
      (
        await kubectl.run([
          'get',
          'validatingwebhookconfiguration',
          'mysql-operator-validating-webhook-configuration',
          '-o',
          'json',
        ])
      ).stdout,
    );
    t.equal(cfg.webhooks[0].clientConfig.service.name, 'mysql-operator-webhook-service');
    t.ok(cfg.webhooks[0].clientConfig.caBundle, 'caBundle kept');
    t.equal(cfg.webhooks[0].sideEffects, 'None');
  });
}
