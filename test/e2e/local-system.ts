// `mysql-raft-operator local` as a user starts it (the binary, in its own process), plus what the
// end-to-end tests ask of it: kubectl against its kubeconfig, a restart on the same data dir, the
// generated root password, which pod's mysqld is writable, and a MySQL connection to an address.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';
import { kubectlRunner, type KubectlResult } from '../support/apiserver/kubectl.ts';
import { eventually } from '../support/eventually.ts';
import { processesUnder } from '../support/processes.ts';
import { root } from '../kustomize/build.ts';

/** A running `local` and kubectl pointed at it. */
export interface LocalUnderTest {
  dir: string;
  output(): string;
  kubectl: ReturnType<typeof kubectlRunner>;
  /** kubectl ... -o json, or undefined when kubectl failed (for polling). */
  json(args: string[]): Promise<any>;
  /** SIGTERM to `local`, resolved when it has exited. */
  stop(): Promise<void>;
  /** Starts `local` again on the same data dir. */
  restart(): Promise<void>;
  /** Stops it, checks that no process mentions the data dir, removes the dir. */
  cleanup(): Promise<void>;
}

/** Starts `bin/mysql-raft-operator.js local --data-dir <fresh dir>` and waits for its next-steps text. */
export async function startLocalUnderTest(prefix: string): Promise<LocalUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let proc: ChildProcess | undefined;
  let out = '';
  const launch = async (): Promise<void> => {
    const from = out.length;
    proc = spawn(process.execPath, [join(root, 'bin', 'mysql-raft-operator.js'), 'local', '--data-dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await eventually(
      () => out.slice(from).includes('export KUBECONFIG=') || proc?.exitCode !== null,
      'local to start',
      180_000,
      200,
    );
    if (proc.exitCode !== null) throw new Error(`local exited with ${proc.exitCode}:\n${out.slice(from)}`);
  };
  const stop = async (): Promise<void> => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  };
  await launch();
  const kubectl = kubectlRunner(join(dir, 'kubeconfig'));
  return {
    dir,
    output: () => out,
    kubectl,
    async json(args) {
      const r = await kubectl.run([...args, '-o', 'json']);
      if (r.code !== 0) return undefined;
      try {
        return JSON.parse(r.stdout);
      } catch {
        return undefined;
      }
    },
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    async cleanup() {
      await stop();
      const left = processesUnder(dir);
      // MRO_KEEP_LOCAL_DIR=1 keeps the data dir (pod logs, data files) to read after a failure.
      if (process.env['MRO_KEEP_LOCAL_DIR'] === '1') process.stderr.write(`local data dir kept: ${dir}\n`);
      else rmSync(dir, { recursive: true, force: true });
      if (left.length) throw new Error(`processes left behind: ${left.join('\n')}`);
    },
  };
}

/** The generated root password, read from the credentials Secret as a user would. */
export async function rootPassword(l: LocalUnderTest, cluster: string): Promise<string> {
  const r = await l.kubectl.run(['get', 'secret', `${cluster}-credentials`, '-o', "jsonpath={.data['root-password']}"]);
  if (r.code !== 0 || !r.stdout) throw new Error(`no root password: ${r.stderr}`);
  return Buffer.from(r.stdout, 'base64').toString('utf8');
}

/** `kubectl exec -it POD -- mysql -uroot -p<pw> -N -e SQL`, as the seed README runs it. */
export function mysqlExec(l: LocalUnderTest, pod: string, password: string, sql: string): Promise<KubectlResult> {
  return l.kubectl.run(['exec', '-it', pod, '--', 'mysql', '-uroot', `-p${password}`, '-N', '-e', sql]);
}

/** The pods whose mysqld is writable (read_only = 0), asked through kubectl exec. */
export async function writablePods(l: LocalUnderTest, pods: string[], password: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of pods) {
    const r = await mysqlExec(l, p, password, 'SELECT @@global.read_only');
    if (r.code === 0 && r.stdout.trim() === '0') out.push(p);
  }
  return out;
}

/** A root connection to host:3306 (a pod IP or a Service clusterIP). */
export function connectRoot(host: string, password: string): Promise<Connection> {
  return createConnection({ host, port: 3306, user: 'root', password, connectTimeout: 3000 });
}

/** True when the pod is Ready. */
export function isReady(pod: any): boolean {
  return Boolean(pod?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
}
