// npm run bench:webhook — validation AdmissionReviews over HTTPS (keep-alive) at a fixed rate against
// the real `manager` executable in a child process. Prints rps, p50, p99 and the server's peak RSS; the
// last line is one JSON object {"rps","p50_ms","p99_ms","rss_mb"}.
//   BENCH_RATE (default 500 req/s), BENCH_COUNT (default 5000), BENCH_WARMUP (default 500)
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import os, { loadavg, tmpdir } from 'node:os';
import { get } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loopbackCertificate } from '../src/util/selfsigned.ts';
import { PATHS } from '../webhooks/server.ts';
import { parse } from 'yaml';

const rate = Number(process.env['BENCH_RATE'] ?? 500);
const count = Number(process.env['BENCH_COUNT'] ?? 5000);
const warmup = Number(process.env['BENCH_WARMUP'] ?? 500);
const root = join(import.meta.dirname, '..');

function review(i: number): string {
  // One in five is denied (even replicas), so both answers are measured.
  const replicas = i % 5 === 0 ? 4 : 3;
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `bench-${i}`,
      kind: { group: 'apps.ryansu.com', version: 'v1', kind: 'MysqlCluster' },
      resource: { group: 'apps.ryansu.com', version: 'v1', resource: 'mysqlclusters' },
      name: 'mysql-raft-cluster',
      namespace: 'default',
      operation: 'CREATE',
      userInfo: { username: 'bench' },
      object: {
        apiVersion: 'apps.ryansu.com/v1',
        kind: 'MysqlCluster',
        metadata: { name: 'mysql-raft-cluster', namespace: 'default' },
        spec: {
          image: 'mysql:5.7',
          replicas,
          masterService: 'mysql-master',
          slaveService: 'mysql-slave',
          storage: { storageClassName: 'standard', size: '10Gi' },
          resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1000m', memory: '2Gi' } },
          raft: { electionTimeout: '3s', heartbeatInterval: '300ms', logBatchSize: 100 },
          semiSync: { enabled: true },
          mysql: { flavor: 'auto' },
          paused: false,
        },
      },
      oldObject: null,
      dryRun: false,
    },
  });
}

function rssPeakMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : NaN;
}

/** Share of validate requests the server answered within 1 ms and 5 ms, from /metrics. */
function serverSide(port: number): Promise<string> {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () => {
        const bucket = (le: string) =>
          Number(
            text
              .split('\n')
              .find(
                (l) =>
                  l.includes('request_duration_seconds_bucket{') &&
                  l.includes('webhook="validate"') &&
                  l.includes(`le="${le}"`),
              )
              ?.split(' ')
              .pop() ?? NaN,
          );
        const all = bucket('+Inf');
        resolve(
          `${((100 * bucket('0.001')) / all).toFixed(2)}% within 1 ms, ${((100 * bucket('0.005')) / all).toFixed(2)}% within 5 ms of ${all}`,
        );
      });
    }).on('error', (e) => resolve(`unavailable (${e.message})`));
  });
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/**
 * The manager as it ships (compiled JavaScript, as in the Docker image), built into a scratch directory
 * so the worktree's dist/ is never touched; the tsx entry is the fallback when the build fails.
 */
function managerCommand(scratch: string): { args: string[]; form: string } {
  try {
    execFileSync(
      process.execPath,
      [
        join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(root, 'tsconfig.build.json'),
        '--outDir',
        join(scratch, 'dist'),
        '--sourceMap',
        'false',
      ],
      { stdio: 'pipe' },
    );
    copyFileSync(join(root, 'package.json'), join(scratch, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'));
    return { args: [join(scratch, 'dist', 'src', 'cli', 'main.js')], form: 'compiled JavaScript' };
  } catch {
    return { args: [join(root, 'bin', 'mysql-raft-operator.js')], form: 'tsx entry (compile failed)' };
  }
}

/** NODE_OPTIONS of the manager container in kustomize/base, so the server runs as deployed. */
function deployedNodeOptions(): string[] {
  const deploy = parse(readFileSync(join(root, 'kustomize', 'base', 'manager.yaml'), 'utf8')) as {
    spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
  };
  const env = deploy.spec.template.spec.containers[0]?.env ?? [];
  return (env.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '').split(/\s+/).filter(Boolean);
}

async function main(): Promise<void> {
  const certDir = mkdtempSync(join(tmpdir(), 'mro-bench-'));
  const manager = managerCommand(certDir);
  const cert = loopbackCertificate();
  writeFileSync(join(certDir, 'tls.crt'), cert.certPem);
  writeFileSync(join(certDir, 'tls.key'), cert.keyPem, { mode: 0o600 });
  const child = spawn(
    process.execPath,
    [
      ...deployedNodeOptions(),
      ...manager.args,
      'manager',
      '--webhook-port',
      '0',
      '--health-port',
      '0',
      '--metrics-port',
      '0',
      '--bind-address',
      '127.0.0.1',
      '--cert-dir',
      certDir,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'info' } },
  );
  let port = 0;
  let metricsPort = 0;
  for await (const line of createInterface({ input: child.stdout })) {
    const rec = JSON.parse(line) as { msg?: string; webhook?: number; metrics?: number };
    if (rec.msg === 'manager started') {
      port = rec.webhook ?? 0;
      metricsPort = rec.metrics ?? 0;
      break;
    }
  }
  child.stdout.resume();
  if (!port) throw new Error('manager did not start');
  const agent = new Agent({ keepAlive: true, maxSockets: 32, ca: cert.caPem });
  const bodies = Array.from({ length: 50 }, (_, i) => review(i));

  const send = (i: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const body = bodies[i % bodies.length] as string;
      const start = process.hrtime.bigint();
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: PATHS.validate,
          method: 'POST',
          agent,
          servername: 'localhost',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(Number(process.hrtime.bigint() - start) / 1e6)
              : reject(new Error(`HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  // Open loop: requests leave on schedule whether or not earlier ones have returned.
  const run = async (n: number): Promise<{ latencies: number[]; seconds: number }> => {
    const latencies: number[] = [];
    const pending: Promise<void>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(
        send(i).then((ms) => {
          latencies.push(ms);
        }),
      );
    }
    await Promise.all(pending);
    return { latencies, seconds: (performance.now() - t0) / 1000 };
  };

  await run(warmup);
  const { latencies, seconds } = await run(count);
  const sorted = [...latencies].sort((a, b) => a - b);
  const result = {
    rps: Math.round((latencies.length / seconds) * 10) / 10,
    p50_ms: Math.round(quantile(sorted, 0.5) * 1000) / 1000,
    p99_ms: Math.round(quantile(sorted, 0.99) * 1000) / 1000,
    rss_mb: rssPeakMb(child.pid ?? 0),
  };
  const server = await serverSide(metricsPort);
  agent.destroy();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(certDir, { recursive: true, force: true });
  process.stdout.write(
    `webhook bench: ${latencies.length} validation reviews at a target ${rate} req/s over HTTPS keep-alive\n`,
  );
  process.stdout.write(
    `  achieved ${result.rps} req/s, p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, max ${Math.round((sorted.at(-1) ?? 0) * 1000) / 1000} ms\n`,
  );
  process.stdout.write(
    `  server peak RSS ${result.rss_mb} MB (manager subcommand, ${manager.form}, node ${deployedNodeOptions().join(' ') || '(defaults)'})\n`,
  );
  process.stdout.write(`  server-side handler time (its own histogram, warmup included): ${server}\n`);
  process.stdout.write(
    `  machine load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on ${os.availableParallelism()} cores (shared with other jobs)\n`,
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
