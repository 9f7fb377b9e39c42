import t from 'tap';
import { subcommands } from '../src/cli/main.ts';

t.test('the executable names every subcommand of the design', async (t) => {
  t.same(Object.keys(subcommands).sort(), ['agent', 'apiserver', 'local', 'manager']);
});

t.test('--version prints the package version; logs name the logger under "logger"', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const { readFileSync } = await import('node:fs');
  const bin = new URL('../bin/mysql-raft-operator.js', import.meta.url).pathname;
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const out = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
  t.equal(out.status, 0);
  t.equal(out.stdout, `mysql-raft-operator ${pkg.version}\n`);
  const { createLogger } = await import('../src/util/log.ts');
  const lines: string[] = [];
  const { Writable } = await import('node:stream');
  const sink = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) });
  const log = createLogger('manager', {}, sink);
  log.info({ name: 'mysql-raft-cluster' }, 'reconciled');
  const rec = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  t.equal(rec['logger'], 'manager');
  t.equal(rec['name'], 'mysql-raft-cluster');
});
