// The agent CLI as a user runs it: --help lists every flag with its env variable; a bad setting
// exits 2 naming it.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FLAGS } from '../../src/agent/config.ts';

// Each run starts a TypeScript process; on a busy shared machine that can take a while.
t.setTimeout(900_000);

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import=tsx', MAIN, 'agent', ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    encoding: 'utf8',
    timeout: 240_000,
  });

t.test('the CLI: --help lists every flag; a bad setting exits 2 naming it', async (t) => {
  const help = cli(['--help']);
  t.equal(help.status, 0);
  for (const f of FLAGS) t.match(help.stdout, new RegExp(`--${f.flag}\\s+${f.env}\\s`), `--${f.flag} ${f.env}`);
  const bad = cli([], {
    POD_NAME: 'db-0',
    POD_NAMESPACE: 'default',
    POD_IP: '127.0.0.9',
    CLUSTER_NAME: 'db',
    MYSQL_PORT: 'x',
  });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /--mysql-port \(MYSQL_PORT\) = "x"/);
  const nokey = cli([
    '--pod-name=db-0',
    '--namespace=default',
    '--pod-ip=127.0.0.9',
    '--cluster=db',
    '--credentials-dir=/nonexistent',
  ]);
  t.equal(nokey.status, 2);
  t.match(nokey.stderr, /cannot read \/nonexistent\/root-password/);
});
