// One container of a pod as a local process: started in its own process group with stdout and stderr
// appended to a log file per attempt (what `kubectl logs` and `--previous` read), restarted per the
// pod's restartPolicy with the kubelet's back-off (CrashLoopBackOff), probed (startup, readiness,
// liveness), and stopped as a kubelet stops it: preStop hook, SIGTERM, the rest of the grace period,
// then SIGKILL to the whole group so nothing it spawned outlives it.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Obj } from './client.ts';
import { ContainerConfigError } from './env.ts';
import type { LaunchSpec } from './launch-spec.ts';
import { probeTiming, runHandler, type ProbeTarget } from './probes.ts';
import { ensurePodCgroup, inCgroup } from './cgroup.ts';

/** Building the process failed before it could start: the container waits with `reason`. */
export class ContainerWaitError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ContainerWaitError';
  }
}

/** What a container needs from its pod worker. */
export interface ContainerDeps {
  pod(): Obj;
  podDir: string;
  probeTarget: ProbeTarget;
  build(): LaunchSpec;
  onChange(): void;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  backoffMs: number;
  /** Initialisation containers run once to success; probes do not apply to them. */
  init: boolean;
}

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** The state and process of one container. */
export class ContainerRunner {
  state: Obj = { waiting: { reason: 'ContainerCreating' } };
  lastState: Obj = {};
  ready = false;
  started = false;
  proc: ChildProcess | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;
  private exited: Promise<void> = Promise.resolve();
  private loop: Promise<void> = Promise.resolve();
  private readonly probeTimers = new Set<NodeJS.Timeout>();
  private readinessNow: (() => void) | undefined;

  constructor(
    readonly spec: Obj,
    private readonly deps: ContainerDeps,
    public restartCount = 0,
  ) {}

  get name(): string {
    return String(this.spec['name']);
  }

  /** The log file of attempt `n` (default: the current one). */
  logPath(n = this.restartCount): string {
    return join(this.deps.podDir, 'logs', this.name, `${n}.log`);
  }

