// One GTID value type for both flavors, so that status, errant detection and candidate choice are
// written once. Mixing a MySQL set with a MariaDB list is a programming error and throws.
import { InvalidArgumentError } from './mysql-errors.ts';
import { MariaGtidSet } from './gtid-mariadb.ts';
import { MysqlGtidSet } from './gtid-mysql.ts';

export { MariaGtidSet, MysqlGtidSet };
/** Which GTID representation a server uses. */
export type GtidKind = 'mysql' | 'mariadb';
/** A GTID set of either kind; functions combining two throw InvalidArgumentError when the kinds differ. */
export type GtidSet = MysqlGtidSet | MariaGtidSet;
/** How two GTID sets relate under contains(). */
export type GtidOrder = 'equal' | 'superset' | 'subset' | 'incomparable';

/** Strict parse of a server's GTID text; throws InvalidArgumentError naming `field` when it is malformed. */
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

/** The empty set of this kind. */
export function emptyGtid(kind: GtidKind): GtidSet {
  return kind === 'mysql' ? MysqlGtidSet.EMPTY : MariaGtidSet.EMPTY;
}

function same<T extends GtidSet>(a: T, b: GtidSet): T {
  if (a.kind !== b.kind) throw new InvalidArgumentError(`cannot combine a ${a.kind} GTID set with a ${b.kind} one`);
  return b as T;
}

/** Everything in a or b. */
export function union(a: GtidSet, b: GtidSet): GtidSet {
  return a instanceof MysqlGtidSet ? a.union(same(a, b)) : a.union(same(a, b));
}

/** What a has that b lacks. */
export function subtract(a: GtidSet, b: GtidSet): GtidSet {
  return a instanceof MysqlGtidSet ? a.subtract(same(a, b)) : a.subtract(same(a, b));
}

/** Whether a has everything b has. */
export function contains(a: GtidSet, b: GtidSet): boolean {
  return a instanceof MysqlGtidSet ? a.contains(same(a, b)) : a.contains(same(a, b));
}

/** Whether a and b are equal, one contains the other, or neither. */
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
