// Real mariadbd instances for tests and benches: each with its own data directory (a copy of one
// template), its own loopback address 127.0.0.x and a probed-free port, binary log, GTID strict mode and
// a unique server id. Instances always start read-only with replication not started, as the
// architecture requires of every mysqld. Everything is removed on stop, on test teardown and on exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { mariadbdPath, scratchBase, SMALL_INNODB, templateDir } from './template.ts';

export interface Instance {
  readonly name: string;
  readonly host: string;
  port: number;
  readonly serverId: number;
  readonly dataDir: string;
  readonly socket: string;
  proc: ChildProcess | null;
}

export interface StartOptions {
  /** Extra mariadbd arguments for every instance. */
  extraArgs?: string[];
  readyTimeoutMs?: number;
  /** One port for every instance (each has its own address), as pods share MYSQL_PORT; a taken one
   * is replaced by a probed port. Default: a probed port each. */
  port?: number;
  /** Restart an instance that exits when the test did not stop it (kill9, restart, stop), as a kubelet
   * restarts a container: an agent that fences by crash (src/agent/crash-fence.ts) relies on it. */
  supervise?: boolean;
}

const live = new Set<Harness>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous: on 'exit' no promise will run. SIGKILL is fine for throwaway instances.
  process.on('exit', () => {
    for (const h of live) h.destroySync();
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const h of live) h.destroySync();
      process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
    });
  }
}

async function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

/** A port the kernel just handed out on this address: free at the time of asking. */
async function probePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

let hostCounter = 0;
function pickHost(): string {
  // Spread over 127.0.0.2..254 by pid so parallel test processes rarely share an address; the port
  // probe makes sharing harmless anyway.
  const x = 2 + ((process.pid * 7 + hostCounter++) % 253);
  return `127.0.0.${x}`;
}

export class Harness {
  readonly instances: Instance[] = [];
  readonly baseDir: string;
  private readonly extraArgs: string[];
  private readonly readyTimeoutMs: number;
  private readonly port: number;
  private readonly supervise: boolean;
  /** Instances the test itself is stopping: their exit is not restarted. */
  private readonly stopping = new Set<Instance>();
  private closed = false;
  /** Restarts done by the supervisor (a test can wait for one). */
  readonly restarts: { name: string; atMs: number }[] = [];

  constructor(opts: StartOptions = {}) {
    this.baseDir = mkdtempSync(join(scratchBase(), 'mro-mariadb-'));
    this.extraArgs = opts.extraArgs ?? [];
    this.readyTimeoutMs = opts.readyTimeoutMs ?? 30_000;
    this.port = opts.port ?? 0;
    this.supervise = opts.supervise ?? false;
    live.add(this);
    installExitHook();
  }

  async add(count: number): Promise<Instance[]> {
    const template = join(templateDir(), 'data');
    const created: Instance[] = [];
    for (let i = 0; i < count; i++) {
      const idx = this.instances.length + 1;
      const name = `db${idx}`;
      const dataDir = join(this.baseDir, name);
      cpSync(template, dataDir, { recursive: true });
      mkdirSync(`${dataDir}-tmp`, { recursive: true });
      const inst: Instance = {
        name,
        host: pickHost(),
        port: this.port,
        serverId: 100 + idx,
        dataDir,
        socket: join(this.baseDir, `${name}.sock`),
        proc: null,
      };
      this.instances.push(inst);
      created.push(inst);
    }
    await Promise.all(created.map((inst) => this.launch(inst)));
    return created;
  }

  private args(inst: Instance): string[] {
    return [
      '--no-defaults',
      '--user=root',
      `--datadir=${inst.dataDir}`,
      `--bind-address=${inst.host}`,
      `--port=${inst.port}`,
      `--socket=${inst.socket}`,
      `--pid-file=${inst.dataDir}/mariadbd.pid`,
      `--log-error=${inst.dataDir}/error.log`,
      // Its own: a starting mariadbd deletes every `#sql*` file in its tmpdir, so with a shared /tmp a
      // restart broke other instances' running queries ("Error on delete of '/tmp/#sql-temptable-...").
      `--tmpdir=${inst.dataDir}-tmp`,
      `--server-id=${inst.serverId}`,
      `--log-bin=${inst.dataDir}/binlog`,
      `--relay-log=${inst.dataDir}/relay`,
      '--log-slave-updates=ON',
      '--binlog-format=ROW',
      '--gtid-strict-mode=ON',
      '--sync-binlog=1',
      '--innodb-flush-log-at-trx-commit=1',
      '--skip-slave-start',
      // As the operator's my.cnf (src/mysql/flavor.ts, crashRecoveryAsReplica): a crash cuts the unacknowledged tail.
      '--init-rpl-role=SLAVE',
      '--read-only=ON',
      '--skip-name-resolve',
      '--performance-schema=OFF',
      `--report-host=${inst.host}`,
      `--report-port=${inst.port}`,
      '--max-connections=200',
      ...SMALL_INNODB,
      '--innodb-doublewrite=0',
      ...this.extraArgs,
    ];
  }

