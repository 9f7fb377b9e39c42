// `mysql-raft-operator local` as a user runs it: it writes DIR/kubeconfig, registers the webhooks (a bad
// MysqlCluster is refused at apply time), runs pods; SIGTERM stops every process it started, and a
// restart on the same data dir brings the pods back with their data.
import '../support/apiserver/node20-shim.ts';
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectlRunner, kubectlVersion } from '../support/apiserver/kubectl.ts';
import { eventually } from '../support/eventually.ts';
import { processesUnder } from '../support/processes.ts';

const root = join(import.meta.dirname, '..', '..');

function startLocal(dir: string): { proc: ChildProcess; output: () => string } {
  const proc = spawn(process.execPath, [join(root, 'bin', 'mysql-raft-operator.js'), 'local', '--data-dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { proc, output: () => out };
}

async function stop(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null) return proc.exitCode;
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  proc.kill('SIGTERM');
  return exited;
}

// Several starts of whole systems with real processes: on a busy 2-core machine that can take minutes.
t.setTimeout(900_000);

const version = kubectlVersion();
if (!version) {
  t.test('local command', { skip: 'kubectl not found on PATH (hack/install-kubectl.sh)' }, () => {});
} else {
  const dir = mkdtempSync(join(tmpdir(), 'mro-localcmd-'));
  let current: ChildProcess | undefined;
  t.teardown(async () => {
    if (current) await stop(current);
    rmSync(dir, { recursive: true, force: true });
  });
  const kubeconfig = join(dir, 'kubeconfig');
  const kubectl = kubectlRunner(kubeconfig);
  const podReady = async (name: string) => {
    const r = await kubectl.run(['get', 'pod', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
    return r.stdout === 'True';
  };
  const pod = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'sleeper' },
    spec: {
      terminationGracePeriodSeconds: 5,
      containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'echo started; exec sleep 3600'] }],
    },
  });

  t.test('starts, prints the next commands, and has the webhooks registered', async (t) => {
    const l = startLocal(dir);
    current = l.proc;
    await eventually(() => l.output().includes('export KUBECONFIG='), 'local to print its next steps', 90_000, 200);
    t.match(l.output(), `export KUBECONFIG=${kubeconfig}`);
    t.ok(existsSync(kubeconfig));
    const bad = await kubectl.run(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'apps.ryansu.com/v1',
        kind: 'MysqlCluster',
        metadata: { name: 'bad' },
        spec: { replicas: 2 },
      }),
    );
    t.equal(bad.code, 1, 'the validating webhook refuses a bad spec');
    t.match(bad.stderr, /MysqlCluster "bad" is invalid/);
    const applied = await kubectl.run(['apply', '-f', '-'], pod);
    t.equal(applied.code, 0, applied.stderr);
    await eventually(() => podReady('sleeper'), 'sleeper ready', 60_000, 200);
  });

  t.test('SIGTERM stops every process it started', async (t) => {
    t.ok(processesUnder(dir).length > 0, 'the pod runs as a process mentioning the data dir');
    const code = await stop(current!);
    current = undefined;
    t.equal(code, 0);
    t.same(processesUnder(dir), [], 'no process left behind');
  });

  t.test('a restart on the same data dir brings the pod back', async (t) => {
    const l = startLocal(dir);
    current = l.proc;
    await eventually(() => l.output().includes('export KUBECONFIG='), 'local to start again', 90_000, 200);
    await eventually(() => podReady('sleeper'), 'sleeper ready again', 60_000, 200);
    const logs = await kubectl.run(['logs', 'sleeper']);
    t.equal(logs.stdout.trim(), 'started');
    const prev = await kubectl.run(['logs', 'sleeper', '--previous']);
    t.equal(prev.stdout.trim(), 'started', 'the previous run is the previous container');
    t.equal(await stop(current), 0);
    current = undefined;
    t.same(processesUnder(dir), []);
  });
}
