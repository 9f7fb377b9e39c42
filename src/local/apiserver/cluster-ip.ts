// Service clusterIP allocation, as kube-apiserver's IP allocator does it, from a loopback range so that
// a Service's address really routes on this machine (the local pod runner proxies it to its
// endpoints). Unique per server; an explicit address must lie in the range and be free; it never
// changes once set. `None` (headless) is kept as is.
import type { FieldError } from './status-errors.ts';

/** The default service range: 127.96.0.0/16 (kube's default is 10.96.0.0/12; loopback here routes). */
export const DEFAULT_SERVICE_CIDR = '127.96.0.0/16';

interface Cidr {
  base: number;
  bits: number;
  text: string;
}

function ipToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses `a.b.c.d/n`; throws on anything else. */
export function parseCidr(text: string): Cidr {
  const [ip, bitsText] = text.split('/');
  const base = ipToInt(ip ?? '');
  const bits = Number(bitsText);
  if (base === undefined || !Number.isInteger(bits) || bits < 8 || bits > 30)
    throw new Error(`service CIDR "${text}": must be an IPv4 CIDR with a prefix from /8 to /30`);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return { base: (base & mask) >>> 0, bits, text };
}

/** The addresses handed out, and the allocation rules: one allocator per server. */
export class ClusterIpAllocator {
  private readonly cidr: Cidr;

  constructor(
    cidr: string,
    private readonly inUse: () => Set<string>,
  ) {
    this.cidr = parseCidr(cidr);
  }

  private inRange(ip: string): boolean {
    const n = ipToInt(ip);
    if (n === undefined) return false;
    const size = 2 ** (32 - this.cidr.bits);
    return n > this.cidr.base && n < this.cidr.base + size - 1;
  }

  /** Defaults spec.clusterIP(s) of a Service being written; returns field errors as the real server words them. */
  assign(spec: Record<string, unknown>, old: Record<string, unknown> | undefined): FieldError[] {
    const before = typeof old?.['clusterIP'] === 'string' ? old['clusterIP'] : undefined;
    const asked = spec['clusterIP'];
    if (before !== undefined) {
      if (asked === undefined || asked === '' || asked === before) {
        spec['clusterIP'] = before;
        spec['clusterIPs'] = [before];
        return [];
      }
      return [
        { type: 'Invalid', field: 'spec.clusterIPs[0]', value: [String(asked)], detail: 'may not change once set' },
      ];
    }
    if (asked === 'None') {
      spec['clusterIPs'] = ['None'];
      return [];
    }
    if (typeof asked === 'string' && asked !== '') return this.explicit(spec, asked);
    const ip = this.pick();
    if (!ip)
      return [{ type: 'Invalid', field: 'spec.clusterIPs', value: [], detail: `range is full: ${this.cidr.text}` }];
    spec['clusterIP'] = ip;
    spec['clusterIPs'] = [ip];
    return [];
  }

  private explicit(spec: Record<string, unknown>, ip: string): FieldError[] {
    const fail = (why: string): FieldError[] => [
      { type: 'Invalid', field: 'spec.clusterIPs', value: [ip], detail: `failed to allocate IP ${ip}: ${why}` },
    ];
    if (!this.inRange(ip))
      return fail(`provided IP is not in the valid range. The range of valid IPs is ${this.cidr.text}`);
    if (this.inUse().has(ip)) return fail('provided IP is already allocated');
    spec['clusterIPs'] = [ip];
    return [];
  }

  private pick(): string | undefined {
    const used = this.inUse();
    const size = 2 ** (32 - this.cidr.bits) - 2;
    const start = Math.floor(Math.random() * size);
    for (let i = 0; i < size; i++) {
      const ip = intToIp(this.cidr.base + 1 + ((start + i) % size));
      if (!used.has(ip)) return ip;
    }
    return undefined;
  }
}
