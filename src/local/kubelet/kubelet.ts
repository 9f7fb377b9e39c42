// The node agent: registers this machine as a Node, runs every pod bound to it through a PodWorker,
// serves logs and exec, rewrites Secret/ConfigMap volumes when their sources change, and provisions
// claims as directories under the data dir. On start it kills processes a previous run left behind
// (their pid files are in the pod directories), so a crashed `local` leaves no orphans once restarted.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loopbackCertificate, type ServingCertificate } from '../../util/selfsigned.ts';
import { join } from 'node:path';
import type { KubeClient, Obj } from './client.ts';
import { isNotFound, restPath } from './client.ts';
import type { ObjectCache } from './cache.ts';
import { ContainerConfigError } from './env.ts';
import type { EventSink } from './events.ts';
import type { ImageOptions } from './images.ts';
import { IpPool } from './ip-pool.ts';
import { registerNode, setNodeReady } from './node.ts';
import { PodWorker, type WorkerDeps } from './pod-worker.ts';
import { startKubeletServer, type KubeletServer } from './kubelet-server.ts';

/** How the kubelet is set up. */
export interface KubeletOptions {
  client: KubeClient;
  nodeName: string;
  /** The address of the node (and of its kubelet endpoint). */
  hostIP: string;
  dataDir: string;
  kubeconfigPath: string;
  apiServer: URL;
  images: ImageOptions;
  serverBinary: string;
  operatorEntry: string;
  /** The bearer token callers of the kubelet endpoint must present (the API server's own). */
  token: string;
  podIpPrefix?: string;
  backoffMs?: number;
  caches: { pods: ObjectCache; secrets: ObjectCache; configmaps: ObjectCache; pvcs: ObjectCache };
  event: EventSink;
  onError(e: unknown): void;
}

/** Pods as processes on this machine. */
export class Kubelet {
  private readonly workers = new Map<string, PodWorker>();
  private readonly pool: IpPool;
  private server: KubeletServer | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly deps: WorkerDeps;

  constructor(private readonly o: KubeletOptions) {
    this.pool = new IpPool(o.podIpPrefix);
    this.deps = {
      client: o.client,
      nodeName: o.nodeName,
      hostIP: o.hostIP,
      dataDir: o.dataDir,
      images: o.images,
      serverBinary: o.serverBinary,
      operatorEntry: o.operatorEntry,
      kubeconfigPath: o.kubeconfigPath,
      apiServer: o.apiServer,
      secret: (ns, name) => o.caches.secrets.get(`${ns}/${name}`),
      configMap: (ns, name) => o.caches.configmaps.get(`${ns}/${name}`),
      claimDir: (ns, claim) => this.claimDir(ns, claim),
      allocateIp: (pod) => {
        const ip = pod['status']?.['podIP'];
        return typeof ip === 'string' && this.pool.claim(ip) ? ip : this.pool.allocate();
      },
      releaseIp: (ip) => this.pool.release(ip),
      event: o.event,
      backoffMs: o.backoffMs ?? 10_000,
      onError: o.onError,
    };
  }

  /** The kubelet endpoint's port (after start). */
  get port(): number {
    return this.server?.port ?? 0;
  }

  async start(): Promise<void> {
    killLeftovers(join(this.o.dataDir, 'pods'));
    this.server = await startKubeletServer({
      host: this.o.hostIP,
      port: 0,
      token: this.o.token,
      cert: kubeletCertificate(this.o.dataDir),
      lookup: (ns, name) => [...this.workers.values()].find((w) => w.key === `${ns}/${name}`),
    });
    await registerNode(this.o.client, this.o.nodeName, this.o.hostIP, this.server.port);
    this.heartbeat = setInterval(() => {
      setNodeReady(this.o.client, this.o.nodeName, this.o.hostIP, this.port, true).catch(this.o.onError);
    }, 10_000);
    this.heartbeat.unref();
    this.o.caches.pods.on((event, pod) => this.onPod(event, pod));
    const refresh = () => {
      for (const w of this.workers.values()) w.refresh();
    };
    this.o.caches.secrets.on((e) => e !== 'add' && refresh());
    this.o.caches.configmaps.on((e) => e !== 'add' && refresh());
    this.o.caches.pvcs.on((e, pvc) => {
      if (e === 'delete') rmSync(this.claimPath(pvc), { recursive: true, force: true });
    });
  }

