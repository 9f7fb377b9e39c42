// A cluster of real agent processes on the embedded API server, set up the way the reconciler will:
// the CRD, a MysqlCluster, Pods `<cluster>-<n>` labelled with the cluster and given loopback IPs in
// status.podIP, credentials and a peer key as files. Each agent listens on its pod IP, so all share
// the contract's single peer and HTTP ports. Processes are killed on teardown.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startApiServer, type EmbeddedApiServer } from '../../../src/local/apiserver/server.ts';
import { buildCrd } from '../../../src/api/crd.ts';
import { Labels, podName } from '../../../src/api/names.ts';
import { raw } from '../apiserver/raw.ts';
import { startInstances, type Harness } from '../mariadb/harness.ts';
import { createConnection } from 'mysql2/promise';
import { eventually } from '../eventually.ts';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));

export interface AgentProc {
  pod: string;
  ip: string;
  /** The group id the agent process runs with: partitions (test/support/netfault.ts) tell one node's
   * agent traffic from another's by it, since loopback connections all leave from 127.0.0.1. */
  gid: number;
  proc: ChildProcess | null;
  log: string[];
}

/** What GET /status answers (the fields tests read). */
export interface AgentStatus {
  raft: { role: string; term: number; lead: string | null; commit: number };
  state: { primary: { pod: string; term: number } | null };
  mysql: { up: boolean; writable?: boolean; replicatingFrom?: string | null; errant?: boolean };
  action: { kind: string; reason: string };
}

export interface AgentEnvOptions {
  cluster?: string;
  replicas?: number;
  spec?: Record<string, unknown>;
  /** Extra env for every agent. */
  env?: Record<string, string>;
  /** Start one real mariadbd per pod, on the pod's IP, all on one port (MYSQL_PORT). */
  mysql?: boolean;
  /** Give each agent its mysqld's pid file (fencing by crash) and restart a mysqld that exits on its
   * own, as a kubelet would (with `mysql`). */
  crashFence?: boolean;
}

/** Agents run as root with a group id of their own from this base up (see AgentProc.gid). */
export const AGENT_GID_BASE = 40_000;

/** The agent password the tests' "Secret" holds. */
export const AGENT_PASSWORD = 'Agent-pw-2b8e1d';
/** The account the agents create for their own use (src/agent/mysql-side.ts): it may write on a
 * read-only MariaDB, which root no longer may once an agent has run. */
export const ADMIN = { user: 'mysqlraft_admin', password: `${AGENT_PASSWORD}-admin` } as const;

/** The root password the tests' "Secret" holds (set on each mariadbd as the image would). */
export const ROOT_PASSWORD = 'Root-pw-1a2b3c';

async function freeOnAll(ips: string[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    const ok = await Promise.all(
      ips.map(
        (ip) =>
          new Promise<boolean>((r) => {
            const s = createServer();
            s.once('error', () => r(false));
            s.listen(port, ip, () => s.close(() => r(true)));
          }),
      ),
    );
    if (ok.every(Boolean)) return port;
  }
  throw new Error('no port free on every pod IP');
}

/** The embedded API server, the objects, and the agent processes of one cluster. */
export class AgentEnv {
  readonly agents: AgentProc[] = [];
  peerPort = 0;
  httpPort = 0;
  mysqlPort = 0;
  harness: Harness | undefined;
  private constructor(
    readonly api: EmbeddedApiServer,
    readonly dir: string,
    readonly cluster: string,
    readonly replicas: number,
    private readonly extra: { env: Record<string, string>; crashFence: boolean },
  ) {}

  static async start(o: AgentEnvOptions = {}): Promise<AgentEnv> {
    const api = await startApiServer({});
    const dir = mkdtempSync(join(tmpdir(), 'mro-agent-'));
    const env = new AgentEnv(api, dir, o.cluster ?? 'db', o.replicas ?? 3, {
      env: o.env ?? {},
      crashFence: o.crashFence ?? false,
    });
    writeFileSync(join(dir, 'kubeconfig'), api.kubeconfig('default'));
    mkdirSync(join(dir, 'credentials'));
    for (const [f, v] of [
      ['root-password', ROOT_PASSWORD],
      ['replication-password', 'Repl-pw-7f3a9c'],
      ['agent-password', AGENT_PASSWORD],
    ])
      writeFileSync(join(dir, 'credentials', f!), v!);
    writeFileSync(join(dir, 'hmac-key'), randomBytes(32).toString('base64'));
    try {
      await env.install(o.spec ?? {}, o.mysql ?? false);
    } catch (err) {
      await env.stop();
      throw err;
    }
    return env;
  }

