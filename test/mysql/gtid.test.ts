import t, { type Test } from 'tap';
import fc from 'fast-check';
import { compare, contains, MariaGtidSet, MysqlGtidSet, parseGtid, subtract, union } from '../../src/mysql/gtid.ts';
import { InvalidArgumentError } from '../../src/mysql/mysql-errors.ts';

// Randomised: print the seed, replay with SEED=<n>.
const seed = process.env['SEED'] ? Number(process.env['SEED']) : Date.now() % 2 ** 31;
t.comment(`fast-check seed ${seed} (replay with SEED=${seed})`);
const params = { seed, numRuns: 300 };

const U1 = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const U2 = 'a8b2c7d0-0000-11ee-8000-000000000002';

function rejects(t: Test, fn: () => unknown, field: string, re: RegExp, label: string): void {
  try {
    fn();
    t.fail(`${label}: accepted`);
  } catch (e) {
    t.ok(e instanceof InvalidArgumentError, `${label}: typed error`);
    t.match((e as Error).message, re, `${label}: says why`);
    t.ok((e as Error).message.startsWith(`${field}:`), `${label}: names the field`);
  }
}

t.test('MySQL: parse normalises, merges adjacent intervals and formats canonically', async (t) => {
  const s = MysqlGtidSet.parse(`${U2}:5-7,\n${U1.toUpperCase()}:1-3:4:9-10 , ${U1}:20`);
  t.equal(s.toString(), `${U1}:1-4:9-10:20,${U2}:5-7`);
  t.equal(s.count(), 10n);
  t.ok(MysqlGtidSet.parse('').isEmpty());
  t.ok(MysqlGtidSet.parse(' \n ').isEmpty());
  t.equal(MysqlGtidSet.parse(`${U1}:tag_a:1-2,${U1}:3`).toString(), `${U1}:3,${U1}:tag_a:1-2`);
});

t.test('MySQL: malformed strings are rejected naming the field and the bad part', async (t) => {
  const cases: [string, RegExp][] = [
    ['nonsense', /not a UUID/],
    [`${U1}`, /no interval/],
    [`${U1}:0-3`, /out of range/],
    [`${U1}:5-3`, /ends before it starts/],
    [`${U1}:1-2-3`, /not an interval/],
    [`${U1}:x1:`, /not an interval|no interval/],
    [`${U1}:1,,${U2}:1`, /not a UUID/],
    [`${U1}:99999999999999999999`, /not an interval|out of range/],
    [`${U1}:9223372036854775807`, /out of range/],
  ];
  for (const [input, re] of cases) {
    rejects(t, () => MysqlGtidSet.parse(input, 'status.executed'), 'status.executed', re, input);
  }
});

t.test('MariaDB: parse, canonical order, head, position and strictness', async (t) => {
  const s = MariaGtidSet.parse('1-2-30, 0-101-7,0-102-9');
  t.equal(s.toString(), '0-101-7,0-102-9,1-2-30');
  t.same(s.head(0), { domain: 0, server: 102, seq: 9n });
  t.equal(s.position().toString(), '0-102-9,1-2-30');
  t.ok(MariaGtidSet.parse('').isEmpty());
  for (const [input, re] of [
    ['0-1', /not domain-server-seq/],
    ['0-1-2-3', /not domain-server-seq/],
    ['a-1-2', /not domain-server-seq/],
    ['0-1-2,0-1-3', /appears twice/],
    ['4294967296-1-1', /must be 0\.\.4294967295/],
    ['0--1-2', /not domain-server-seq/],
  ] as [string, RegExp][]) {
    rejects(t, () => MariaGtidSet.parse(input, 'gtid_binlog_state'), 'gtid_binlog_state', re, input);
  }
});

t.test('MariaDB: containment per domain and server, divergence on same seq with another server', async (t) => {
  const primary = MariaGtidSet.parse('0-101-10,0-102-15');
  t.ok(primary.contains(MariaGtidSet.parse('0-102-12')), 'a replica behind is contained');
  t.notOk(primary.contains(MariaGtidSet.parse('0-103-5')), 'a GTID from a server the primary never saw is not');
  t.same(primary.subtract(MariaGtidSet.parse('0-102-12')).toString(), '0-101-10,0-102-15');
  t.same(MariaGtidSet.parse('0-102-16').subtract(primary).toString(), '0-102-16');
  // Same domain and seq, different server: neither history is a prefix of the other.
  const a = MariaGtidSet.parse('0-101-20');
  const b = MariaGtidSet.parse('0-102-20');
  t.same(a.divergedFrom(b), [{ domain: 0, server: 102, seq: 20n }]);
  t.same(b.divergedFrom(a), [{ domain: 0, server: 101, seq: 20n }]);
  t.same(MariaGtidSet.parse('0-101-25').divergedFrom(MariaGtidSet.parse('0-101-20')), [], 'a prefix is not divergence');
  t.same(MariaGtidSet.parse('0-101-10').divergedFrom(MariaGtidSet.parse('0-102-20')), [], 'ahead is not divergence');
});

t.test('kinds do not mix; the facade dispatches by kind', async (t) => {
  const m = parseGtid('mysql', `${U1}:1-3`);
  const d = parseGtid('mariadb', '0-1-3');
  t.throws(() => union(m, d), /cannot combine a mysql GTID set with a mariadb one/);
  t.equal(compare(parseGtid('mysql', `${U1}:1-5`), m), 'superset');
  t.equal(compare(m, parseGtid('mysql', `${U2}:1`)), 'incomparable');
  t.equal(compare(d, parseGtid('mariadb', '0-1-3')), 'equal');
  t.equal(compare(d, parseGtid('mariadb', '0-1-4')), 'subset');
});

