// The vote's GTID check (src/agent/vote-check.ts) as a table of named voters and candidates, both
// flavors. docs/failover.md, invariant 2: "The vote predicate refuses a candidate whose received GTIDs
// do not contain the voter's"; and, for an errant voter, only the part the primary held counts.
import t from 'tap';
import { candidateHolds, vouchedPart } from '../../src/agent/vote-check.ts';
import { parseGtid, type GtidKind } from '../../src/mysql/index.ts';

const A = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
const E = '4f22ab58-82db-22f2-af44-d91bb0530673'; // the errant node's own server uuid

interface Case {
  name: string;
  kind: GtidKind;
  candidate: string;
  mine: string;
  /** The primary's set the voter was found errant against (absent: not errant, or not read yet). */
  errantAgainst?: string;
  want: true | RegExp;
}

const cases: Case[] = [
  {
    name: 'mysql-voter-healthy-candidate-caught-up',
    kind: 'mysql',
    candidate: `${A}:1-20`,
    mine: `${A}:1-20`,
    want: true,
  },
  {
    name: 'mysql-voter-healthy-candidate-ahead',
    kind: 'mysql',
    candidate: `${A}:1-25`,
    mine: `${A}:1-20`,
    want: true,
  },
  {
    name: 'mysql-voter-healthy-candidate-behind',
    kind: 'mysql',
    candidate: `${A}:1-19`,
    mine: `${A}:1-20`,
    want: /candidate lacks 3e11fa47-71ca-11e1-9e33-c80aa9429562:20$/,
  },
  {
    // The bug this table was written for: every candidate lacked the voter's errant transaction.
    name: 'mysql-voter-errant-not-yet-known-vetoes',
    kind: 'mysql',
    candidate: `${A}:1-20`,
    mine: `${A}:1-20,${E}:1`,
    want: /candidate lacks 4f22ab58-82db-22f2-af44-d91bb0530673:1$/,
  },
  {
    name: 'mysql-voter-errant-candidate-holds-the-checked-part',
    kind: 'mysql',
    candidate: `${A}:1-20`,
    mine: `${A}:1-20,${E}:1`,
    errantAgainst: `${A}:1-20`,
    want: true,
  },
  {
    // The primary moved on after the check (read later): the voter still vouches only for what it holds.
    name: 'mysql-voter-errant-primary-read-later',
    kind: 'mysql',
    candidate: `${A}:1-20`,
    mine: `${A}:1-20,${E}:1`,
    errantAgainst: `${A}:1-40`,
    want: true,
  },
  {
    // A write the voter received from the primary (maybe acknowledged by it alone) is still checked.
    name: 'mysql-voter-errant-candidate-lacks-the-checked-part',
    kind: 'mysql',
    candidate: `${A}:1-19`,
    mine: `${A}:1-20,${E}:1`,
    errantAgainst: `${A}:1-20`,
    want: /candidate lacks 3e11fa47-71ca-11e1-9e33-c80aa9429562:20 \(errant transactions not counted\)/,
  },
  {
    name: 'mariadb-voter-healthy-candidate-behind',
    kind: 'mariadb',
    candidate: '0-101-14',
    mine: '0-101-15',
    want: /candidate lacks 0-101-15$/,
  },
  {
    name: 'mariadb-voter-errant-not-yet-known-vetoes',
    kind: 'mariadb',
    candidate: '0-101-15',
    mine: '0-101-15,0-103-16',
    want: /candidate lacks 0-103-16$/,
  },
  {
    name: 'mariadb-voter-errant-candidate-holds-the-checked-part',
    kind: 'mariadb',
    candidate: '0-101-15',
    mine: '0-101-15,0-103-16',
    errantAgainst: '0-101-15',
    want: true,
  },
  {
    name: 'mariadb-voter-errant-candidate-lacks-the-checked-part',
    kind: 'mariadb',
    candidate: '0-101-14',
    mine: '0-101-15,0-103-16',
    errantAgainst: '0-101-15',
    want: /candidate lacks 0-101-15 \(errant/,
  },
  {
    // The errant node was primary once (0-103 up to 9, all on the primary), then wrote 0-103-16 alone:
    // only that last part is ignored; its earlier writes are checked.
    name: 'mariadb-voter-errant-once-primary-candidate-holds-its-old-writes',
    kind: 'mariadb',
    candidate: '0-101-15,0-103-9',
    mine: '0-101-15,0-103-16',
    errantAgainst: '0-101-15,0-103-9',
    want: true,
  },
  {
    name: 'mariadb-voter-errant-once-primary-candidate-lacks-its-old-writes',
    kind: 'mariadb',
    candidate: '0-101-15,0-103-8',
    mine: '0-101-15,0-103-16',
    errantAgainst: '0-101-15,0-103-9',
    want: /candidate lacks 0-103-9 \(errant/,
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const p = (s: string) => parseGtid(c.kind, s);
    const got = candidateHolds(p(c.candidate), p(c.mine), c.errantAgainst ? p(c.errantAgainst) : undefined);
    if (c.want === true) t.equal(got, true);
    else t.match(got, c.want);
  });
}

t.test('vouchedPart is what both hold (MySQL: intersection; MariaDB: per-server minimum)', async (t) => {
  const my = (s: string) => parseGtid('mysql', s);
  const ma = (s: string) => parseGtid('mariadb', s);
  t.equal(vouchedPart(my(`${A}:1-20,${E}:1-2`), my(`${A}:1-30`)).toString(), `${A}:1-20`);
  t.equal(vouchedPart(my(`${A}:1-20`), my(`${A}:5-10`)).toString(), `${A}:5-10`);
  t.equal(vouchedPart(ma('0-101-15,0-103-16,1-101-3'), ma('0-101-20,0-103-9')).toString(), '0-101-15,0-103-9');
  t.equal(vouchedPart(ma('0-103-16'), ma('')).toString(), '');
});

t.test('sets of different flavors are refused with an error, not a grant', async (t) => {
  t.throws(() => candidateHolds(parseGtid('mysql', `${A}:1-2`), parseGtid('mariadb', '0-1-2')));
});
