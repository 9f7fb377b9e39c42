// Figures of `mysql-raft-operator local` with the seed manifest (3 members, real mariadbd and agents),
// run as a user runs it (the CLI in its own process, kubectl against its kubeconfig):
//   apply_to_ready_ms           kubectl apply -> the MysqlCluster's Ready condition True
//   rss_mb                      RSS of `local` and every process under it (mysqld x3, agents x3), Ready
//   delete_primary_to_write_ms  kubectl delete pod <primary> -> the first write through the master
//                               Service's clusterIP committed on another member (a writer tries every 20 ms)
//   longest_write_gap_ms        the longest time between two successful writes of that writer, over the
//                               whole failover (writes on the old primary during its handover count)
//   new_master_in_status_ms     kubectl delete pod <primary> -> status.master names another pod
// With --failovers N the primary is deleted N times (each once the cluster is Ready again) and the last
// three are p50 over the N failovers, with their maxima beside them (`*_max_ms`). --trace prints a
// timeline of each failover: the writer, the pods' role labels and Ready conditions, the master
// Service's endpoints (what the service proxy routes by) and the agents' log lines.
// Last stdout line: one JSON object with those keys.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { createConnection, type Connection } from 'mysql2/promise';
import { KubeClient, restPath, type Obj } from '../src/local/kubelet/client.ts';

const USAGE = `usage: npm run bench:local -- [--failovers N] [--trace] [--help]

  --failovers N  delete the primary N times in one \`local\` (default 1), each once the cluster is
                 Ready again; the figures are then p50 over the N, with *_max_ms beside them
  --trace        print a timeline of each failover (ms after the delete): the writer's errors and
                 its first write on the new primary, role labels, Ready conditions, the master
                 Service's endpoints and the agents' log lines
`;
const args = parseArgs({
  options: { failovers: { type: 'string' }, trace: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
}).values;
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const FAILOVERS = Number(args.failovers ?? 1);
if (!Number.isInteger(FAILOVERS) || FAILOVERS < 1) throw new Error(`--failovers ${args.failovers}: a count >= 1`);

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'mro-bench-'));
const kubeconfig = join(dir, 'kubeconfig');
const NAME = 'mysql-raft-cluster';

function kubectl(args: string[], input?: string): string {
  return execFileSync('kubectl', [`--kubeconfig=${kubeconfig}`, ...args], { encoding: 'utf8', input });
}

