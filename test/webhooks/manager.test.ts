// The `manager` subcommand as users run it: the real executable, flags, probes, metrics, webhooks, SIGTERM.
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseFlags, FlagError } from '../../src/cli/manager.ts';
import { loopbackCertificate } from '../../src/util/selfsigned.ts';
import { writeCert } from './harness.ts';

const root = join(import.meta.dirname, '..', '..');

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

t.test('flags: defaults, values, and a clear error for a bad port', async (t) => {
  t.same(parseFlags([]), {
    webhookPort: 9443,
    certDir: '/tmp/k8s-webhook-server/serving-certs',
    healthPort: 8081,
    metricsPort: 8080,
    bindAddress: '0.0.0.0',
    webhooks: true,
    reconcilers: true,
    kubeconfig: undefined,
    namespace: undefined,
    agentImage: undefined,
    leaderElectionNamespace: undefined,
    leaderElectionId: 'mysql-raft-operator-leader',
  });
  t.match(parseFlags(['--no-reconcilers', '--namespace', 'db', '--agent-image', 'op:1', '--leader-election-id', 'x']), {
    reconcilers: false,
    namespace: 'db',
    agentImage: 'op:1',
    leaderElectionId: 'x',
  });
  t.match(parseFlags(['--webhook-port', '10443', '--cert-dir', '/certs', '--health-port', '0']), {
    webhookPort: 10443,
    certDir: '/certs',
    healthPort: 0,
  });
  t.throws(() => parseFlags(['--webhook-port', 'https']), FlagError);
  t.throws(() => parseFlags(['--webhook-port', '70000']), /--webhook-port: "70000" is not a port; allowed 0..65535/);
  t.throws(() => parseFlags(['--frobnicate']), /Unknown option '--frobnicate'/);
});

t.test('the executable serves webhooks, probes and metrics, and stops on SIGTERM', async (t) => {
  const certDir = mkdtempSync(join(tmpdir(), 'mro-manager-'));
  t.teardown(() => rmSync(certDir, { recursive: true, force: true }));
  writeCert(certDir, loopbackCertificate());
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin', 'mysql-raft-operator.js'),
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
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' } },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let started: { health: number; metrics: number; webhook: number } | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    const rec = JSON.parse(line) as { msg: string; health: number; metrics: number; webhook: number };
    if (rec.msg === 'manager started') {
      started = rec;
      break;
    }
  }
  if (!started) throw new Error('manager did not start');
  t.same(await httpGet(started.health, '/healthz'), { status: 200, body: 'ok\n' });
  t.same(await httpGet(started.health, '/readyz'), { status: 200, body: 'ok\n' });
  const metrics = await httpGet(started.metrics, '/metrics');
  t.equal(metrics.status, 200);
  t.match(metrics.body, /process_resident_memory_bytes/);
  t.match(metrics.body, /mysql_operator_webhook_requests_total/);
  t.ok(started.webhook > 0, 'webhook port reported');
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'clean exit on SIGTERM');
});

t.test('the executable refuses a missing certificate and bad flags with a message', async (t) => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [join(root, 'bin', 'mysql-raft-operator.js'), 'manager', ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      c.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      c.on('exit', (code) => resolve({ code, stderr }));
    });
  const bad = await run(['--health-port', 'x']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, '--health-port: "x" is not a port');
  const noCert = await run([
    '--cert-dir',
    '/nonexistent-dir',
    '--webhook-port',
    '0',
    '--health-port',
    '0',
    '--metrics-port',
    '0',
    '--bind-address',
    '127.0.0.1',
  ]);
  t.equal(noCert.code, 1);
  t.match(noCert.stderr, 'cannot load tls.crt/tls.key from /nonexistent-dir');
});
