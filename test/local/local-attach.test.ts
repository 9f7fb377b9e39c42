// `local --kubeconfig FILE` attaches this machine, as a Node, to an API server that is already running
// (here an embedded one started by the test, standing in for a real cluster or another `local`).
// With --no-controllers the scheduler and the workload controllers are left to that control plane: a pod
// bound to the Node runs, an unbound one stays Pending. Logs go API server -> Node -> kubelet as usual.
import '../support/apiserver/node20-shim.ts';
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer } from '../../src/local/apiserver/server.ts';
import { kubectlRunner, kubectlVersion } from '../support/apiserver/kubectl.ts';
import { eventually } from '../support/eventually.ts';
import { processesUnder } from '../support/processes.ts';

// A whole `local` start with real processes: on a busy 2-core machine that can take minutes.
t.setTimeout(900_000);

if (!kubectlVersion()) {
  t.test('local --kubeconfig', { skip: 'kubectl not found on PATH (hack/install-kubectl.sh)' }, () => {});
} else {
  const dir = mkdtempSync(join(tmpdir(), 'mro-attach-'));
  const api = await startApiServer({});
  const kubeconfig = join(dir, 'cluster-kubeconfig');
  writeFileSync(kubeconfig, api.kubeconfig());
  const dataDir = join(dir, 'node');
  const proc: ChildProcess = spawn(
    process.execPath,
    [
      join(import.meta.dirname, '..', '..', 'bin', 'mysql-raft-operator.js'),
      'local',
      '--kubeconfig',
      kubeconfig,
      '--no-manager',
      '--no-controllers',
      '--node-name',
      'attached-node',
      '--data-dir',
      dataDir,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  t.teardown(async () => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const kubectl = kubectlRunner(kubeconfig);
  const pod = (name: string, nodeName?: string) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        ...(nodeName ? { nodeName } : {}),
        containers: [
          { name: 'c', image: 'busybox:1.36', command: ['sh', '-c', `echo hello from ${name}; exec sleep 3600`] },
        ],
      },
    });

  t.test('the machine joins as a Node and runs the pods bound to it', async (t) => {
    await eventually(() => out.includes('is running'), 'local to attach', 120_000, 200);
    t.notOk(out.includes(`export KUBECONFIG=${join(dataDir, 'kubeconfig')}`), 'no embedded server of its own');
    const node = await kubectl.run(['get', 'node', 'attached-node']);
    t.match(node.stdout, /attached-node\s+Ready/);
    t.equal((await kubectl.run(['apply', '-f', '-'], pod('bound', 'attached-node'))).code, 0);
    t.equal((await kubectl.run(['apply', '-f', '-'], pod('unbound'))).code, 0);
    await eventually(
      async () => (await kubectl.run(['get', 'pod', 'bound', '-o', 'jsonpath={.status.phase}'])).stdout === 'Running',
      'bound pod running',
      60_000,
      200,
    );
    const logs = await eventually(
      async () => (await kubectl.run(['logs', 'bound'])).stdout.trim(),
      'logs',
      30_000,
      200,
    );
    t.equal(logs, 'hello from bound', 'logs through the API server and the Node kubelet endpoint');
    const unbound = await kubectl.run(['get', 'pod', 'unbound', '-o', 'jsonpath={.status.phase}/{.spec.nodeName}']);
    t.equal(unbound.stdout, 'Pending/', 'no scheduler with --no-controllers');
  });

  t.test('SIGTERM stops its pods and marks the Node not ready', async (t) => {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    t.equal(await exited, 0);
    t.same(processesUnder(dataDir), []);
    const node = await kubectl.run(['get', 'node', 'attached-node']);
    t.match(node.stdout, /attached-node\s+NotReady/);
  });
}