  /** Runs the restart loop; resolves when the container is done for good (init success, Never, stop). */
  start(): Promise<void> {
    this.loop = this.run();
    return this.loop;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(r, ms);
      this.wake = () => {
        clearTimeout(t);
        r();
      };
    });
  }

  private async run(): Promise<void> {
    let backoff = this.deps.backoffMs;
    while (!this.stopping) {
      const ranMs = await this.attempt();
      if (this.stopping || ranMs === undefined) {
        if (ranMs === undefined && !this.stopping) {
          await this.sleep(Math.min(backoff, 5000));
          continue;
        }
        break;
      }
      if (!this.restarts()) break;
      if (ranMs > 600_000) backoff = this.deps.backoffMs;
      this.lastState = { terminated: this.state['terminated'] };
      const m = this.deps.pod()['metadata'];
      this.state = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${Math.round(backoff / 1000)}s restarting failed container=${this.name} pod=${m['name']}_${m['namespace']}(${m['uid']})`,
        },
      };
      this.deps.onChange();
      await this.sleep(backoff);
      backoff = Math.min(backoff * 2, 300_000);
      if (!this.stopping) this.restartCount++;
    }
  }

  /** Whether the container that just exited starts again (restartPolicy; init containers until success). */
  private restarts(): boolean {
    const code = Number(this.state['terminated']?.['exitCode'] ?? 1);
    if (this.deps.init) return code !== 0;
    const policy = String(this.deps.pod()['spec']['restartPolicy'] ?? 'Always');
    return !(policy === 'Never' || (policy === 'OnFailure' && code === 0));
  }

  /** One start; resolves with how long it ran, or undefined when it could not start. */
  private async attempt(): Promise<number | undefined> {
    let spec: LaunchSpec;
    let args: string[];
    mkdirSync(join(this.deps.podDir, 'logs', this.name), { recursive: true });
    try {
      spec = this.deps.build();
      args = (await spec.prepare?.()) ?? spec.args;
    } catch (e) {
      return this.notStarted(e);
    }
    const started = Date.now();
    const fd = openSync(this.logPath(), 'a');
    let child: ChildProcess;
    try {
      const procs = ensurePodCgroup(String(this.deps.pod()['metadata']['uid']));
      const cmd = procs ? inCgroup(procs, spec.command, args) : { command: spec.command, args };
      child = spawn(cmd.command, cmd.args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    this.proc = child;
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: string }>((resolve) => {
      child.once('error', (e) => resolve({ code: 128, signal: null, error: e.message }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    this.exited = done.then(() => undefined);
    if (child.pid) writeFileSync(join(this.deps.podDir, 'run', `${this.name}.pid`), `${child.pid}\n`);
    const startedAt = now();
    this.state = { running: { startedAt } };
    this.started = !this.spec['startupProbe'];
    this.deps.event('Normal', 'Started', `Started container ${this.name}`);
    this.deps.onChange();
    if (!this.deps.init) this.startProbes();
    const r = await done;
    this.killGroup('SIGKILL');
    this.stopProbes();
    this.proc = undefined;
    this.ready = false;
    if (r.error) appendFileSync(this.logPath(), `${r.error}\n`);
    const exitCode = r.code ?? 128 + signalNumber(r.signal);
    this.state = {
      terminated: {
        exitCode,
        ...(r.signal ? { signal: signalNumber(r.signal) } : {}),
        reason: exitCode === 0 ? 'Completed' : 'Error',
        ...(r.error ? { message: r.error } : {}),
        startedAt,
        finishedAt: now(),
      },
    };
    rmSync(join(this.deps.podDir, 'run', `${this.name}.pid`), { force: true });
    this.deps.onChange();
    return Date.now() - started;
  }

  private notStarted(e: unknown): number | undefined {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof ContainerWaitError || e instanceof ContainerConfigError) {
      const reason = e instanceof ContainerWaitError ? e.reason : 'CreateContainerConfigError';
      if (this.state['waiting']?.['message'] !== message) this.deps.event('Warning', 'Failed', `Error: ${message}`);
      this.state = { waiting: { reason, message } };
      this.deps.onChange();
      return undefined;
    }
    // The image's entrypoint refused to start (e.g. no root password): the container ran and failed.
    appendFileSync(this.logPath(), `${message}\n`);
    const t = now();
    this.state = { terminated: { exitCode: 1, reason: 'Error', startedAt: t, finishedAt: t } };
    this.deps.onChange();
    return 0;
  }

  private killGroup(sig: NodeJS.Signals): void {
    const pid = this.proc?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, sig);
    } catch {
      // The group is gone.
    }
  }

  private startProbes(): void {
    const { readinessProbe: rp, livenessProbe: lp, startupProbe: sp } = this.spec as Obj;
    if (sp) this.loopProbe(sp, 'Startup', (ok) => ok && !this.started && ((this.started = true), this.deps.onChange()));
    if (rp)
      this.loopProbe(rp, 'Readiness', (ok) => {
        if (ok !== this.ready) {
          this.ready = ok;
          this.deps.onChange();
        }
      });
    else this.ready = true;
    if (lp)
      this.loopProbe(lp, 'Liveness', (ok) => {
        if (ok) return;
        this.deps.event('Normal', 'Killing', `Container ${this.name} failed liveness probe, will be restarted`);
        void this.kill(Number(this.deps.pod()['spec']['terminationGracePeriodSeconds'] ?? 30) * 1000, false);
      });
  }

  private loopProbe(p: Obj, kind: 'Startup' | 'Readiness' | 'Liveness', apply: (ok: boolean) => unknown): void {
    const t = probeTiming(p);
    let fails = 0,
      oks = 0;
    let timer: NodeJS.Timeout | undefined;
    let begun = false;
    const tick = async (): Promise<void> => {
      begun = true;
      if (!this.proc) return;
      if (kind !== 'Startup' && !this.started) return schedule(t.periodMs);
      const r = await runHandler(p, this.deps.probeTarget, t.timeoutMs);
      if (!this.proc) return;
      if (r.ok) {
        fails = 0;
        if (++oks >= t.successes) apply(true);
      } else {
        oks = 0;
        if (++fails >= t.failures) {
          if (kind !== 'Readiness' || this.ready)
            this.deps.event('Warning', 'Unhealthy', `${kind} probe failed: ${r.message}`);
          apply(false);
          if (kind === 'Liveness') fails = 0;
        }
      }
      schedule(t.periodMs);
    };
    const schedule = (ms: number): void => {
      const me: NodeJS.Timeout = setTimeout(() => {
        this.probeTimers.delete(me);
        timer = undefined;
        void tick().catch(() => undefined);
      }, ms);
      timer = me;
      this.probeTimers.add(me);
    };
    // Between two periods (not while a probe runs, nor before the initial delay): the next one now.
    if (kind === 'Readiness')
      this.readinessNow = () => {
        if (!timer || !begun || !this.started) return;
        clearTimeout(timer);
        this.probeTimers.delete(timer);
        schedule(0);
      };
    schedule(t.initialMs);
  }

  private stopProbes(): void {
    for (const t of this.probeTimers) clearTimeout(t);
    this.probeTimers.clear();
    this.readinessNow = undefined;
  }

  /** Runs the readiness probe now instead of at the end of its period (the pod's labels moved, e.g. a
   * role label: what the container answers has likely just changed). Does nothing while one runs. */
  probeReadinessNow(): void {
    this.readinessNow?.();
  }

  /** Ends the current process: preStop (optional), SIGTERM, then SIGKILL at the end of `graceMs`. */
  async kill(graceMs: number, preStop: boolean): Promise<void> {
    if (!this.proc) return;
    const deadline = Date.now() + graceMs;
    const hook = this.spec['lifecycle']?.['preStop'];
    if (preStop && hook) {
      const r = await Promise.race([
        runHandler(hook, this.deps.probeTarget, graceMs),
        new Promise<{ ok: boolean; message: string }>((res) =>
          setTimeout(() => res({ ok: false, message: 'timeout' }), graceMs),
        ),
      ]);
      if (!r.ok) this.deps.event('Warning', 'FailedPreStopHook', `PreStopHook failed: ${r.message}`);
    }
    this.killGroup('SIGTERM');
    const left = Math.max(0, deadline - Date.now());
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), left)),
    ]);
    if (timedOut) this.killGroup('SIGKILL');
    await this.exited;
  }

  /** Stops for good (pod deletion or runner shutdown). */
  async stop(graceMs: number, preStop: boolean): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.kill(graceMs, preStop);
    await this.loop;
    this.stopProbes();
  }

  /** The container's entry in pod.status.containerStatuses. */
  status(): Obj {
    return {
      name: this.name,
      image: this.spec['image'],
      imageID: '',
      ...(this.proc?.pid ? { containerID: `local://${this.proc.pid}` } : {}),
      ready: this.ready && Boolean(this.proc),
      started: this.started && Boolean(this.proc),
      restartCount: this.restartCount,
      state: this.state,
      lastState: this.lastState,
    };
  }
}

function signalNumber(s: NodeJS.Signals | null): number {
  const table: Record<string, number> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGQUIT: 3,
    SIGABRT: 6,
    SIGKILL: 9,
    SIGSEGV: 11,
    SIGTERM: 15,
  };
  return s ? (table[s] ?? 0) : 0;
}
