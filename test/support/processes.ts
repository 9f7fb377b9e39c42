// Which processes still run: the no-orphans checks of the local pod runner and the `local` command.
import { readdirSync, readFileSync } from 'node:fs';

/** Processes (other than this one) whose command line mentions `dir`: must be none after a stop. */
export function processesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(dir) && Number(pid) !== process.pid) out.push(`${pid} ${cmd}`);
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}
