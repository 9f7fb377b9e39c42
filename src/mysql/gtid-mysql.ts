// MySQL GTID sets (`uuid[:tag]:a-b:c,...`) as immutable values. Intervals are closed, bigint, kept sorted,
// disjoint and merged (1-3 and 4-5 become 1-5) so that equal sets format identically.
import { InvalidArgumentError } from './mysql-errors.ts';

/** A closed interval of transaction numbers, start <= end. */
export type Interval = readonly [bigint, bigint];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TAG = /^[a-z_][a-z0-9_]{0,31}$/;
const NUM = /^[0-9]{1,19}$/;
// MySQL's GNO is a signed 64-bit value that must stay below 2^63 - 1.
/** The largest transaction number (GNO) MySQL accepts: 2^63 - 2. */
export const GNO_MAX = 2n ** 63n - 2n;

function bad(field: string, input: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(`${field}: malformed MySQL GTID set ${JSON.stringify(input.slice(0, 200))}: ${why}`);
}

function normalize(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: [bigint, bigint][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1] + 1n) {
      if (e > last[1]) last[1] = e;
    } else {
      out.push([s, e]);
    }
  }
  return out;
}

function subtractIntervals(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const [s0, e] of a) {
    let s = s0;
    for (const [bs, be] of b) {
      if (be < s || bs > e) continue;
      if (bs > s) out.push([s, bs - 1n]);
      s = be + 1n;
      if (s > e) break;
    }
    if (s <= e) out.push([s, e]);
  }
  return out;
}

/** One comma-separated part (`uuid[:tag]:a-b:c...`) as (uuid[:tag], intervals) groups, in order. */
function parsePart(part: string, input: string, field: string): [string, Interval[]][] {
  const pieces = part.split(':');
  const uuid = (pieces[0] ?? '').toLowerCase();
  if (!UUID.test(uuid))
    throw bad(field, input, `${JSON.stringify(pieces[0] ?? '')} is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`);
  if (pieces.length < 2) throw bad(field, input, `${JSON.stringify(part)} has no interval (expected uuid:1-5)`);
  const entries: [string, Interval[]][] = [];
  let key = uuid;
  let intervals: Interval[] = [];
  for (const p of pieces.slice(1)) {
    if (TAG.test(p) && !NUM.test(p.split('-')[0] ?? '')) {
      // A tag starts a new group: uuid:tag:1-3 (MySQL 8.3+). Flush the previous group first.
      if (intervals.length > 0) entries.push([key, intervals]);
      key = `${uuid}:${p}`;
      intervals = [];
      continue;
    }
    intervals.push(parseInterval(p, input, field));
  }
  if (intervals.length === 0) throw bad(field, input, `${JSON.stringify(part)} has no interval`);
  entries.push([key, intervals]);
  return entries;
}

/** `N` or `N-M` as a closed interval within 1..GNO_MAX. */
function parseInterval(p: string, input: string, field: string): Interval {
  const [a, b, extra] = p.split('-');
  if (extra !== undefined || a === undefined || !NUM.test(a) || (b !== undefined && !NUM.test(b))) {
    throw bad(field, input, `${JSON.stringify(p)} is not an interval (N or N-M) or tag`);
  }
  const s = BigInt(a);
  const e = b === undefined ? s : BigInt(b);
  if (s < 1n || e > GNO_MAX) throw bad(field, input, `${JSON.stringify(p)} is out of range 1..${GNO_MAX}`);
  if (e < s) throw bad(field, input, `${JSON.stringify(p)} ends before it starts`);
  return [s, e];
}

/** An immutable MySQL GTID set in canonical form, so that equal sets format identically. */
export class MysqlGtidSet {
  readonly kind = 'mysql';
  private constructor(private readonly sids: ReadonlyMap<string, readonly Interval[]>) {}

  static readonly EMPTY = new MysqlGtidSet(new Map());

  /** Builds a set from (uuid[:tag]) -> intervals, normalising. Keys are validated. */
  static of(entries: Iterable<readonly [string, readonly Interval[]]>): MysqlGtidSet {
    const m = new Map<string, Interval[]>();
    for (const [k, iv] of entries) {
      const key = k.toLowerCase();
      m.set(key, [...(m.get(key) ?? []), ...iv]);
    }
    const out = new Map<string, Interval[]>();
    for (const k of [...m.keys()].sort()) {
      const n = normalize(m.get(k) ?? []);
      if (n.length > 0) out.set(k, n);
    }
    return new MysqlGtidSet(out);
  }

  /** Strict parse of `@@gtid_executed` style text; whitespace and newlines around commas are allowed. */
  static parse(input: string, field = 'gtid'): MysqlGtidSet {
    if (typeof input !== 'string') throw bad(field, String(input), 'expected a string');
    const text = input.trim();
    if (text === '') return MysqlGtidSet.EMPTY;
    return MysqlGtidSet.of(text.split(',').flatMap((part) => parsePart(part.trim(), input, field)));
  }

  entries(): [string, readonly Interval[]][] {
    return [...this.sids.entries()];
  }

  isEmpty(): boolean {
    return this.sids.size === 0;
  }

  /** Number of transactions in the set. */
  count(): bigint {
    let n = 0n;
    for (const iv of this.sids.values()) for (const [s, e] of iv) n += e - s + 1n;
    return n;
  }

  toString(): string {
    return [...this.sids.entries()]
      .map(([k, iv]) => `${k}:${iv.map(([s, e]) => (s === e ? `${s}` : `${s}-${e}`)).join(':')}`)
      .join(',');
  }

  union(other: MysqlGtidSet): MysqlGtidSet {
    return MysqlGtidSet.of([...this.sids.entries(), ...other.sids.entries()]);
  }

  subtract(other: MysqlGtidSet): MysqlGtidSet {
    return MysqlGtidSet.of(
      [...this.sids.entries()].map(([k, iv]) => [k, subtractIntervals(iv, other.sids.get(k) ?? [])] as const),
    );
  }

  contains(other: MysqlGtidSet): boolean {
    return other.subtract(this).isEmpty();
  }

  equals(other: MysqlGtidSet): boolean {
    return this.toString() === other.toString();
  }
}
