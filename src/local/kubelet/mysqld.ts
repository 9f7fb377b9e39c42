// The database images' entrypoint, as processes: mysql:*, mariadb:* and percona/* containers run this
// machine's server with its data directory on the container's /var/lib/mysql volume, listening on the
// pod's own loopback IP, configured by the files mounted under /etc/mysql. On an empty data directory
// the root password comes from MARIADB_ROOT_PASSWORD / MYSQL_ROOT_PASSWORD (or an explicit allow-empty),
// exactly as the images' docker-entrypoint.sh requires, written without binary logging. When the image's
// flavor is not the local server's (mysql:8.0 on MariaDB), options become `loose-` so unknown ones warn.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { FLAVORS } from '../../mysql/index.ts';
import type { Obj } from './client.ts';
import type { LaunchSpec } from './launch-spec.ts';

/** Inputs of a database container. */
export interface MysqldInput {
  container: Obj;
  env: Record<string, string>;
  mounts: Map<string, string>;
  podDir: string;
  podIP: string;
  cacheDir: string;
  serverBinary: string;
  substituted: boolean;
}

const ENTRY_NAMES = new Set(['mysqld', 'mariadbd', 'docker-entrypoint.sh', '/usr/local/bin/docker-entrypoint.sh']);

/** The mysqld server's port: a container port named mysql, else 3306. */
export function mysqlPort(container: Obj): number {
  const ports = (container['ports'] ?? []) as Obj[];
  const named = ports.find((p) => p['name'] === 'mysql') ?? ports.find((p) => p['containerPort'] === 3306);
  return Number(named?.['containerPort'] ?? 3306);
}

/** Longest Unix socket path (sun_path is 108 bytes with its NUL); mysqld refuses longer ones. */
const MAX_SOCKET_PATH = 107;

/** The socket path of a pod's mysqld (what MYSQL_UNIX_PORT points at): in the pod directory, or, when
 * that path is too long for a Unix socket (a deep --data-dir), a short one in the temp directory named
 * by a hash of the pod directory. */
export function mysqldSocket(podDir: string): string {
  const inPod = join(podDir, 'run', 'mysqld.sock');
  if (Buffer.byteLength(inPod) <= MAX_SOCKET_PATH) return inPod;
  return join(tmpdir(), `mysql-raft-${createHash('sha256').update(podDir).digest('hex').slice(0, 16)}.sock`);
}

/** True when the container's command is not the server (e.g. `sh -c mysqladmin ...`): it runs on the host. */
export function runsServer(container: Obj): boolean {
  const cmd = (container['command'] ?? []) as string[];
  return cmd.length === 0 || ENTRY_NAMES.has(cmd[0]!) || ENTRY_NAMES.has(basename(cmd[0]!));
}

function serverArgs(container: Obj, substituted: boolean): string[] {
  const all = [...((container['command'] ?? []) as string[]).slice(1), ...((container['args'] ?? []) as string[])];
  const flags = all.filter((a, i) => !(i === 0 && ENTRY_NAMES.has(basename(a))));
  return substituted ? flags.map((f) => f.replace(/^--(?!loose-)/, '--loose-')) : flags;
}

function loosen(text: string): string {
  return text
    .split('\n')
    .map((l) => (/^\s*[A-Za-z][\w-]*\s*(=|$)/.test(l) && !/^\s*loose-/.test(l) ? `loose-${l.trimStart()}` : l))
    .join('\n');
}

/**
 * What a stand-in server needs to honour a config written for the image's flavor: MariaDB standing in for
 * MySQL gets its own GTID and crash-recovery words (src/mysql/flavor.ts), so an operator's my.cnf for
 * mysql:5.7 keeps its meaning (strict GTIDs; a crash cuts the unacknowledged tail, as the operator's
 * MariaDB my.cnf asks). All `loose-`: an older server ignores what it does not know.
 */
export function standInConfig(serverBinary: string): string {
  const name = basename(serverBinary);
  const words = name.startsWith('mariadb') ? FLAVORS.mariadb.mycnf : null;
  const settings = words ? [...words.gtid, ...words.crashRecoveryAsReplica] : [];
  const lines = settings.map(([k, v]) => `${k.startsWith('loose-') ? k : `loose-${k}`} = ${v}`);
  return ["# Written by the local pod runner: the stand-in server's own words.", '[mysqld]', ...lines, ''].join('\n');
}

/** my.cnf for the pod: the client socket, then the config files mounted under /etc/mysql. */
function writeConfig(i: MysqldInput): string {
  const lines = ['[client-server]', `socket=${mysqldSocket(i.podDir)}`, `port=${mysqlPort(i.container)}`, ''];
  const confDir = join(i.podDir, 'run', 'conf.d');
  rmSync(confDir, { recursive: true, force: true });
  mkdirSync(confDir, { recursive: true });
  let n = 0;
  for (const [mountPath, host] of i.mounts) {
    if (!mountPath.startsWith('/etc/mysql') || !existsSync(host)) continue;
    const files = statSync(host).isDirectory()
      ? readdirSync(host)
          .filter((f) => f.endsWith('.cnf'))
          .map((f) => join(host, f))
      : [host];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      writeFileSync(
        join(confDir, `${String(n++).padStart(3, '0')}-${basename(f)}`),
        i.substituted ? loosen(text) : text,
      );
    }
  }
  if (i.substituted) writeFileSync(join(confDir, '999-stand-in.cnf'), standInConfig(i.serverBinary));
  lines.push(`!includedir ${confDir}`, '');
  const path = join(i.podDir, 'run', 'my.cnf');
  writeFileSync(path, lines.join('\n'));
  return path;
}

