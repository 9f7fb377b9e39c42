// Runs the kubectl on PATH against a target, with a private discovery cache (kubectl caches discovery
// per host:port, and ports are reused across test runs).
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function kubectlVersion(): string | undefined {
  const r = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  try {
    return String(JSON.parse(r.stdout).clientVersion.gitVersion);
  } catch {
    return undefined;
  }
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubectlRunner(kubeconfigPath: string) {
  const cacheDir = mkdtempSync(join(tmpdir(), 'mro-kubectl-cache-'));
  const base = [`--kubeconfig=${kubeconfigPath}`, `--cache-dir=${cacheDir}`];
  return {
    run(args: string[], stdin?: string): Promise<KubectlResult> {
      return new Promise((resolve) => {
        const p = execFile(
          'kubectl',
          [...base, ...args],
          { encoding: 'utf8', timeout: 60_000 },
          (err, stdout, stderr) => {
            resolve({
              code: err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0,
              stdout,
              stderr,
            });
          },
        );
        if (stdin !== undefined) p.stdin!.end(stdin);
      });
    },
    spawn(args: string[]): ChildProcess {
      return spawn('kubectl', [...base, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    },
  };
}
