// A MysqlCluster on `mysql-raft-operator local`, driven as a user drives it (kubectl with the kubeconfig
// local writes), plus the handles a nemesis needs: each pod's IP and its containers' process groups.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Annotations, Labels, PodNames, CredentialKeys } from '../../src/api/names.ts';
import { kubectlRunner, type KubectlResult } from '../support/apiserver/kubectl.ts';
import { eventually } from '../support/eventually.ts';

const root = join(import.meta.dirname, '..', '..');

/** What the harness knows about one MySQL pod. */
export interface PodView {
  name: string;
  uid: string;
  ip: string;
  ready: boolean;
  role: string | undefined;
  /** The agent says this node holds transactions the primary does not have (it stays detached). */
  errant: boolean;
}

function agentSaysErrant(p: any): boolean {
  try {
    return JSON.parse(p.metadata?.annotations?.[Annotations.agentStatus] ?? '{}').errant === true;
  } catch {
    return false;
  }
}

/** How to start the cluster. */
export interface LocalClusterOptions {
  dataDir: string;
  replicas: number;
  name?: string;
}

/** Fails with the command and its stderr when kubectl does. */
function must(r: KubectlResult, what: string): string {
  if (r.code !== 0) throw new Error(`${what}: kubectl exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** The running system: `local` as a child process and one MysqlCluster in namespace default. */
export class LocalCluster {
  readonly name: string;
  readonly kubeconfig: string;
  readonly kubectl: ReturnType<typeof kubectlRunner>;
  private proc: ChildProcess | undefined;
  private stopped = false;
  private coreApi: CoreV1Api | undefined;

  constructor(private readonly o: LocalClusterOptions) {
    this.name = o.name ?? 'mysql-raft-cluster';
    this.kubeconfig = join(o.dataDir, 'kubeconfig');
    this.kubectl = kubectlRunner(this.kubeconfig);
  }

  /** Starts `local` (its output goes to DATA/local.log) and waits until kubectl reaches it. */
  async startLocal(): Promise<void> {
    const log = createWriteStream(join(this.o.dataDir, 'local.log'), { flags: 'a' });
    this.proc = spawn(
      process.execPath,
      [join(root, 'bin', 'mysql-raft-operator.js'), 'local', '--data-dir', this.o.dataDir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.proc.stdout!.pipe(log);
    this.proc.stderr!.pipe(log);
    // Stopped by a signal, the harness still stops `local` (which stops every pod's processes).
    const child = this.proc;
    process.once('exit', () => child.exitCode === null && child.kill('SIGTERM'));
    this.stopped = false;
    await eventually(
      async () => existsSync(this.kubeconfig) && (await this.kubectl.run(['get', 'ns', 'default'])).code === 0,
      'local to answer kubectl',
      120_000,
      250,
    );
  }

  /** Applies the seed manifest with `replicas` set. */
  async apply(): Promise<void> {
    const sample = parse(readFileSync(join(root, 'kustomize', 'samples', 'mysql-cluster.yaml'), 'utf8')) as {
      metadata: { name: string };
      spec: { replicas: number };
    };
    sample.metadata.name = this.name;
    sample.spec.replicas = this.o.replicas;
    must(await this.kubectl.run(['apply', '-f', '-'], stringify(sample)), 'apply MysqlCluster');
  }

  /** The MysqlCluster as JSON. */
  async cluster(): Promise<Record<string, any>> {
    return JSON.parse(must(await this.kubectl.run(['get', 'mysqlcluster', this.name, '-o', 'json']), 'get cluster'));
  }

  private core(): CoreV1Api {
    const kc = new KubeConfig();
    kc.loadFromFile(this.kubeconfig);
    return kc.makeApiClient(CoreV1Api);
  }

  /** The cluster's pods with IP, readiness and role label (through the API, cheaper than kubectl). */
  async pods(): Promise<PodView[]> {
    this.coreApi ??= this.core();
    const list = await this.coreApi.listNamespacedPod({
      namespace: 'default',
      labelSelector: `${Labels.cluster}=${this.name}`,
    });
    return (list.items as any[]).map((p) => ({
      name: p.metadata.name,
      uid: p.metadata.uid,
      ip: p.status?.podIP ?? '',
      ready: (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'),
      role: p.metadata.labels?.[Labels.role],
      errant: agentSaysErrant(p),
    }));
  }

  /** Waits until status says Ready with a master and every pod is ready. */
  async waitReady(timeoutMs: number): Promise<{ master: string; pods: PodView[] }> {
    return eventually(
      async () => {
        const c = await this.cluster().catch(() => undefined);
        const ready = c?.status?.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True');
        if (!ready || !c?.status?.master) return undefined;
        const pods = await this.pods().catch(() => []);
        if (pods.length !== this.o.replicas || !pods.every((p) => p.ready && p.ip)) return undefined;
        return { master: String(c.status.master), pods };
      },
      `MysqlCluster ${this.name} Ready with every pod ready`,
      timeoutMs,
      500,
    );
  }

  /** The root password from the generated credentials Secret. */
  async rootPassword(): Promise<string> {
    const out = must(
      await this.kubectl.run(['get', 'secret', `${this.name}-credentials`, '-o', 'json']),
      'get credentials Secret',
    );
    return Buffer.from(JSON.parse(out).data[CredentialKeys.root], 'base64').toString('utf8');
  }

  /** The master Service's clusterIP (what clients use). */
  async masterAddress(): Promise<string> {
    const c = await this.cluster();
    const svc = String(c.spec.masterService);
    return must(
      await this.kubectl.run(['get', 'svc', svc, '-o', 'jsonpath={.spec.clusterIP}']),
      'get master Service',
    ).trim();
  }

  /** The process group of a pod's container (its pid file, written by local's kubelet). */
  pgid(pod: PodView, container: 'mysql' | 'agent'): number | undefined {
    const name = container === 'mysql' ? PodNames.mysqlContainer : PodNames.agentContainer;
    const file = join(this.o.dataDir, 'pods', `default_${pod.name}_${pod.uid}`, 'run', `${name}.pid`);
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  }

  /** Sends `signal` to a container's process group; false when it is not running. */
  signal(pod: PodView, container: 'mysql' | 'agent', signal: NodeJS.Signals): boolean {
    const pgid = this.pgid(pod, container);
    if (!pgid) return false;
    try {
      process.kill(-pgid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** `kubectl delete pod` (graceful, as a user or a drain does) without waiting for it to go. */
  async deletePod(name: string): Promise<void> {
    must(await this.kubectl.run(['delete', 'pod', name, '--wait=false']), `delete pod ${name}`);
  }

  /**
   * Re-clones an errant node as an operator would: its data claim and pod are deleted (in that order,
   * as Kubernetes' docs say), the StatefulSet recreates both, and the empty mysqld replicates
   * everything from the primary. Its unacknowledged transactions are dropped with the old data.
   */
  async reclone(name: string): Promise<void> {
    must(
      await this.kubectl.run(['delete', 'pvc', `${PodNames.dataVolume}-${name}`, '--wait=false']),
      `delete pvc of ${name}`,
    );
    must(await this.kubectl.run(['delete', 'pod', name, '--wait=false']), `delete pod ${name}`);
  }

  /** Requests a switchover by annotation (`any` or a pod name). */
  async switchover(to: string): Promise<void> {
    must(
      await this.kubectl.run([
        'annotate',
        '--overwrite',
        'mysqlcluster',
        this.name,
        `${Annotations.switchoverTo}=${to}`,
      ]),
      'annotate switchover',
    );
  }

  /** Stops `local` and with it every process it started. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || this.stopped || p.exitCode !== null) return;
    this.stopped = true;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    try {
      process.kill(p.pid!, 'SIGCONT');
    } catch {
      // Already gone.
    }
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 120_000);
    await exited;
    clearTimeout(timer);
  }
}
