// `mysql-raft-operator apiserver` as a user runs it: flags, the kubeconfig it writes (used by kubectl
// when present and by client-node), --data persistence, clean shutdown on SIGTERM.
import '../../support/apiserver/node20-shim.ts';
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { kubectlRunner, kubectlVersion } from '../../support/apiserver/kubectl.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

function start(args: string[]) {
  const p = spawn(TSX, ['src/cli/main.ts', 'apiserver', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => (out += String(d)));
  p.stderr.on('data', (d) => (err += String(d)));
  const listening = new Promise<string>((resolve, reject) => {
    p.stdout.on('data', () => {
      const m = /listening on (\S+?);?\s/.exec(out);
      if (m) resolve(m[1]!);
    });
    p.on('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  listening.catch(() => undefined); // a refused start is asserted through `exited`
  const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
  return { p, listening, exited, output: () => ({ out, err }) };
}

t.test('runs, writes a working kubeconfig, persists with --data and stops on SIGTERM', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mro-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const kubeconfig = join(dir, 'kubeconfig');
  const data = join(dir, 'data.json');
  const a = start(['--port', '0', '--kubeconfig-out', kubeconfig, '--data', data]);
  t.teardown(() => {
    a.p.kill('SIGKILL');
  });
  const url = await a.listening;
  t.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedConfigMap({
    namespace: 'default',
    body: { metadata: { name: 'from-cli' }, data: { a: '1' } },
  });
  if (kubectlVersion()) {
    const r = await kubectlRunner(kubeconfig).run(['get', 'cm', 'from-cli', '-o', 'jsonpath={.data.a}']);
    t.equal(r.stdout, '1', 'kubectl accepts the kubeconfig');
  } else t.comment('kubectl not on PATH: checked with client-node only');
  a.p.kill('SIGTERM');
  t.equal(await a.exited, 0, 'clean exit on SIGTERM');
  t.ok(existsSync(data), 'data file written');
  const b = start(['--kubeconfig-out', kubeconfig, '--data', data]);
  t.teardown(() => {
    b.p.kill('SIGKILL');
  });
  await b.listening;
  const kc2 = new KubeConfig();
  kc2.loadFromFile(kubeconfig);
  const got = await kc2.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'from-cli', namespace: 'default' });
  t.same(got.data, { a: '1' }, 'object survived the restart');
  b.p.kill('SIGTERM');
  t.equal(await b.exited, 0);
});

t.test('a bad flag value is refused with a clear message and exit code 2', async (t) => {
  const bad = start(['--port', 'eighty']);
  t.equal(await bad.exited, 2);
  t.match(bad.output().err, /--port: invalid value "eighty": must be an integer from 0 to 65535/);
  const unknown = start(['--bogus']);
  t.equal(await unknown.exited, 2);
  t.match(unknown.output().err, /Unknown option '--bogus'/);
});
