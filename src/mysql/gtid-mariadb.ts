// MariaDB GTID lists (`domain-server-seq,...`) as immutable values.
//
// A MariaDB list is not a set of transactions: it records, per replication domain, the last sequence
// number seen from each server (`gtid_binlog_state`) or only the last GTID of the domain (a position:
// `gtid_binlog_pos`, `gtid_slave_pos`, `Gtid_IO_Pos`). We model both as
// domain -> server -> last seq and order them pointwise, which is the most the data supports:
//   a contains b  <=>  for every (d, s, n) in b, a's last seq from s in d is >= n.
// With gtid_strict_mode, seqs in a domain strictly increase along a binlog, so "a has seen s up to
// m >= n" means a's history holds b's GTID d-s-n. Limits are listed in docs/mysql.md ("MariaDB GTIDs").
import { InvalidArgumentError } from './mysql-errors.ts';

const U32_MAX = 4294967295n;
const U64_MAX = 2n ** 64n - 1n;
const TRIPLE = /^([0-9]{1,10})-([0-9]{1,10})-([0-9]{1,20})$/;

/** One MariaDB GTID, domain-server-seq. */
export interface MariaGtid {
  readonly domain: number;
  readonly server: number;
  readonly seq: bigint;
}

function bad(field: string, input: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `${field}: malformed MariaDB GTID list ${JSON.stringify(input.slice(0, 200))}: ${why}`,
  );
}

/** An immutable MariaDB GTID list: per domain, the last seq seen from each server; ordered pointwise by contains(). */
export class MariaGtidSet {
  readonly kind = 'mariadb';
  // domain -> server -> last seq; both levels sorted for a canonical string form.
  private constructor(private readonly domains: ReadonlyMap<number, ReadonlyMap<number, bigint>>) {}

  static readonly EMPTY = new MariaGtidSet(new Map());

  static of(gtids: Iterable<MariaGtid>): MariaGtidSet {
    const m = new Map<number, Map<number, bigint>>();
    for (const g of gtids) {
      const d = m.get(g.domain) ?? new Map<number, bigint>();
      const cur = d.get(g.server);
      if (cur === undefined || g.seq > cur) d.set(g.server, g.seq);
      m.set(g.domain, d);
    }
    const out = new Map<number, Map<number, bigint>>();
    for (const dk of [...m.keys()].sort((a, b) => a - b)) {
      const d = m.get(dk)!;
      out.set(dk, new Map([...d.entries()].sort((a, b) => a[0] - b[0])));
    }
    return new MariaGtidSet(out);
  }

  /**
   * Strict parse. A list naming the same domain-server twice is rejected: the server never prints one,
   * so it means the input was assembled wrongly.
   */
  static parse(input: string, field = 'gtid'): MariaGtidSet {
    if (typeof input !== 'string') throw bad(field, String(input), 'expected a string');
    const text = input.trim();
    if (text === '') return MariaGtidSet.EMPTY;
    const gtids: MariaGtid[] = [];
    const seen = new Set<string>();
    for (const raw of text.split(',')) {
      const part = raw.trim();
      const m = TRIPLE.exec(part);
      if (!m) throw bad(field, input, `${JSON.stringify(part)} is not domain-server-seq (three unsigned integers)`);
      const [domain, server, seq] = [BigInt(m[1]!), BigInt(m[2]!), BigInt(m[3]!)];
      if (domain > U32_MAX || server > U32_MAX)
        throw bad(field, input, `${JSON.stringify(part)}: domain and server id must be 0..${U32_MAX}`);
      if (seq > U64_MAX) throw bad(field, input, `${JSON.stringify(part)}: seq must be 0..${U64_MAX}`);
      const key = `${domain}-${server}`;
      if (seen.has(key)) throw bad(field, input, `domain-server ${key} appears twice`);
      seen.add(key);
      gtids.push({ domain: Number(domain), server: Number(server), seq });
    }
    return MariaGtidSet.of(gtids);
  }

  gtids(): MariaGtid[] {
    const out: MariaGtid[] = [];
    for (const [domain, d] of this.domains) for (const [server, seq] of d) out.push({ domain, server, seq });
    return out;
  }

  /** Last seq seen from `server` in `domain`, or -1n when never seen. */
  seqOf(domain: number, server: number): bigint {
    return this.domains.get(domain)?.get(server) ?? -1n;
  }

  /** The highest GTID of a domain (what gtid_binlog_pos would show), or undefined. */
  head(domain: number): MariaGtid | undefined {
    let best: MariaGtid | undefined;
    for (const [server, seq] of this.domains.get(domain) ?? []) {
      if (!best || seq > best.seq) best = { domain, server, seq };
    }
    return best;
  }

  /** One GTID per domain: the position form of this state. */
  position(): MariaGtidSet {
    return MariaGtidSet.of([...this.domains.keys()].map((d) => this.head(d)!));
  }

  isEmpty(): boolean {
    return this.domains.size === 0;
  }

  toString(): string {
    return this.gtids()
      .map((g) => `${g.domain}-${g.server}-${g.seq}`)
      .join(',');
  }

  union(other: MariaGtidSet): MariaGtidSet {
    return MariaGtidSet.of([...this.gtids(), ...other.gtids()]);
  }

  /** The entries of this list that `other` has not reached. */
  subtract(other: MariaGtidSet): MariaGtidSet {
    return MariaGtidSet.of(this.gtids().filter((g) => other.seqOf(g.domain, g.server) < g.seq));
  }

  contains(other: MariaGtidSet): boolean {
    return other.subtract(this).isEmpty();
  }

  equals(other: MariaGtidSet): boolean {
    return this.toString() === other.toString();
  }

  /**
   * GTIDs of `other` that this history has provably passed without containing: this list's head in the
   * domain is at or beyond the GTID's seq, but it has not seen that server up to that seq. Under
   * gtid_strict_mode such a GTID can never be applied here: the histories diverged. The common case is
   * the same domain and seq with a different server id.
   */
  divergedFrom(other: MariaGtidSet): MariaGtid[] {
    return other.gtids().filter((g) => {
      const head = this.head(g.domain);
      return head !== undefined && head.seq >= g.seq && this.seqOf(g.domain, g.server) < g.seq;
    });
  }
}
