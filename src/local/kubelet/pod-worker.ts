// One pod on this node: its directory, its loopback IP, its volumes, its init containers then its
// containers as processes, its status published to the API server, and its end: on deletion the
// containers stop (preStop, SIGTERM, grace, SIGKILL) and the pod object is removed with grace 0,
// which is the node's acknowledgement that nothing of it still runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeClient, Obj } from './client.ts';
import { isConflict, isNotFound, restPath } from './client.ts';
import { ContainerRunner, ContainerWaitError } from './container.ts';
import { containerEnv, ContainerConfigError, expandCommand } from './env.ts';
import type { EventSink } from './events.ts';
import { planImage, type ImageOptions } from './images.ts';
import { launchFor } from './launch.ts';
import type { LaunchSpec } from './launch-spec.ts';
import { mysqldSocket } from './mysqld.ts';
import { PathMap } from './paths.ts';
import { podStatus } from './pod-status.ts';
import { containerMounts, hasDownwardFiles, refreshVolumes, setUpVolumes, type VolumeSources } from './volumes.ts';
import { removePodCgroup } from './cgroup.ts';

/** What every pod worker shares: the node's settings and lookups. */
export interface WorkerDeps {
  client: KubeClient;
  nodeName: string;
  hostIP: string;
  dataDir: string;
  images: ImageOptions;
  serverBinary: string;
  operatorEntry: string;
  kubeconfigPath: string;
  apiServer: URL;
  secret(ns: string, name: string): Obj | undefined;
  configMap(ns: string, name: string): Obj | undefined;
  claimDir(ns: string, claim: string): string;
  allocateIp(pod: Obj): string;
  releaseIp(ip: string): void;
  event: EventSink;
  backoffMs: number;
  onError(e: unknown): void;
}

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** The lifecycle of one pod on this node. */
export class PodWorker {
  readonly podDir: string;
  ip = '';
  inits: ContainerRunner[] = [];
  containers: ContainerRunner[] = [];
  private volumes = new Map<string, string>();
  private initsDone = false;
  private terminating: Promise<void> | undefined;
  private stopped = false;
  private startTime = now();
  private syncTimer: NodeJS.Timeout | undefined;
  /** The status write under way: at most one at a time, so two cannot land in the wrong order. */
  private syncing: Promise<void> | undefined;
  private lastSent = '';
  /** What the API server acknowledged last (readiness() of it), to notice when it holds something else. */
  private lastAcked = '';
  private readonly execs = new Set<ChildProcess>();
  private warnedFlavor = new Set<string>();

  constructor(
    private readonly deps: WorkerDeps,
    public pod: Obj,
  ) {
    const m = pod['metadata'];
    this.podDir = join(deps.dataDir, 'pods', `${m['namespace']}_${m['name']}_${m['uid']}`);
  }

  get key(): string {
    return `${this.pod['metadata']['namespace']}/${this.pod['metadata']['name']}`;
  }

  /** Sets up and starts the pod; resolves once its containers have been launched. */
  async start(): Promise<void> {
    mkdirSync(join(this.podDir, 'run'), { recursive: true });
    this.ip = this.deps.allocateIp(this.pod);
    this.startTime = this.pod['status']?.['startTime'] ?? now();
    const previous = new Map(
      ((this.pod['status']?.['containerStatuses'] ?? []) as Obj[]).map((s) => [String(s['name']), s]),
    );
    const runner = (c: Obj, init: boolean) => {
      const r = new ContainerRunner(c, this.containerDeps(c, init));
      const old = previous.get(String(c['name']));
      if (old?.['state']?.['running'] || old?.['state']?.['terminated']) {
        // The runner stopped (or died) under this container: as after a node reboot, the container
        // starts again as the next attempt, and the one that ran before is its last state.
        r.restartCount = Number(old['restartCount'] ?? 0) + 1;
        r.lastState = {
          terminated: old['state']['terminated'] ?? {
            exitCode: 255,
            reason: 'Unknown',
            startedAt: old['state']['running']['startedAt'],
            finishedAt: now(),
          },
        };
      }
      return r;
    };
    this.inits = ((this.pod['spec']['initContainers'] ?? []) as Obj[]).map((c) => runner(c, true));
    this.containers = ((this.pod['spec']['containers'] ?? []) as Obj[]).map((c) => runner(c, false));
    this.scheduleSync();
    await this.mountVolumes();
    if (this.stopped || this.terminating) return;
    for (const init of this.inits) {
      await init.start();
      if (this.stopped || this.terminating) return;
    }
    this.initsDone = true;
    for (const c of this.containers) void c.start().catch(this.deps.onError);
    this.scheduleSync();
  }

  private volumeSources(): VolumeSources {
    return {
      pod: this.withAddresses(),
      podDir: this.podDir,
      secret: this.deps.secret,
      configMap: this.deps.configMap,
      claimDir: this.deps.claimDir,
    };
  }

