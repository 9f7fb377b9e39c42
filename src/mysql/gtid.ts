// One GTID value type for both flavors, so that status, errant detection and candidate choice are
// written once. Mixing a MySQL set with a MariaDB list is a programming error and throws.
import { InvalidArgumentError } from './mysql-errors.ts';
import { MariaGtidSet } from './gtid-mariadb.ts';
import { MysqlGtidSet } from './gtid-mysql.ts';

export { MariaGtidSet, MysqlGtidSet };
export type GtidKind = 'mysql' | 'mariadb';
export type GtidSet = MysqlGtidSet | MariaGtidSet;
export type GtidOrder = 'equal' | 'superset' | 'subset' | 'incomparable';

export function parseGtid(kind: GtidKind, text: string, field = 'gtid'): GtidSet {
  switch (kind) {
    case 'mysql':
      return MysqlGtidSet.parse(text, field);
    case 'mariadb':
      return MariaGtidSet.parse(text, field);
    default: {
      const never: never = kind;
      throw new InvalidArgumentError(`${field}: unknown GTID kind ${JSON.stringify(never)} (allowed: mysql, mariadb)`);
    }
  }
}

export function emptyGtid(kind: GtidKind): GtidSet {
  return kind === 'mysql' ? MysqlGtidSet.EMPTY : MariaGtidSet.EMPTY;
}

function same<T extends GtidSet>(a: T, b: GtidSet): T {
  if (a.kind !== b.kind) throw new InvalidArgumentError(`cannot combine a ${a.kind} GTID set with a ${b.kind} one`);
  return b as T;
}

export function union(a: GtidSet, b: GtidSet): GtidSet {
  return a instanceof MysqlGtidSet ? a.union(same(a, b)) : a.union(same(a, b));
}

export function subtract(a: GtidSet, b: GtidSet): GtidSet {
  return a instanceof MysqlGtidSet ? a.subtract(same(a, b)) : a.subtract(same(a, b));
}

export function contains(a: GtidSet, b: GtidSet): boolean {
  return a instanceof MysqlGtidSet ? a.contains(same(a, b)) : a.contains(same(a, b));
}

export function compare(a: GtidSet, b: GtidSet): GtidOrder {
  const ab = contains(a, b);
  const ba = contains(b, a);
  if (ab && ba) return 'equal';
  if (ab) return 'superset';
  if (ba) return 'subset';
  return 'incomparable';
}

/** Describes why `b` is not contained in `a`, for refusal reasons and status. */
export function missingFrom(a: GtidSet, b: GtidSet): string {
  return subtract(b, a).toString();
}