  private async call(method: string, path: string, body?: unknown): Promise<any> {
    const r = await raw({ server: this.api.url, token: this.api.token, caPem: this.api.caPem! }, method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: HTTP ${r.status} ${r.text}`);
    return r.json;
  }

  private async startMysql(): Promise<string[]> {
    const h = await startInstances(this.replicas, undefined, {
      port: 20000 + Math.floor(Math.random() * 30000),
      supervise: this.extra.crashFence,
    });
    this.harness = h;
    const ports = new Set(h.instances.map((i) => i.port));
    if (ports.size !== 1) throw new Error(`mariadbd instances got different ports ${[...ports].join(', ')}`);
    this.mysqlPort = h.instances[0]!.port;
    for (const inst of h.instances) {
      const c = await createConnection({ ...h.root(inst), connectTimeout: 5000 });
      await c.query('SET SESSION sql_log_bin = 0');
      const [hosts] = await c.query("SELECT Host AS host FROM mysql.user WHERE User = 'root'");
      for (const { host } of hosts as { host: string }[])
        await c.query(`ALTER USER 'root'@'${host}' IDENTIFIED BY '${ROOT_PASSWORD}'`).catch(() => undefined);
      await c.end();
    }
    return h.instances.map((i) => i.host);
  }

  private async install(spec: Record<string, unknown>, mysql: boolean): Promise<void> {
    await this.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', buildCrd());
    await eventually(
      async () =>
        (
          await raw(
            { server: this.api.url, token: this.api.token, caPem: this.api.caPem! },
            'GET',
            '/apis/apps.ryansu.com/v1',
          )
        ).status === 200,
      'the MysqlCluster kind served',
    );
    await this.call('POST', '/apis/apps.ryansu.com/v1/namespaces/default/mysqlclusters', {
      apiVersion: 'apps.ryansu.com/v1',
      kind: 'MysqlCluster',
      metadata: { name: this.cluster, namespace: 'default' },
      spec: { image: 'mariadb:10.11', replicas: this.replicas, storage: { size: '1Gi' }, ...spec },
    });
    const base = 2 + ((process.pid * 13) % 200);
    const ips = mysql
      ? await this.startMysql()
      : Array.from({ length: this.replicas }, (_, i) => `127.0.${100 + ((base + i) % 150)}.${10 + i}`);
    this.peerPort = await freeOnAll(ips);
    this.httpPort = await freeOnAll(ips);
    for (let i = 0; i < this.replicas; i++) {
      const pod = podName(this.cluster, i);
      await this.call('POST', '/api/v1/namespaces/default/pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: pod, namespace: 'default', labels: { [Labels.cluster]: this.cluster } },
        spec: { containers: [{ name: 'agent', image: 'operator' }] },
      });
      const cur = await this.call('GET', `/api/v1/namespaces/default/pods/${pod}`);
      await this.call('PUT', `/api/v1/namespaces/default/pods/${pod}/status`, {
        ...cur,
        status: { phase: 'Running', podIP: ips[i], podIPs: [{ ip: ips[i] }] },
      });
      this.agents.push({ pod, ip: ips[i]!, gid: AGENT_GID_BASE + ((process.pid % 500) * 8 + i), proc: null, log: [] });
    }
  }

  /** The environment a StatefulSet pod gives its agent container. */
  envOf(a: AgentProc): Record<string, string> {
    return {
      POD_NAME: a.pod,
      POD_NAMESPACE: 'default',
      POD_IP: a.ip,
      CLUSTER_NAME: this.cluster,
      AGENT_PEER_PORT: String(this.peerPort),
      AGENT_HTTP_PORT: String(this.httpPort),
      CREDENTIALS_DIR: join(this.dir, 'credentials'),
      PEER_KEY_FILE: join(this.dir, 'hmac-key'),
      KUBECONFIG: join(this.dir, 'kubeconfig'),
      LOG_LEVEL: process.env['AGENT_LOG_LEVEL'] ?? 'info',
      ...(this.harness ? { MYSQL_HOST: a.ip, MYSQL_PORT: String(this.mysqlPort) } : {}),
      ...(this.harness && this.extra.crashFence
        ? { MYSQLD_PID_FILE: join(this.harness.instances[this.agents.indexOf(a)]!.dataDir, 'mariadbd.pid') }
        : {}),
      ...this.extra.env,
    };
  }

  /** Starts (or restarts) agent `i` as a real process. */
  launch(i: number, args: string[] = []): AgentProc {
    const a = this.agents[i]!;
    const proc = spawn(process.execPath, ['--import=tsx', MAIN, 'agent', ...args], {
      env: { PATH: process.env['PATH'] ?? '', ...this.envOf(a) },
      stdio: ['ignore', 'pipe', 'pipe'],
      gid: a.gid,
    });
    const keep = (d: Buffer) => {
      a.log.push(d.toString());
      if (a.log.length > 2000) a.log.shift();
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    proc.on('exit', () => {
      if (a.proc === proc) a.proc = null;
    });
    a.proc = proc;
    return a;
  }

  /** Runs `q` as root on node `i`'s mysqld (a connection of its own); the result rows. */
  async sql(i: number, q: string): Promise<Record<string, unknown>[]> {
    const h = this.harness!;
    const c = await createConnection({ ...h.root(h.instances[i]!), password: ROOT_PASSWORD, connectTimeout: 3000 });
    try {
      const [rows] = await c.query(q);
      return rows as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  }

  /** Agent `i`'s /status, or undefined when it does not answer within `timeoutMs`. */
  async status(i: number, timeoutMs = 1000): Promise<AgentStatus | undefined> {
    const a = this.agents[i]!;
    try {
      const r = await fetch(`http://${a.ip}:${this.httpPort}/status`, { signal: AbortSignal.timeout(timeoutMs) });
      return r.ok ? ((await r.json()) as AgentStatus) : undefined;
    } catch {
      return undefined;
    }
  }

