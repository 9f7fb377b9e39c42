// Fencing by crash. A primary that must stop writing (lost its lease or quorum, or found writable while
// not the leader) may have client sessions waiting for semi-sync acknowledgements: their transactions are
// in its binlog but no replica acknowledged them. Killing those sessions (src/mysql/fence.ts) or shutting
// mysqld down commits them, so the node comes back errant and cannot rejoin. SIGKILL leaves them prepared,
// and MariaDB's crash recovery as a replica (init_rpl_role, src/mysql/flavor.ts) cuts them from the binlog
// at restart: the node rejoins as a replica. The kubelet restarts mysqld (restartPolicy Always); it starts
// read-only. Needs the pid file on the run volume both containers mount and a shared process namespace
// (the StatefulSet sets both; docs/failover.md, "Fencing by crash").
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Process names a pid file may point at: anything else is refused (a stale pid reused by another). */
const MYSQLD_NAMES = new Set(['mysqld', 'mariadbd']);

/** Why a crash was not done, or the pid that was killed. */
export type CrashOutcome = { crashed: true; pid: number } | { crashed: false; why: string };

function processState(pid: number): { name: string; state: string } | null {
  try {
    // /proc/<pid>/stat: "pid (comm) state ..."; comm may hold spaces or parentheses, so cut at the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    return { name: stat.slice(open + 1, close), state: stat.slice(close + 2, close + 3) };
  } catch {
    return null;
  }
}

/** The mysqld pid the file names, when it is a running mysqld/mariadbd process; otherwise why not. */
export function mysqldPid(pidFile: string): { pid: number } | { why: string } {
  let text: string;
  try {
    text = readFileSync(pidFile, 'utf8').trim();
  } catch (err) {
    return { why: `pid file ${pidFile} unreadable: ${(err as Error).message}` };
  }
  const pid = Number(text);
  if (!/^\d+$/.test(text) || pid <= 1) return { why: `pid file ${pidFile} holds ${JSON.stringify(text)}, not a pid` };
  const p = processState(pid);
  if (!p || p.state === 'Z') return { why: `pid ${pid} from ${pidFile} is not running` };
  if (!MYSQLD_NAMES.has(p.name)) return { why: `pid ${pid} from ${pidFile} is ${p.name}, not mysqld` };
  return { pid };
}

/** SIGKILL of own mysqld, at once (no await before the signal): the pid killed, or why not. */
export function killMysqld(pidFile: string): { pid: number } | { why: string } {
  const found = mysqldPid(pidFile);
  if ('why' in found) return found;
  try {
    process.kill(found.pid, 'SIGKILL');
  } catch (err) {
    return { why: `kill ${found.pid}: ${(err as Error).message}` };
  }
  return found;
}

/** SIGKILL of own mysqld, then waits (up to `waitMs`) until it is gone, so nothing more commits. */
export async function crashMysqld(pidFile: string, waitMs = 5000): Promise<CrashOutcome> {
  const killed = killMysqld(pidFile);
  if ('why' in killed) return { crashed: false, why: killed.why };
  const deadline = Date.now() + waitMs;
  for (;;) {
    const p = processState(killed.pid);
    if (!p || p.state === 'Z') return { crashed: true, pid: killed.pid };
    if (Date.now() > deadline) return { crashed: false, why: `pid ${killed.pid} still running after SIGKILL` };
    await sleep(20);
  }
}