// ---- properties ----------------------------------------------------------------------------------
const uuidArb = fc.constantFrom(U1, U2, 'ffffffff-ffff-ffff-ffff-ffffffffffff');
const intervalArb = fc
  .tuple(fc.bigInt({ min: 1n, max: 60n }), fc.bigInt({ min: 0n, max: 8n }))
  .map(([s, l]) => [s, s + l] as const);
const mysqlArb = fc
  .array(fc.tuple(uuidArb, fc.array(intervalArb, { maxLength: 4 })), { maxLength: 4 })
  .map((e) => MysqlGtidSet.of(e));
const mariaArb = fc
  .array(
    fc.record({
      domain: fc.integer({ min: 0, max: 2 }),
      server: fc.integer({ min: 1, max: 4 }),
      seq: fc.bigInt({ min: 0n, max: 30n }),
    }),
    { maxLength: 6 },
  )
  .map((g) => MariaGtidSet.of(g));

for (const [name, arb] of [
  ['mysql', mysqlArb],
  ['mariadb', mariaArb],
] as const) {
  const A = arb as fc.Arbitrary<MysqlGtidSet | MariaGtidSet>;
  t.test(`${name}: set algebra properties`, async (t) => {
    const check = (label: string, prop: fc.IPropertyWithHooks<unknown[]> | fc.IProperty<unknown[]>) => {
      t.doesNotThrow(() => fc.assert(prop, params), label);
    };
    check(
      'format/parse round trip',
      fc.property(A, (a) => parseGtid(a.kind, a.toString()).toString() === a.toString()),
    );
    check(
      'union is commutative',
      fc.property(A, A, (a, b) => union(a, b).toString() === union(b, a).toString()),
    );
    check(
      'union is associative',
      fc.property(A, A, A, (a, b, c) => union(union(a, b), c).toString() === union(a, union(b, c)).toString()),
    );
    check(
      'union is idempotent',
      fc.property(A, (a) => union(a, a).toString() === a.toString()),
    );
    check(
      'union contains both',
      fc.property(A, A, (a, b) => contains(union(a, b), a) && contains(union(a, b), b)),
    );
    check(
      'a - a is empty',
      fc.property(A, (a) => subtract(a, a).isEmpty()),
    );
    check(
      '(a - b) + b contains a',
      fc.property(A, A, (a, b) => contains(union(subtract(a, b), b), a)),
    );
    check(
      'a - b shares nothing with b',
      fc.property(A, A, (a, b) => {
        const d = subtract(a, b);
        return d.isEmpty() || !contains(b, d);
      }),
    );
    check(
      'contains(a, b) iff b - a is empty',
      fc.property(A, A, (a, b) => contains(a, b) === subtract(b, a).isEmpty()),
    );
    check(
      'contains is transitive',
      fc.property(A, A, A, (a, b, c) => !(contains(a, b) && contains(b, c)) || contains(a, c)),
    );
    check(
      'compare is antisymmetric',
      fc.property(A, A, (a, b) => {
        const x = compare(a, b);
        const y = compare(b, a);
        return (x === 'superset') === (y === 'subset') && (x === 'equal') === (y === 'equal');
      }),
    );
  });
}

t.test('mysql: subtract matches a brute-force reference on small sets', async (t) => {
  const expand = (s: MysqlGtidSet) =>
    new Set(
      s.entries().flatMap(([k, iv]) =>
        iv.flatMap(([a, b]) => {
          const out: string[] = [];
          for (let i = a; i <= b; i++) out.push(`${k}:${i}`);
          return out;
        }),
      ),
    );
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(mysqlArb, mysqlArb, (a, b) => {
        const ref = [...expand(a)].filter((x) => !expand(b).has(x)).sort();
        return JSON.stringify([...expand(a.subtract(b))].sort()) === JSON.stringify(ref);
      }),
      params,
    ),
  );
});

t.test(
  'mariadb: a replica replaying a prefix of one strict-mode history is contained and never diverged',
  async (t) => {
    // Generate one history (seqs strictly increasing per domain, servers changing at failovers), then
    // take prefixes: the longer must contain the shorter and neither may report divergence.
    const histArb = fc.array(
      fc.record({
        domain: fc.integer({ min: 0, max: 1 }),
        server: fc.integer({ min: 1, max: 3 }),
        gap: fc.bigInt({ min: 1n, max: 3n }),
      }),
      { minLength: 1, maxLength: 30 },
    );
    t.doesNotThrow(() =>
      fc.assert(
        fc.property(histArb, fc.nat(), fc.nat(), (hist, i, j) => {
          const last = new Map<number, bigint>();
          const gtids = hist.map((h) => {
            const seq = (last.get(h.domain) ?? 0n) + h.gap;
            last.set(h.domain, seq);
            return { domain: h.domain, server: h.server, seq };
          });
          const [x, y] = [i % (gtids.length + 1), j % (gtids.length + 1)].sort((p, q) => p - q) as [number, number];
          const short = MariaGtidSet.of(gtids.slice(0, x));
          const long = MariaGtidSet.of(gtids.slice(0, y));
          return long.contains(short) && long.divergedFrom(short).length === 0 && short.divergedFrom(long).length === 0;
        }),
        params,
      ),
    );
  },
);