  private onPod(event: 'add' | 'update' | 'delete', pod: Obj): void {
    if (this.stopped || pod['spec']?.['nodeName'] !== this.o.nodeName) return;
    const uid = String(pod['metadata']['uid']);
    const w = this.workers.get(uid);
    if (event === 'delete') {
      if (w) {
        this.workers.delete(uid);
        void w.forget().catch(this.o.onError);
      }
      return;
    }
    if (w) {
      w.update(pod);
      return;
    }
    if (pod['metadata']['deletionTimestamp']) {
      // Nothing of it runs here (a previous run of the runner stopped it): acknowledge at once.
      void this.o.client
        .delete(restPath('v1', 'pods', { namespace: pod['metadata']['namespace'], name: pod['metadata']['name'] }), {
          gracePeriodSeconds: 0,
          preconditions: { uid },
        })
        .catch((e: unknown) => isNotFound(e) || this.o.onError(e));
      return;
    }
    const phase = pod['status']?.['phase'];
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const worker = new PodWorker(this.deps, pod);
    this.workers.set(uid, worker);
    void worker.start().catch(this.o.onError);
  }

  private claimPath(pvc: Obj): string {
    const m = pvc['metadata'];
    return join(this.o.dataDir, 'volumes', m['namespace'], `${m['name']}-${String(m['uid']).slice(0, 8)}`);
  }

  private claimDir(ns: string, claim: string): string {
    const pvc = this.o.caches.pvcs.get(`${ns}/${claim}`);
    if (!pvc) throw new ContainerConfigError(`persistentvolumeclaim "${claim}" not found`);
    const dir = this.claimPath(pvc);
    mkdirSync(dir, { recursive: true });
    if (pvc['status']?.['phase'] !== 'Bound') {
      const storage = pvc['spec']?.['resources']?.['requests']?.['storage'] ?? '1Gi';
      void this.o.client
        .mergePatch(restPath('v1', 'persistentvolumeclaims', { namespace: ns, name: claim, sub: 'status' }), {
          status: { phase: 'Bound', accessModes: pvc['spec']?.['accessModes'] ?? [], capacity: { storage } },
        })
        .catch(this.o.onError);
    }
    return dir;
  }

  /** Pods running here (for tests and the `local` command's summary). */
  pods(): PodWorker[] {
    return [...this.workers.values()];
  }

  /** Stops every container (SIGTERM, up to `graceMs`, SIGKILL); pod objects stay for the next start. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    await Promise.all([...this.workers.values()].map((w) => w.shutdown(graceMs)));
    this.workers.clear();
    await setNodeReady(this.o.client, this.o.nodeName, this.o.hostIP, this.port, false).catch(() => undefined);
    await this.server?.close();
  }
}

/** The kubelet endpoint's certificate, made once per data dir (openssl is slow on a busy machine). */
function kubeletCertificate(dataDir: string): ServingCertificate {
  const path = join(dataDir, 'kubelet-cert.json');
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ServingCertificate;
  } catch {
    const cert = loopbackCertificate('local-kubelet');
    writeFileSync(path, JSON.stringify(cert), { mode: 0o600 });
    return cert;
  }
}

/** SIGKILLs process groups recorded in pid files under `podsDir` by a previous run. */
export function killLeftovers(podsDir: string): number {
  if (!existsSync(podsDir)) return 0;
  let n = 0;
  for (const pod of readdirSync(podsDir)) {
    const run = join(podsDir, pod, 'run');
    if (!existsSync(run)) continue;
    for (const f of readdirSync(run).filter((x) => x.endsWith('.pid'))) {
      const pid = Number(readFileSync(join(run, f), 'utf8').trim());
      rmSync(join(run, f), { force: true });
      if (!Number.isInteger(pid) || pid <= 1 || !existsSync(`/proc/${pid}`)) continue;
      try {
        process.kill(-pid, 'SIGKILL');
        n++;
      } catch {
        // Not ours any more.
      }
    }
  }
  return n;
}
