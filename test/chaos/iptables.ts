// Network faults with iptables, in a chain of this process's own that is always removed. Local pods all
// send from 127.0.0.1, so a pod's packets are matched by its cgroup (src/local/kubelet/cgroup.ts), and a
// cut pod still answers clients (who are in no pod cgroup).
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import type { NetworkCutter, PodEndpoint } from './nemesis.ts';

const run = promisify(execFile);

async function iptables(...args: string[]): Promise<void> {
  await run('iptables', ['-w', '5', ...args]);
}

/** Whether iptables with the cgroup match works here (root, netfilter). */
export async function iptablesUsable(): Promise<boolean> {
  try {
    await run('iptables', ['-w', '5', '-L', 'OUTPUT', '-n']);
    return true;
  } catch {
    return false;
  }
}

/** A NetworkCutter owning the chain MRO-CHAOS-<pid>, hooked into OUTPUT (loopback packets pass it once). */
export class IptablesCutter implements NetworkCutter {
  readonly chain = `MRO-CHAOS-${process.pid}`;
  private installed = false;

  private async install(): Promise<void> {
    if (this.installed) return;
    await iptables('-N', this.chain).catch(() => iptables('-F', this.chain));
    await iptables('-I', 'OUTPUT', '-j', this.chain);
    this.installed = true;
    // A run stopped by a signal still removes its rules (the exit handler must be synchronous).
    process.once('exit', () => this.removeSync());
  }

  private removeSync(): void {
    if (!this.installed) return;
    for (const args of [
      ['-D', 'OUTPUT', '-j', this.chain],
      ['-F', this.chain],
      ['-X', this.chain],
    ])
      try {
        execFileSync('iptables', ['-w', '5', ...args], { stdio: 'ignore' });
      } catch {
        // Already gone.
      }
    this.installed = false;
  }

  async isolate(a: PodEndpoint, others: PodEndpoint[]): Promise<void> {
    await this.install();
    for (const o of others) {
      await iptables('-A', this.chain, '-m', 'cgroup', '--path', a.cgroup, '-d', o.ip, '-j', 'DROP');
      await iptables('-A', this.chain, '-m', 'cgroup', '--path', o.cgroup, '-d', a.ip, '-j', 'DROP');
    }
  }

  async blackhole(ip: string, port: number): Promise<void> {
    await this.install();
    await iptables('-A', this.chain, '-p', 'tcp', '-d', ip, '--dport', String(port), '-j', 'DROP');
  }

  async heal(): Promise<void> {
    if (this.installed) await iptables('-F', this.chain);
  }

  /** Removes the chain and its hook; safe to call twice. */
  async close(): Promise<void> {
    if (!this.installed) return;
    this.installed = false;
    await iptables('-D', 'OUTPUT', '-j', this.chain).catch(() => undefined);
    await iptables('-F', this.chain).catch(() => undefined);
    await iptables('-X', this.chain).catch(() => undefined);
  }
}