/** kubectl without blocking the event loop: the writer must keep its 20 ms cadence while we poll. */
async function kubectlAsync(args: string[]): Promise<string> {
  try {
    return (await promisify(execFile)('kubectl', [`--kubeconfig=${kubeconfig}`, ...args], { encoding: 'utf8' })).stdout;
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

const clusterReady = async () =>
  (await kubectlAsync([
    'get',
    'mysqlcluster',
    NAME,
    '-o',
    'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
  ])) === 'True';

/** Writes through `host` every 20 ms; records when each write succeeded and on which server. */
class Writer {
  readonly ok: { at: number; serverId: number }[] = [];
  readonly failed: { at: number; error: string }[] = [];
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
      } catch (e) {
        this.failed.push({ at: Date.now(), error: (e as Error).message.slice(0, 120) });
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

/** One timestamped line of a failover's timeline. */
interface Mark {
  at: number;
  what: string;
}

/** Watches the cluster's pods and the master Service's endpoints; keeps what changed, with when. */
class Timeline {
  readonly marks: Mark[] = [];
  private readonly abort = new AbortController();
  private readonly seen = new Map<string, string>();

  constructor(private readonly client: KubeClient) {}

  start(): void {
    const podsPath = `${restPath('v1', 'pods', { namespace: 'default' })}?watch=true&labelSelector=${encodeURIComponent(`mysql.ryansu.com/cluster=${NAME}`)}`;
    const epPath = `${restPath('v1', 'endpoints', { namespace: 'default' })}?watch=true&fieldSelector=${encodeURIComponent('metadata.name=mysql-master')}`;
    void this.follow(podsPath, (type, o) => this.pod(type, o));
    void this.follow(epPath, (_type, o) => this.endpoints(o));
  }

  stop(): void {
    this.abort.abort();
  }

  private async follow(path: string, on: (type: string, o: Obj) => void): Promise<void> {
    while (!this.abort.signal.aborted)
      await this.client.watch(path, (e) => on(e.type, e.object), this.abort.signal).catch(() => undefined);
  }

  private note(key: string, value: string): void {
    if (this.seen.get(key) === value) return;
    this.seen.set(key, value);
    this.marks.push({ at: Date.now(), what: `${key}: ${value}` });
  }

  private pod(type: string, o: Obj): void {
    const name = String(o['metadata']['name']);
    if (type === 'DELETED') return this.note(name, 'deleted');
    const ready = ((o['status']?.['conditions'] ?? []) as Obj[]).find((c) => c['type'] === 'Ready')?.['status'];
    const role = o['metadata']['labels']?.['mysql.ryansu.com/role'] ?? '-';
    const gone = o['metadata']['deletionTimestamp'] ? ' terminating' : '';
    this.note(name, `role=${role} Ready=${ready ?? '-'}${gone}`);
  }

  private endpoints(o: Obj): void {
    const names = (list: Obj[] | undefined) => (list ?? []).map((a) => a['targetRef']?.['name'] ?? a['ip']).join(',');
    const s = ((o['subsets'] ?? []) as Obj[])[0];
    this.note(
      'endpoints/mysql-master',
      `ready=[${names(s?.['addresses'])}] notReady=[${names(s?.['notReadyAddresses'])}]`,
    );
  }
}

/** The agents' log files, opened before a failover so that a deleted pod's log stays readable. */
function openAgentLogs(dataDir: string): { pod: string; fd: number }[] {
  const pods = join(dataDir, 'pods');
  const out: { pod: string; fd: number }[] = [];
  for (const d of existsSync(pods) ? readdirSync(pods) : []) {
    const logs = join(pods, d, 'logs', 'agent');
    if (!existsSync(logs)) continue;
    const last = readdirSync(logs)
      .map((f) => Number(f.replace(/\.log$/, '')))
      .sort((a, b) => b - a)[0];
    if (last !== undefined) out.push({ pod: d.split('_')[1]!, fd: openSync(join(logs, `${last}.log`), 'r') });
  }
  return out;
}

/** The agents' log lines in [from, to], as timeline marks. */
function agentMarks(logs: { pod: string; fd: number }[], from: number, to: number): Mark[] {
  const marks: Mark[] = [];
  for (const { pod, fd } of logs) {
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(1 << 16);
    for (let pos = 0, n; (n = readSync(fd, buf, 0, buf.length, pos)) > 0; pos += n)
      chunks.push(Buffer.from(buf.subarray(0, n)));
    closeSync(fd);
    for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
      let j: Obj;
      try {
        j = JSON.parse(line) as Obj;
      } catch {
        continue;
      }
      const at = Number(j['time']);
      if (!(at >= from && at <= to)) continue;
      const { time: _t, level: _l, pid: _p, hostname: _h, logger: _g, msg, ...rest } = j;
      marks.push({ at, what: `${pod} agent: ${String(msg)} ${JSON.stringify(rest)}` });
    }
  }
  return marks;
}

/** The p50 (lower median) of `xs`. */
function p50(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
}

const allPodsReady = async (): Promise<boolean> =>
  (
    await kubectlAsync([
      'get',
      'pods',
      '-l',
      `mysql.ryansu.com/cluster=${NAME}`,
      '-o',
      'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{" "}{end}',
    ])
  )
    .trim()
    .split(' ')
    .filter((x) => x === 'True').length === 3;

function printTimeline(n: number, old: string, t1: number, marks: Mark[]): void {
  process.stdout.write(`--- failover ${n}: delete ${old}\n`);
  for (const m of marks.sort((a, b) => a.at - b.at))
    process.stdout.write(`${String(m.at - t1).padStart(6)} ms  ${m.what}\n`);
}

interface FailoverFigures {
  toWrite: number;
  gap: number;
  inStatus: number;
}

/** Deletes the primary once; measures while the writer keeps writing. */
async function failover(writer: Writer, timeline: Timeline | undefined, n: number): Promise<FailoverFigures> {
  const old = await kubectlAsync(['get', 'mysqlcluster', NAME, '-o', 'jsonpath={.status.master}']);
  if (!old) throw new Error('status.master is empty');
  const oldServer = writer.ok.at(-1)!.serverId;
  const logs = timeline ? openAgentLogs(dir) : [];
  const marksFrom = timeline?.marks.length ?? 0;
  const t1 = Date.now();
  const deleted = kubectlAsync(['delete', 'pod', old, '--wait=false']);
  let inStatus = 0;
  let asking: Promise<void> | undefined;
  // One kubectl at a time, in the background: the writer is timed by the same event loop.
  const checkStatus = () => {
    if (inStatus || asking) return;
    asking = kubectlAsync(['get', 'mysqlcluster', NAME, '-o', 'jsonpath={.status.master}']).then((m) => {
      if (m && m !== old) inStatus = Date.now() - t1;
      asking = undefined;
    });
  };
  const firstNewWrite = () => writer.ok.find((w) => w.at >= t1 && w.serverId !== oldServer);
  try {
    await until(
      'a write on a new primary',
      () => {
        checkStatus();
        return firstNewWrite() !== undefined;
      },
      120_000,
      20,
    );
  } catch (e) {
    if (timeline)
      printTimeline(n, old, t1, [...timeline.marks.slice(marksFrom), ...agentMarks(logs, t1 - 50, Date.now())]);
    throw e;
  }
  const firstNew = firstNewWrite()!.at;
  await deleted;
  await until('the new master in status', () => (checkStatus(), inStatus > 0), 60_000, 100);
  let gap = 0;
  const times = writer.ok.map((w) => w.at);
  for (let i = 1; i < times.length; i++)
    if (times[i]! > t1 && times[i - 1]! <= firstNew) gap = Math.max(gap, times[i]! - times[i - 1]!);
  if (timeline) {
    const end = firstNew + 300;
    await new Promise((r) => setTimeout(r, Math.max(0, end - Date.now())));
    const firstError = writer.failed.find((f) => f.at >= t1);
    const lastOld = writer.ok.filter((w) => w.at < firstNew && w.serverId === oldServer).at(-1);
    const marks = [
      ...timeline.marks.slice(marksFrom).filter((m) => m.at <= end),
      ...agentMarks(logs, t1 - 50, end),
      ...(firstError ? [{ at: firstError.at, what: `writer: first error: ${firstError.error}` }] : []),
      ...(lastOld ? [{ at: lastOld.at, what: `writer: last write on ${old}` }] : []),
      { at: firstNew, what: 'writer: first write on the new primary' },
    ].sort((a, b) => a.at - b.at);
    printTimeline(n, old, t1, marks);
  }
  return { toWrite: firstNew - t1, gap, inStatus };
}

const proc = spawn(process.execPath, [join(root, 'bin', 'mysql-raft-operator.js'), 'local', '--data-dir', dir], {
  stdio: ['ignore', 'pipe', 'pipe'],
});
let out = '';
proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
let timeline: Timeline | undefined;
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
  await setup.end();
  if (args.trace) {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    timeline = new Timeline(new KubeClient(kc));
    timeline.start();
  }
  const writer = new Writer(masterIP, password);
  writer.start();
  const runs: FailoverFigures[] = [];
  for (let n = 1; n <= FAILOVERS; n++) {
    await until(
      'the cluster Ready with every pod Ready',
      async () => (await clusterReady()) && allPodsReady(),
      300_000,
      200,
    );
    const before = writer.ok.length;
    await until('the writer writing', () => writer.ok.length >= before + 5, 30_000, 20);
    const f = await failover(writer, timeline, n);
    runs.push(f);
    process.stdout.write(
      `failover ${n}: write on the new primary after ${f.toWrite} ms (longest write gap ${f.gap} ms), new master in status after ${f.inStatus} ms\n`,
    );
  }
  await writer.stop();
  const figures = {
    apply_to_ready_ms: applyToReady,
    rss_mb: rss,
    delete_primary_to_write_ms: p50(runs.map((r) => r.toWrite)),
    longest_write_gap_ms: p50(runs.map((r) => r.gap)),
    new_master_in_status_ms: p50(runs.map((r) => r.inStatus)),
    ...(FAILOVERS > 1
      ? {
          failovers: FAILOVERS,
          delete_primary_to_write_max_ms: Math.max(...runs.map((r) => r.toWrite)),
          longest_write_gap_max_ms: Math.max(...runs.map((r) => r.gap)),
        }
      : {}),
  };
  process.stdout.write(`apply->Ready ${applyToReady} ms, RSS ${rss} MB\n`);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} catch (e) {
  process.stderr.write(`${out.split('\n').slice(-30).join('\n')}\n`);
  throw e;
} finally {
  timeline?.stop();
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
}
