// Figures of `mysql-raft-operator local` with the seed manifest (3 members, real mariadbd and agents),
// run as a user runs it (the CLI in its own process, kubectl against its kubeconfig):
//   apply_to_ready_ms           kubectl apply -> the MysqlCluster's Ready condition True
//   rss_mb                      RSS of `local` and every process under it (mysqld x3, agents x3), Ready
//   delete_primary_to_write_ms  kubectl delete pod <primary> -> the first write through the master
//                               Service's clusterIP committed on another member (a writer tries every 20 ms)
//   longest_write_gap_ms        the longest time between two successful writes of that writer, over the
//                               whole failover (writes on the old primary during its handover count)
//   new_master_in_status_ms     kubectl delete pod <primary> -> status.master names another pod
// Last stdout line: one JSON object with those keys.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'mro-bench-'));
const kubeconfig = join(dir, 'kubeconfig');
const NAME = 'mysql-raft-cluster';

function kubectl(args: string[], input?: string): string {
  return execFileSync('kubectl', [`--kubeconfig=${kubeconfig}`, ...args], { encoding: 'utf8', input });
}

function tryKubectl(args: string[]): string {
  try {
    return kubectl(args);
  } catch {
    return '';
  }
}

async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs = 300_000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** RSS of `pid` and all its descendants (the pods' processes run in their own groups, but are its children). */
function treeRssMb(pid: number): number {
  const parent = new Map<number, number>();
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      parent.set(Number(p), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const inTree = (p: number): boolean => {
    for (let q: number | undefined = p, n = 0; q && n < 64; q = parent.get(q), n++) if (q === pid) return true;
    return false;
  };
  let kb = 0;
  for (const p of parent.keys()) {
    if (!inTree(p)) continue;
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Gone meanwhile.
    }
  }
  return Math.round(kb / 1024);
}

const clusterReady = () =>
  tryKubectl(['get', 'mysqlcluster', NAME, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']) ===
  'True';

/** Writes through `host` every 20 ms; records when each write succeeded and on which server. */
class Writer {
  readonly ok: { at: number; serverId: number }[] = [];
  private conn: { c: Connection; serverId: number } | undefined;
  private stopped = false;
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly host: string,
    private readonly password: string,
  ) {}

  start(): void {
    this.done = this.loop();
  }

  private async connect(): Promise<{ c: Connection; serverId: number }> {
    const c = await createConnection({
      host: this.host,
      port: 3306,
      user: 'root',
      password: this.password,
      connectTimeout: 1000,
    });
    const [rows] = await c.query('SELECT @@server_id AS id');
    return { c, serverId: Number((rows as { id: number }[])[0]!.id) };
  }

  private async loop(): Promise<void> {
    let n = 0;
    while (!this.stopped) {
      try {
        this.conn ??= await this.connect();
        await this.conn.c.query({ sql: 'INSERT INTO bench.w (n) VALUES (?)', timeout: 1000 }, [n++]);
        this.ok.push({ at: Date.now(), serverId: this.conn.serverId });
      } catch {
        this.conn?.c.destroy();
        this.conn = undefined;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    this.conn?.c.destroy();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

const proc = spawn(process.execPath, [join(root, 'bin', 'mysql-raft-operator.js'), 'local', '--data-dir', dir], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
let out = '';
proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
try {
  await until('local to start', () => out.includes('export KUBECONFIG='));
  const t0 = Date.now();
  kubectl(['apply', '-f', join(root, 'kustomize', 'samples', 'mysql-cluster.yaml')]);
  await until('the cluster Ready', clusterReady);
  const applyToReady = Date.now() - t0;
  const rss = treeRssMb(proc.pid!);
  const password = Buffer.from(
    kubectl(['get', 'secret', `${NAME}-credentials`, '-o', "jsonpath={.data['root-password']}"]),
    'base64',
  ).toString('utf8');
  const masterIP = kubectl(['get', 'svc', 'mysql-master', '-o', 'jsonpath={.spec.clusterIP}']);
  const setup = await createConnection({ host: masterIP, port: 3306, user: 'root', password });
  await setup.query('CREATE DATABASE IF NOT EXISTS bench');
  await setup.query('CREATE TABLE IF NOT EXISTS bench.w (id INT AUTO_INCREMENT PRIMARY KEY, n INT)');
  const [sid] = await setup.query('SELECT @@server_id AS id');
  const oldServer = Number((sid as { id: number }[])[0]!.id);
  await setup.end();
  const writer = new Writer(masterIP, password);
  writer.start();
  await until('the writer writing', () => writer.ok.length >= 5, 30_000, 20);
  const old = kubectl(['get', 'mysqlcluster', NAME, '-o', 'jsonpath={.status.master}']);
  const t1 = Date.now();
  kubectl(['delete', 'pod', old, '--wait=false']);
  let inStatus = 0;
  await until(
    'a write on a new primary',
    () => {
      if (!inStatus) {
        const m = tryKubectl(['get', 'mysqlcluster', NAME, '-o', 'jsonpath={.status.master}']);
        if (m && m !== old) inStatus = Date.now() - t1;
      }
      return writer.ok.some((w) => w.at >= t1 && w.serverId !== oldServer);
    },
    120_000,
    20,
  );
  const firstNew = writer.ok.find((w) => w.at >= t1 && w.serverId !== oldServer)!.at;
  await until(
    'the new master in status',
    () => {
      if (inStatus) return true;
      const m = tryKubectl(['get', 'mysqlcluster', NAME, '-o', 'jsonpath={.status.master}']);
      if (m && m !== old) inStatus = Date.now() - t1;
      return inStatus > 0;
    },
    60_000,
    100,
  );
  await writer.stop();
  const times = writer.ok.map((w) => w.at);
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  const figures = {
    apply_to_ready_ms: applyToReady,
    rss_mb: rss,
    delete_primary_to_write_ms: firstNew - t1,
    longest_write_gap_ms: gap,
    new_master_in_status_ms: inStatus,
  };
  process.stdout.write(
    `apply->Ready ${applyToReady} ms, RSS ${rss} MB, delete ${old} -> write on the new primary ${figures.delete_primary_to_write_ms} ms ` +
      `(longest write gap ${gap} ms), new master in status after ${inStatus} ms\n`,
  );
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} catch (e) {
  process.stderr.write(`${out.split('\n').slice(-30).join('\n')}\n`);
  throw e;
} finally {
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
}