  signal(i: number, sig: NodeJS.Signals): void {
    this.agents[i]!.proc?.kill(sig);
  }

  /** Sets (or, with null, removes) an annotation of the MysqlCluster, as kubectl annotate does. */
  async annotateCluster(key: string, value: string | null): Promise<void> {
    const r = await raw(
      { server: this.api.url, token: this.api.token, caPem: this.api.caPem! },
      'PATCH',
      `/apis/apps.ryansu.com/v1/namespaces/default/mysqlclusters/${this.cluster}`,
      { metadata: { annotations: { [key]: value } } },
      { headers: { 'content-type': 'application/merge-patch+json' } },
    );
    if (r.status >= 300) throw new Error(`annotate ${key}: HTTP ${r.status} ${r.text}`);
  }

  /** The MysqlCluster's annotations. */
  async clusterAnnotations(): Promise<Record<string, string>> {
    const c = await this.call('GET', `/apis/apps.ryansu.com/v1/namespaces/default/mysqlclusters/${this.cluster}`);
    return (c.metadata.annotations ?? {}) as Record<string, string>;
  }

  /** Messages of the Events with this reason about the MysqlCluster. */
  async clusterEvents(reason: string): Promise<string[]> {
    const list = await this.call('GET', '/api/v1/namespaces/default/events');
    return (list.items as { reason: string; message: string; involvedObject: { name: string } }[])
      .filter((e) => e.reason === reason && e.involvedObject.name === this.cluster)
      .map((e) => e.message);
  }

  /** The API server's port (a fault blocks it). */
  get apiPort(): number {
    return Number(new URL(this.api.url).port);
  }

  async stop(): Promise<void> {
    for (const a of this.agents) {
      a.proc?.kill('SIGCONT');
      a.proc?.kill('SIGKILL');
    }
    await this.api.close();
    await this.harness?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
