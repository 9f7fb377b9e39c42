// Network faults on loopback with iptables, in a chain of our own (`mro-<pid>`) jumped to from OUTPUT
// and always removed (remove(), and on process exit). Every node of a test cluster has its own
// 127.x address (mysqld and agent share it, as in a pod), but a loopback connection leaves from
// 127.0.0.1 whoever makes it, so the rules tell the parties apart by owner: each agent runs with a
// group id of its own (AgentProc.gid); mariadbd runs with the test's group (0); the writer and the
// probe bind their connections to a client address of their own, so they still reach every node.
import { execFileSync } from 'node:child_process';

export interface NetNode {
  ip: string;
  /** The group id the node's agent runs with. */
  gid: number;
}

function ipt(args: string[]): void {
  execFileSync('iptables', ['-w', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Why iptables cannot be used here, or undefined when it can. */
export function iptablesMissing(): string | undefined {
  try {
    execFileSync('iptables', ['-w', '-S', 'OUTPUT'], { stdio: 'ignore' });
    return undefined;
  } catch (err) {
    return `iptables is not usable here (${(err as Error).message.split('\n')[0]}); .ci/run installs it`;
  }
}

const live = new Set<NetFault>();
process.on('exit', () => {
  for (const f of live) f.removeSync();
});
// A run stopped by a signal leaves no rules behind either: remove them, then die of the signal.
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    for (const f of live) f.removeSync();
    if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
  });

export class NetFault {
  readonly chain = `mro-${process.pid}`;
  /** The connection mark of the replication connections a partition cuts. A new
   * one per partition: a connection marked by an earlier one may outlive its heal (keep-alive), and
   * must not be cut by the next partition, which isolates another node. */
  private partitions = 0;
  private get mark(): string {
    return String(0x4d520000 + ((process.pid % 0xfff) << 4) + (this.partitions % 16));
  }
  private installed = false;

  /** Creates the chain and the jump to it. */
  install(): void {
    this.removeSync();
    ipt(['-N', this.chain]);
    ipt(['-I', 'OUTPUT', '1', '-j', this.chain]);
    this.installed = true;
    live.add(this);
  }

  /** Cuts `node` off from `others`: their agents (Raft, fencing) in both directions, and the other
   * mysqlds' replication connections to it (their IO threads, acknowledgements included). Clients
   * binding to `clientAddress` still reach it. Not cut: a replication connection from `node`'s own
   * mysqld to the others, which is indistinguishable from theirs (the isolated node is the primary). */
  partition(node: NetNode, others: NetNode[], mysqlPort: number, clientAddress: string): void {
    this.partitions++;
    // The agents' peer traffic leaves from each agent's own address (the transport binds it, as a pod's
    // leaves from its IP): cut by address, which also holds for the kernel's retransmissions. Matched
    // by owner only, a SYN the first rule dropped went through on its retransmission a second later,
    // and the followers heard a heartbeat from a leader cut off 1 s before (their election timers
    // restarted: a third of every silent-loss failover in bench:failover). Their MySQL connections to
    // each other's mysqld leave from 127.0.0.1: cut by owner.
    for (const o of others) {
      ipt(['-A', this.chain, '-s', o.ip, '-d', node.ip, '-j', 'DROP']);
      ipt(['-A', this.chain, '-s', node.ip, '-d', o.ip, '-j', 'DROP']);
      ipt(['-A', this.chain, '-m', 'owner', '--gid-owner', String(o.gid), '-d', node.ip, '-j', 'DROP']);
      ipt(['-A', this.chain, '-m', 'owner', '--gid-owner', String(node.gid), '-d', o.ip, '-j', 'DROP']);
    }
    // The others' mysqld connections to it (replication, acknowledgements): marked by owner on their
    // way in, then every packet of a marked connection dropped in both directions (its answers go to
    // 127.0.0.1, where nothing else tells them from its answers to its own agent).
    ipt([
      '-A',
      this.chain,
      '-p',
      'tcp',
      '-d',
      node.ip,
      '--dport',
      String(mysqlPort),
      '-m',
      'owner',
      '--gid-owner',
      '0',
      '!',
      '-s',
      clientAddress,
      '-j',
      'CONNMARK',
      '--set-mark',
      this.mark,
    ]);
    ipt(['-A', this.chain, '-m', 'connmark', '--mark', this.mark, '-j', 'DROP']);
  }

  /** Refuses (TCP reset) every agent's traffic to a TCP port on 127.0.0.1 (the API server). */
  refuse(agents: NetNode[], port: number): void {
    for (const a of agents)
      ipt([
        '-A',
        this.chain,
        '-p',
        'tcp',
        '--dport',
        String(port),
        '-m',
        'owner',
        '--gid-owner',
        String(a.gid),
        '-j',
        'REJECT',
        '--reject-with',
        'tcp-reset',
      ]);
  }

  /** The rules now in the chain (iptables -S). */
  rules(): string {
    return execFileSync('iptables', ['-w', '-S', this.chain], { encoding: 'utf8' });
  }

  /** Packets the chain's rules matched so far (proof that a fault bit). */
  packets(): number {
    const out = execFileSync('iptables', ['-w', '-L', this.chain, '-v', '-x', '-n'], { encoding: 'utf8' });
    return out
      .split('\n')
      .slice(2)
      .map((l) => Number(l.trim().split(/\s+/)[0]))
      .filter((n) => Number.isFinite(n))
      .reduce((a, b) => a + b, 0);
  }

  /** Removes every rule (the chain stays). */
  heal(): void {
    if (this.installed) ipt(['-F', this.chain]);
  }

  /** Removes the jump and the chain; safe to call twice or when nothing was installed. */
  removeSync(): void {
    for (const args of [
      ['-D', 'OUTPUT', '-j', this.chain],
      ['-F', this.chain],
      ['-X', this.chain],
    ])
      try {
        ipt(args);
      } catch {
        // already gone
      }
    this.installed = false;
    live.delete(this);
  }
}