  private async launch(inst: Instance, attempts = 4): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (inst.port === 0 || !(await portIsFree(inst.host, inst.port))) inst.port = await probePort(inst.host);
      const proc = spawn(mariadbdPath(), this.args(inst), { stdio: 'ignore' });
      inst.proc = proc;
      if (this.supervise) proc.once('exit', () => this.restartUnexpected(inst, proc));
      try {
        await this.waitReady(inst, proc);
        return;
      } catch (err) {
        proc.kill('SIGKILL');
        inst.proc = null;
        // Most likely another process took the port between probe and bind: try a new one.
        inst.port = 0;
        if (attempt >= attempts) throw err;
      }
    }
  }

  private async waitReady(inst: Instance, proc: ChildProcess): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    let exited = false;
    proc.once('exit', () => (exited = true));
    while (Date.now() < deadline) {
      if (exited) throw new Error(`${inst.name} exited during start:\n${this.errorLogTail(inst)}`);
      try {
        const c = await createConnection({ host: inst.host, port: inst.port, user: 'root', connectTimeout: 1000 });
        await c.end();
        return;
      } catch (err) {
        // Access denied: the server answers; a test changed root's password (as an image's env does).
        if ((err as { errno?: number }).errno === 1045) return;
        await new Promise((r) => setTimeout(r, 40));
      }
    }
    throw new Error(`${inst.name} not ready within ${this.readyTimeoutMs} ms:\n${this.errorLogTail(inst)}`);
  }

  errorLogTail(inst: Instance, lines = 15): string {
    try {
      return readFileSync(join(inst.dataDir, 'error.log'), 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no error log)';
    }
  }

  /** Connection settings for the harness's root account. */
  root(inst: Instance): { host: string; port: number; user: string; password: string } {
    return { host: inst.host, port: inst.port, user: 'root', password: '' };
  }

  async kill9(inst: Instance): Promise<void> {
    await this.signalAndWait(inst, 'SIGKILL');
  }

  sigstop(inst: Instance): void {
    inst.proc?.kill('SIGSTOP');
  }

  sigcont(inst: Instance): void {
    inst.proc?.kill('SIGCONT');
  }

  /** Start again on the same data directory and port (a new port only if the old one was taken). */
  async restart(inst: Instance): Promise<void> {
    if (inst.proc && inst.proc.exitCode === null && inst.proc.signalCode === null)
      await this.signalAndWait(inst, 'SIGTERM');
    await this.launch(inst);
  }

  private async signalAndWait(inst: Instance, sig: NodeJS.Signals): Promise<void> {
    const proc = inst.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    this.stopping.add(inst);
    try {
      if (sig !== 'SIGKILL') proc.kill('SIGCONT');
      proc.kill(sig);
      await exited;
    } finally {
      this.stopping.delete(inst);
    }
    inst.proc = null;
  }

  /** The supervisor: an exit nobody asked for (a crash, a kill by an agent) is followed by a restart. */
  private restartUnexpected(inst: Instance, proc: ChildProcess): void {
    if (this.stopping.has(inst) || inst.proc !== proc || this.closed) return;
    inst.proc = null;
    this.restarts.push({ name: inst.name, atMs: performance.now() });
    setTimeout(() => {
      if (inst.proc || this.closed) return;
      this.launch(inst).catch(() => undefined);
    }, 200);
  }

  /** Stop every instance and remove all data. Safe to call twice. */
  async stop(): Promise<void> {
    this.closed = true;
    await Promise.all(this.instances.map((i) => this.kill9(i)));
    rmSync(this.baseDir, { recursive: true, force: true });
    live.delete(this);
  }

  destroySync(): void {
    for (const inst of this.instances) {
      try {
        inst.proc?.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
    rmSync(this.baseDir, { recursive: true, force: true });
    live.delete(this);
  }
}

/** Start `count` instances in parallel; `t.teardown` (when given) stops and removes them. */
export async function startInstances(
  count: number,
  t?: { teardown: (fn: () => unknown) => void },
  opts: StartOptions = {},
): Promise<Harness> {
  const h = new Harness(opts);
  t?.teardown(() => h.stop());
  try {
    await h.add(count);
  } catch (err) {
    await h.stop();
    throw err;
  }
  return h;
}