function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The SQL the images' entrypoint runs on a fresh data directory, or an error in its words. */
export function initSql(env: Record<string, string>): string {
  const pw = env['MARIADB_ROOT_PASSWORD'] ?? env['MYSQL_ROOT_PASSWORD'];
  const allowEmpty = ['MARIADB_ALLOW_EMPTY_ROOT_PASSWORD', 'MYSQL_ALLOW_EMPTY_PASSWORD'].some(
    (k) => env[k] && env[k] !== 'no',
  );
  if (pw === undefined && !allowEmpty)
    throw new Error(
      'Database is uninitialized and password option is not specified\n\tYou need to specify one of MARIADB_ROOT_PASSWORD, MARIADB_ROOT_PASSWORD_HASH, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD',
    );
  const p = sqlString(pw ?? '');
  const out = [
    'SET SESSION sql_log_bin=0;',
    "DROP USER IF EXISTS ''@'localhost';",
    // As the MariaDB image's entrypoint: only root@localhost and root@'%' remain. A root@127.0.0.1 left
    // by mariadb-install-db (no password) would win over root@'%' for every pod's connection, which
    // comes from 127.0.0.1 here.
    "DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1';",
    "EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\\'', @@hostname, '\\'');",
    `CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY ${p};`,
    "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;",
    `ALTER USER 'root'@'localhost' IDENTIFIED BY ${p};`,
  ];
  const db = env['MARIADB_DATABASE'] ?? env['MYSQL_DATABASE'];
  const user = env['MARIADB_USER'] ?? env['MYSQL_USER'];
  const upw = env['MARIADB_PASSWORD'] ?? env['MYSQL_PASSWORD'] ?? '';
  if (db) out.push(`CREATE DATABASE IF NOT EXISTS \`${db.replace(/`/g, '``')}\`;`);
  if (user) {
    out.push(`CREATE USER IF NOT EXISTS ${sqlString(user)}@'%' IDENTIFIED BY ${sqlString(upw)};`);
    if (db) out.push(`GRANT ALL ON \`${db.replace(/`/g, '``')}\`.* TO ${sqlString(user)}@'%';`);
  }
  return `${out.join('\n')}\n`;
}

/** An initialised, empty data directory built once per data dir and copied for each new volume. */
function template(cacheDir: string, serverBinary: string): string {
  const dir = join(cacheDir, `mariadb-template-${basename(serverBinary)}`);
  if (existsSync(join(dir, '.complete'))) return dir;
  const staging = `${dir}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  execFileSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      ...asRoot,
      `--datadir=${join(staging, 'data')}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ],
    { stdio: 'pipe' },
  );
  writeFileSync(join(staging, '.complete'), 'ok\n');
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return dir;
}

/** How to start the database container; `prepare` initialises an empty data directory first. */
export function mysqldLaunch(i: MysqldInput): LaunchSpec {
  const dataDir = i.mounts.get('/var/lib/mysql') ?? join(i.podDir, 'mysql-data');
  const run = join(i.podDir, 'run');
  const initFile = join(run, 'init.sql');
  // The pod's /tmp volume where it mounts one (the operator's pods do), else one of the pod's own.
  const tmp = i.mounts.get('/tmp') ?? join(run, 'tmp');
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  let firstBoot = false;
  const args = () => [
    `--defaults-file=${writeConfig(i)}`,
    ...asRoot,
    `--datadir=${dataDir}`,
    `--socket=${mysqldSocket(i.podDir)}`,
    // Where the image keeps it (/var/run/mysqld), when the pod mounts that: the agent reads it there.
    `--pid-file=${join(i.mounts.get('/var/run/mysqld') ?? run, 'mysqld.pid')}`,
    `--bind-address=${i.podIP}`,
    `--port=${mysqlPort(i.container)}`,
    // The container's own /tmp. A shared one is not only untidy: a starting mariadbd deletes every
    // `#sql*` file in its tmpdir, the temporary tables of the other pods' running queries included.
    `--tmpdir=${tmp}`,
    ...(firstBoot ? [`--init-file=${initFile}`] : []),
    ...serverArgs(i.container, i.substituted),
  ];
  return {
    command: i.serverBinary,
    args: [],
    env: i.env,
    cwd: i.podDir,
    prepare: async () => {
      mkdirSync(run, { recursive: true });
      mkdirSync(tmp, { recursive: true });
      firstBoot = !existsSync(join(dataDir, 'mysql'));
      if (firstBoot) {
        writeFileSync(initFile, initSql(i.env), { mode: 0o600 });
        mkdirSync(dataDir, { recursive: true });
        cpSync(join(template(i.cacheDir, i.serverBinary), 'data'), dataDir, { recursive: true });
      } else rmSync(initFile, { force: true });
      return args();
    },
  };
}
