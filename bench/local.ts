// Figures of `mysql-raft-operator local`, run as a user runs it (the CLI in its own process). Until the
// reconciler and the agent land, the cluster is a hand-written 3-pod MariaDB StatefulSet
// (test/local/kubelet/fixtures/mariadb-statefulset.yaml scaled to 3), so:
//   apply_to_ready_ms          kubectl apply -> StatefulSet 3/3 Ready (OrderedReady, real mariadbd)
//   rss_mb                     RSS of `local` and every process it started, with the 3 pods running
//   pod_recreate_ms            kubectl delete pod db-0 -> a new db-0 Ready (graceful stop + restart)
//   delete_primary_to_write_ms null: needs the agent and the reconciler (a primary and a failover)
// Last stdout line: one JSON object with those keys.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'mro-bench-local-'));
const kubeconfig = join(dir, 'kubeconfig');

function kubectl(args: string[], input?: string): string {
  return execFileSync('kubectl', [`--kubeconfig=${kubeconfig}`, ...args], { encoding: 'utf8', input });
}

async function until(what: string, fn: () => boolean, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function rssMb(pid: number): number {
  let kb = 0;
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (Number(p) !== pid && !cmd.includes(dir)) continue;
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      kb += Number(m?.[1] ?? 0);
    } catch {
      // Gone meanwhile.
    }
  }
  return Math.round(kb / 1024);
}

const ready = (name: string) => () => {
  try {
    return kubectl(['get', 'pod', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']) === 'True';
  } catch {
    return false;
  }
};

const proc = spawn(process.execPath, [join(root, 'bin', 'mysql-raft-operator.js'), 'local', '--data-dir', dir], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
try {
  await until('local to start', () => out.includes('export KUBECONFIG='));
  const manifest = readFileSync(
    join(root, 'test', 'local', 'kubelet', 'fixtures', 'mariadb-statefulset.yaml'),
    'utf8',
  ).replace('replicas: 2', 'replicas: 3');
  const t0 = Date.now();
  kubectl(['apply', '-f', '-'], manifest);
  await until('3/3 ready', () => kubectl(['get', 'sts', 'db', '-o', 'jsonpath={.status.readyReplicas}']) === '3');
  const applyToReady = Date.now() - t0;
  const rss = rssMb(proc.pid!);
  const uid = kubectl(['get', 'pod', 'db-0', '-o', 'jsonpath={.metadata.uid}']);
  const t1 = Date.now();
  kubectl(['delete', 'pod', 'db-0', '--wait=false']);
  await until(
    'db-0 back',
    () => kubectl(['get', 'pod', 'db-0', '-o', 'jsonpath={.metadata.uid}']) !== uid && ready('db-0')(),
  );
  const recreate = Date.now() - t1;
  process.stdout.write(`apply->3/3 Ready ${applyToReady} ms, RSS ${rss} MB, pod recreate ${recreate} ms\n`);
  process.stdout.write(
    `${JSON.stringify({ apply_to_ready_ms: applyToReady, rss_mb: rss, pod_recreate_ms: recreate, delete_primary_to_write_ms: null })}\n`,
  );
} finally {
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
}
