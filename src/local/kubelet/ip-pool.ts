// Pod IPs: each pod gets its own loopback address from a /16 (default 127.244.0.0/16), so every
// mysqld listens on 3306 and every agent on its ports without clashing. Linux routes all of 127/8 to
// the loopback interface, so these addresses work with no setup (macOS needs `ifconfig lo0 alias`).

/** Hands out and takes back pod addresses. */
export class IpPool {
  private readonly used = new Set<string>();
  private readonly prefix: string;

  /** `prefix` is the first two octets, e.g. "127.244". */
  constructor(prefix = '127.244') {
    if (!/^127\.\d{1,3}$/.test(prefix)) throw new Error(`pod IP prefix "${prefix}": must be 127.N (a loopback /16)`);
    this.prefix = prefix;
  }

  /** True when `ip` lies in this pool's range. */
  owns(ip: string): boolean {
    return ip.startsWith(`${this.prefix}.`);
  }

  /** Keeps an address already recorded in a pod's status (a restart of the runner). */
  claim(ip: string): boolean {
    if (!this.owns(ip) || this.used.has(ip)) return false;
    this.used.add(ip);
    return true;
  }

  allocate(): string {
    for (let i = 0; i < 65534; i++) {
      const n = 1 + ((Math.floor(Math.random() * 65000) + i) % 65534);
      const ip = `${this.prefix}.${n >> 8}.${n & 255}`;
      if ((n & 255) === 0 || (n & 255) === 255) continue;
      if (!this.used.has(ip)) {
        this.used.add(ip);
        return ip;
      }
    }
    throw new Error(`pod IP range ${this.prefix}.0.0/16 is full`);
  }

  release(ip: string): void {
    this.used.delete(ip);
  }
}