  private async mountVolumes(): Promise<void> {
    let warned = '';
    while (!this.stopped && !this.terminating) {
      try {
        this.volumes = setUpVolumes(this.volumeSources());
        return;
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (msg !== warned)
          this.deps.event(this.podRef(), 'Warning', 'FailedMount', `MountVolume.SetUp failed: ${msg}`);
        warned = msg;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** The pod with its IPs filled in (before its status says so, env and files already need them). */
  private withAddresses(): Obj {
    return { ...this.pod, status: { ...(this.pod['status'] ?? {}), podIP: this.ip, hostIP: this.deps.hostIP } };
  }

  private podRef(): Obj {
    return { apiVersion: 'v1', kind: 'Pod', metadata: this.pod['metadata'] };
  }

  private environment(c: Obj, paths: PathMap): Record<string, string> {
    const base: Record<string, string> = {
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: this.podDir,
      HOSTNAME: String(this.pod['spec']['hostname'] ?? this.pod['metadata']['name']),
      KUBECONFIG: this.deps.kubeconfigPath,
      KUBERNETES_SERVICE_HOST: this.deps.apiServer.hostname,
      KUBERNETES_SERVICE_PORT: this.deps.apiServer.port,
      MYSQL_HOST: this.ip,
      MYSQL_UNIX_PORT: mysqldSocket(this.podDir),
    };
    return containerEnv(
      {
        pod: this.withAddresses(),
        secret: this.deps.secret,
        configMap: this.deps.configMap,
        base,
        paths,
      },
      c,
    );
  }

  private build(c: Obj): LaunchSpec {
    const plan = planImage(String(c['image'] ?? ''), this.deps.images);
    if (plan.runtime === 'unmapped') throw new ContainerWaitError('ErrImagePull', plan.message);
    if (plan.runtime === 'mysqld' && plan.substituted && !this.warnedFlavor.has(c['name'])) {
      this.warnedFlavor.add(c['name']);
      this.deps.event(
        this.podRef(),
        'Warning',
        'FlavorSubstituted',
        `image ${c['image']} (${plan.imageFlavor}) runs as this machine's ${this.deps.images.localFlavor} server ${this.deps.serverBinary}; options it does not know are ignored (loose-)`,
      );
    }
    const mounts = containerMounts(c, this.volumes);
    const paths = new PathMap(mounts);
    const env = this.environment(c, paths);
    return launchFor(plan, {
      container: expandCommand(c, env),
      env,
      mounts,
      paths,
      podDir: this.podDir,
      podIP: this.ip,
      cacheDir: join(this.deps.dataDir, 'cache'),
      serverBinary: this.deps.serverBinary,
      operatorEntry: this.deps.operatorEntry,
    });
  }

  private containerDeps(c: Obj, init: boolean): ConstructorParameters<typeof ContainerRunner>[1] {
    const ip = (): string => this.ip;
    return {
      pod: () => this.pod,
      podDir: this.podDir,
      init,
      backoffMs: this.deps.backoffMs,
      build: () => this.build(c),
      onChange: () => this.scheduleSync(),
      event: (type, reason, message) => this.deps.event(this.podRef(), type, reason, message),
      probeTarget: {
        get podIP() {
          return ip();
        },
        container: c,
        exec: (command, timeoutMs) => this.runCaptured(c, command, timeoutMs),
      },
    };
  }

  /** Starts a command in a container's environment (exec, probes, hooks); tracked so stop kills it. */
  spawnIn(containerName: string, command: string[], tty: boolean): ChildProcess {
    const c = ((this.pod['spec']['containers'] ?? []) as Obj[]).find((x) => x['name'] === containerName);
    if (!c)
      throw new ContainerConfigError(`container ${containerName} not found in pod ${this.pod['metadata']['name']}`);
    const paths = new PathMap(containerMounts(c, this.volumes));
    const env = this.environment(c, paths);
    const argv = command.map((s) => paths.rewrite(s));
    const child = tty
      ? spawn('script', ['-qfec', argv.map(shellQuote).join(' '), '/dev/null'], {
          cwd: this.podDir,
          env: { ...env, TERM: env['TERM'] ?? 'xterm' },
          detached: true,
        })
      : spawn(argv[0]!, argv.slice(1), { cwd: this.podDir, env, detached: true });
    this.execs.add(child);
    child.once('exit', () => this.execs.delete(child));
    child.once('error', () => this.execs.delete(child));
    return child;
  }

  private runCaptured(c: Obj, command: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        child = this.spawnIn(String(c['name']), command, false);
      } catch (e) {
        resolve({ code: 126, output: e instanceof Error ? e.message : String(e) });
        return;
      }
      let output = '';
      child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      const timer = setTimeout(() => killTree(child), timeoutMs);
      child.once('error', (e) => resolve({ code: 127, output: e.message }));
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? 1, output });
      });
    });
  }

  /** A newer version of the pod object arrived. */
  update(pod: Obj): void {
    const m = (p: Obj) => JSON.stringify([p['metadata']['labels'], p['metadata']['annotations']]);
    const metaChanged = m(pod) !== m(this.pod);
    const labelsChanged = JSON.stringify(pod['metadata']['labels']) !== JSON.stringify(this.pod['metadata']['labels']);
    this.pod = pod;
    // Downward API files follow the pod's labels and annotations (e.g. a role label that moved).
    if (metaChanged && hasDownwardFiles(pod)) this.refresh();
    // A moved label (a role label) usually means readiness changed too: probe now, not a period later.
    if (labelsChanged) for (const c of this.containers) c.probeReadinessNow();
    // The API server holds a readiness other than the one we last had acknowledged (a write of ours
    // that landed late, or someone else's): write ours again, as the kubelet's status manager does.
    if (this.lastAcked && readinessOf(pod['status']) !== this.lastAcked) {
      this.lastSent = '';
      this.scheduleSync();
    }
    if (pod['metadata']['deletionTimestamp']) void this.terminate().catch(this.deps.onError);
  }

  /** Secret/ConfigMap/downward sources changed: rewrite the files. */
  refresh(): void {
    if (this.volumes.size) refreshVolumes(this.volumeSources());
  }

  /** Deletion: stop everything within the grace period, then remove the pod object. */
  terminate(): Promise<void> {
    this.terminating ??= (async () => {
      const m = this.pod['metadata'];
      const grace = Number(m['deletionGracePeriodSeconds'] ?? this.pod['spec']['terminationGracePeriodSeconds'] ?? 30);
      for (const c of this.containers)
        if (c.proc) this.deps.event(this.podRef(), 'Normal', 'Killing', `Stopping container ${c.name}`);
      await this.stopAll(grace * 1000, true);
      await this.deleteObject();
      this.cleanUp();
    })();
    return this.terminating;
  }

  private async deleteObject(): Promise<void> {
    const m = this.pod['metadata'];
    try {
      await this.deps.client.delete(restPath('v1', 'pods', { namespace: m['namespace'], name: m['name'] }), {
        gracePeriodSeconds: 0,
        preconditions: { uid: m['uid'] },
      });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  private async stopAll(graceMs: number, preStop: boolean): Promise<void> {
    this.stopped = true;
    clearTimeout(this.syncTimer);
    for (const e of this.execs) killTree(e);
    await Promise.all([...this.inits, ...this.containers].map((c) => c.stop(graceMs, preStop)));
  }

  /** Runner shutdown: the pod object stays (it comes back when the runner starts again). */
  async shutdown(graceMs: number): Promise<void> {
    await this.stopAll(graceMs, false);
  }

  /** The pod object is gone without us (forced delete): stop at once. */
  async forget(): Promise<void> {
    await this.stopAll(0, false);
    this.cleanUp();
  }

  private cleanUp(): void {
    if (this.ip) this.deps.releaseIp(this.ip);
    rmSync(this.podDir, { recursive: true, force: true });
    removePodCgroup(String(this.pod['metadata']['uid']));
  }

  private scheduleSync(): void {
    if (this.stopped || this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      if (this.syncing) {
        // Written once the one under way is done (it may be waiting out an unreachable server).
        void this.syncing.then(() => this.scheduleSync());
        return;
      }
      this.syncing = this.sync()
        .catch(this.deps.onError)
        .finally(() => (this.syncing = undefined));
    }, 30);
  }

  private async sync(): Promise<void> {
    if (this.stopped && this.terminating === undefined) return;
    const status = podStatus({
      pod: this.pod,
      inits: this.inits,
      containers: this.containers,
      initsDone: this.initsDone,
      podIP: this.ip,
      hostIP: this.deps.hostIP,
      startTime: this.startTime,
      previous: (this.pod['status']?.['conditions'] ?? []) as Obj[],
    });
    const text = JSON.stringify(status);
    if (text === this.lastSent) return;
    const m = this.pod['metadata'];
    try {
      const out = await this.deps.client.mergePatch(
        restPath('v1', 'pods', { namespace: m['namespace'], name: m['name'], sub: 'status' }),
        { status },
      );
      this.lastSent = text;
      this.lastAcked = readinessOf(status);
      if (out['metadata']?.['uid'] === m['uid']) this.pod = { ...this.pod, status: out['status'] };
    } catch (e) {
      if (isNotFound(e)) return;
      // Not taken (server unreachable, timed out): retry shortly even if nothing else changes, as the
      // kubelet's status manager does; otherwise a pod could stay unready in the API forever.
      setTimeout(() => this.scheduleSync(), STATUS_RETRY_MS);
      throw e;
    }
  }
}

/** The part of a pod status that routes traffic: the Ready condition and each container's readiness. */
export function readinessOf(status: Obj | undefined): string {
  const ready = ((status?.['conditions'] ?? []) as Obj[]).find((c) => c['type'] === 'Ready')?.['status'];
  const containers = ((status?.['containerStatuses'] ?? []) as Obj[]).map((c) => `${c['name']}=${c['ready']}`);
  return `${ready ?? '-'} ${containers.sort().join(',')}`;
}

/** Pause before a status write that failed is tried again. */
const STATUS_RETRY_MS = 1000;

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** SIGKILL to a detached child's whole process group. */
export function killTree(child: ChildProcess): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
