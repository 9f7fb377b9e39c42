// One initialised data directory per MariaDB version, reused by every test process: mariadb-install-db
// runs once and each instance starts from a copy, which is much cheaper than bootstrapping N times.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MARIADBD = '/usr/sbin/mariadbd';

/** Small InnoDB files: a copy per instance must be cheap. Used both at install time and at start. */
export const SMALL_INNODB = ['--innodb-log-file-size=4M', '--innodb-buffer-pool-size=16M'];

export function mariadbdPath(): string {
  if (existsSync(MARIADBD)) return MARIADBD;
  const found = spawnSync('sh', ['-c', 'command -v mariadbd'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('mariadbd not found: run hack/install-mariadb.sh');
  return found;
}

export function mariadbVersion(bin = mariadbdPath()): string {
  const out = execFileSync(bin, ['--version'], { encoding: 'utf8' });
  const m = /Ver\s+(\S+)/.exec(out);
  if (!m?.[1]) throw new Error(`cannot read mariadbd version from: ${out.trim()}`);
  return m[1];
}

/** Where instances live: tmpfs when there is one, so fsync (sync_binlog=1) costs nothing. */
export function scratchBase(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

// Users the harness needs on every instance; the test root account reaches the server over TCP from
// any loopback address. sql_log_bin is irrelevant here (bootstrap mode writes no binlog), so template
// copies share no GTIDs and replication between them starts from empty positions.
const TEMPLATE_SQL = `
FLUSH PRIVILEGES;
CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;
DROP USER IF EXISTS ''@'localhost';
`;

export function templateDir(): string {
  const version = mariadbVersion().replace(/[^A-Za-z0-9.-]/g, '_');
  const dir = join(scratchBase(), `mro-mariadb-template-${version}-${process.getuid?.() ?? 0}`);
  if (existsSync(join(dir, '.complete'))) return dir;
  // Build beside the final path and rename: concurrent test processes never see a half-built template.
  const staging = `${dir}.${process.pid}.${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  try {
    const data = join(staging, 'data');
    execFileSync(
      'mariadb-install-db',
      [
        '--no-defaults',
        '--user=root',
        `--datadir=${data}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        ...SMALL_INNODB,
        '--innodb-data-file-path=ibdata1:4M:autoextend',
      ],
      { stdio: 'pipe' },
    );
    const r = spawnSync(
      mariadbdPath(),
      ['--no-defaults', '--user=root', `--datadir=${data}`, '--bootstrap', ...SMALL_INNODB],
      { input: TEMPLATE_SQL, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`template bootstrap failed: ${r.stderr}`);
    writeFileSync(join(staging, '.complete'), 'ok\n');
    try {
      renameSync(staging, dir);
    } catch {
      // Another process won the race; its template is as good as ours.
      rmSync(staging, { recursive: true, force: true });
    }
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return dir;
}
