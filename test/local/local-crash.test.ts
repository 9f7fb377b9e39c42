// No orphans even when `local` does not get to stop cleanly: when the process that started it dies
// (a killed `make run`), `local` notices and stops everything; when `local` itself is SIGKILLed, its pods'
// processes survive it, and the next start on the same data dir kills them before running the pods again.
import '../support/apiserver/node20-shim.ts';
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectlRunner, kubectlVersion } from '../support/apiserver/kubectl.ts';
import { eventually } from '../support/eventually.ts';
import { processesUnder } from '../support/processes.ts';

const root = join(import.meta.dirname, '..', '..');
const entry = join(root, 'bin', 'mysql-raft-operator.js');

function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`) && !/State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
}

function sleeperPids(dir: string): number[] {
  const pods = join(dir, 'pods');
  if (!existsSync(pods)) return [];
  const out: number[] = [];
  for (const p of readdirSync(pods)) {
    const f = join(pods, p, 'run', 'c.pid');
    if (existsSync(f)) out.push(Number(readFileSync(f, 'utf8').trim()));
  }
  return out;
}

// Several starts of whole systems with real processes: on a busy 2-core machine that can take minutes.
t.setTimeout(900_000);

if (!kubectlVersion()) {
  t.test('local without a clean stop', { skip: 'kubectl not found on PATH (hack/install-kubectl.sh)' }, () => {});
} else {
  const dir = mkdtempSync(join(tmpdir(), 'mro-localcrash-'));
  const started: ChildProcess[] = [];
  t.teardown(async () => {
    for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    // Whatever a killed `local` left: the next start's job, done here by hand if a check failed.
    for (const line of processesUnder(dir)) {
      try {
        process.kill(Number(line.split(' ')[0]), 'SIGKILL');
      } catch {
        // Gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const kubectl = kubectlRunner(join(dir, 'kubeconfig'));
  const ready = async () =>
    (await kubectl.run(['get', 'pod', 'sleeper', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']))
      .stdout === 'True';
  const pod = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'sleeper' },
    spec: { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'] }] },
  });
  const waitForStart = (p: ChildProcess) => {
    let out = '';
    p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    return eventually(() => out.includes('export KUBECONFIG='), 'local to start', 120_000, 200);
  };

  t.test('when its parent dies, local stops everything it started', async (t) => {
    // A shell plays `make`: it starts local and is then killed without passing any signal on.
    const parent = spawn('sh', ['-c', `"${process.execPath}" "${entry}" local --data-dir "${dir}" & wait`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    started.push(parent);
    await waitForStart(parent);
    t.equal((await kubectl.run(['apply', '-f', '-'], pod)).code, 0);
    await eventually(ready, 'sleeper ready', 60_000, 200);
    t.ok(processesUnder(dir).length > 0);
    parent.kill('SIGKILL');
    await eventually(() => processesUnder(dir).length === 0, 'local and its pods to stop', 60_000, 200);
    t.pass('nothing left behind');
  });

  t.test('after a SIGKILL of local, the next start kills what the last one left', async (t) => {
    const first = spawn(process.execPath, [entry, 'local', '--data-dir', dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    started.push(first);
    await waitForStart(first);
    await eventually(ready, 'sleeper ready', 60_000, 200);
    const [orphan] = sleeperPids(dir);
    t.ok(orphan && alive(orphan), 'the pod runs as a process');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    t.ok(alive(orphan!), 'a SIGKILLed local cannot stop its pods');
    const second = spawn(process.execPath, [entry, 'local', '--data-dir', dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    started.push(second);
    await waitForStart(second);
    await eventually(() => !alive(orphan!), 'the orphan killed', 30_000, 100);
    await eventually(ready, 'sleeper ready again', 60_000, 200);
    const exited = new Promise((r) => second.once('exit', r));
    second.kill('SIGTERM');
    await exited;
    t.same(processesUnder(dir), [], 'nothing left behind');
  });
}
