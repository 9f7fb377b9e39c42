// The acknowledged term row (src/agent/term-row.ts, docs/failover.md "The term row"): the pure rule
// that recognises an unacknowledged term-row step, and, on two real mariadbd, a new primary that died
// before any replica received its term row: it rejoins the next primary after dropping exactly that
// row, instead of staying errant; the next primary's writes all reach it.
import t from 'tap';
import {
  discardableTermRow,
  rejoinFacts,
  rewindTermRow,
  somePeerHolds,
  type RejoinFacts,
} from '../../src/agent/term-row.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { MysqlNode } from '../../src/mysql/index.ts';
import type { ActContext } from '../../src/agent/act.ts';
import { errantAgainst, parseGtid, pointAt, status, writeTermRow } from '../../src/mysql/index.ts';
import { ACCOUNTS, replicate, sql, startCluster, T, until } from '../mysql/cluster.ts';

const g = (s: string) => parseGtid('mariadb', s);

t.test('discardableTermRow: only extra GTIDs after our record, with no term row on the primary', async (t) => {
  const base: RejoinFacts = {
    own: g('0-1-10,0-2-12'),
    primary: g('0-1-11,0-2-11'),
    record: { term: 5, gtid: g('0-1-10,0-2-11') },
    primaryHasOurTermRow: false,
  };
  const cases: [string, RejoinFacts, boolean][] = [
    ['unacknowledged-term-row', base, true],
    ['not-errant-at-all', { ...base, own: g('0-1-11,0-2-11') }, false],
    ['primary-has-our-term-row: we may have been writable', { ...base, primaryHasOurTermRow: true }, false],
    ['no-record-of-ours', { ...base, record: undefined }, false],
    ['extra-before-the-record', { ...base, record: { term: 5, gtid: g('0-1-10,0-2-12') } }, false],
    ['record-not-contained-in-own-history', { ...base, record: { term: 5, gtid: g('0-1-10,0-2-11,1-3-4') } }, false],
  ];
  for (const [name, f, want] of cases) t.equal(discardableTermRow(f), want, name);
});

t.test('somePeerHolds: a peer whose address went silent is not asked, unless every peer is', async (t) => {
  const c = await startCluster(1, t);
  const live = c.nodes[0]!;
  // The cut-off old primary: connections open and nothing comes back.
  const cut = new TcpProxy(c.h.instances[0]!.host, c.h.instances[0]!.port);
  await cut.start();
  t.teardown(() => cut.close());
  cut.mode = 'stall';
  const cutNode = new MysqlNode({ ...live.endpoint, host: '127.0.0.1', port: cut.port });
  const executed = (await status(live, T)).executed;
  const ahead = g(`${executed.toString() ? `${executed.toString()},` : ''}7-7-1`);
  let askedCut = 0;
  const ctx = (peers: string[], silent: boolean) =>
    ({
      timeoutMs: 300,
      peers: () => peers,
      addressSilent: (pod: string) => silent && pod === 'cut',
      side: { peer: (pod: string) => (pod === 'live' ? live : (askedCut++, cutNode)) },
    }) as unknown as ActContext;
  t.equal(await somePeerHolds(ctx(['live', 'cut'], true), executed), true, 'the live peer holds it');
  t.equal(await somePeerHolds(ctx(['live', 'cut'], true), ahead), false, 'the live peer does not hold more');
  t.equal(askedCut, 0, 'the silent peer was never asked');
  t.equal(await somePeerHolds(ctx(['live', 'cut'], false), ahead), false, 'not silent: asked; no answer is a "no"');
  t.equal(askedCut, 1, 'the peer not known silent was asked');
  t.equal(await somePeerHolds(ctx(['cut'], true), executed), false, 'every peer silent: asked all the same');
  t.equal(askedCut, 2, 'the only peer was asked');
});

t.test('a primary that died before its term row reached a replica drops it and rejoins', async (t) => {
  const c = await startCluster(2, t);
  await replicate(c, 0); // db 0 primary, db 1 its semi-sync replica
  const a = c.h.instances[0]!;
  const p = c.h.instances[1]!;
  const ca = await sql(a, c.h);
  await ca.query('CREATE DATABASE app');
  await ca.query('CREATE TABLE app.acked (id INT PRIMARY KEY)');
  await ca.query('INSERT INTO app.acked VALUES (1)');
  await until('the replica has the acknowledged write', async () => {
    const s = await status(c.root(1), T);
    return s.executed.toString() === (await status(c.root(0), T)).executed.toString();
  });
  // p becomes primary of term 5: replication stopped and forgotten, its record's GTID set taken, then
  // the term row written while no replica is attached; it dies before anyone fetched it.
  await c.root(1).run('become primary', T, async (s) => {
    await s.query('STOP SLAVE');
    await s.query('RESET SLAVE ALL');
  });
  const recorded = (await status(c.root(1), T)).executed;
  await c.root(1).run('term row', T, (s) => writeTermRow(s, 5, 'db-p'));
  await c.h.kill9(p);
  // a becomes primary of term 6 and takes writes (semi-sync off: its replica is gone).
  await ca.query('SET GLOBAL rpl_semi_sync_master_enabled = OFF');
  await c.root(0).run('term row', T, (s) => writeTermRow(s, 6, 'db-a'));
  await ca.query('INSERT INTO app.acked VALUES (2)');
  await c.h.restart(p);

  const ctx = {
    self: 'db-p',
    side: { own: c.root(1) },
    timeoutMs: T,
    state: () => ({ records: { 'db-p': { term: 5, gtid: recorded.toString() } } }),
  } as unknown as ActContext;
  const facts = await rejoinFacts(ctx, c.nodes[0]!);
  const before = errantAgainst(facts.own, facts.primary);
  t.ok(before.errant, `errant before: ${before.gtids}`);
  t.equal(facts.primaryHasOurTermRow, false);
  t.ok(discardableTermRow(facts), 'the extra GTIDs are exactly the unacknowledged term-row step');
  await rewindTermRow(ctx, facts.record!);
  const after = await status(c.root(1), T);
  t.equal(after.executed.toString(), recorded.toString(), 'GTID history set back to the record');
  t.notOk(errantAgainst(after.executed, facts.primary).errant, 'no longer errant');
  await pointAt(
    c.nodes[1]!,
    {
      host: a.host,
      port: a.port,
      replicationUser: ACCOUNTS.replication.user,
      replicationPassword: ACCOUNTS.replication.password,
    },
    T,
  );
  const cp = await sql(p, c.h);
  t.teardown(async () => {
    await cp.end();
    await ca.end();
  });
  await until('the rejoined node replicates the new primary', async () => {
    const [rows] = await cp.query('SELECT COUNT(*) AS n FROM app.acked');
    return Number((rows as { n: number }[])[0]?.n) === 2;
  });
  const s = await status(c.root(1), T);
  t.equal(s.replica?.ioRunning, 'yes', 'IO thread running');
  t.ok(s.replica?.sqlRunning, `SQL thread running (${s.replica?.lastSqlError ?? ''})`);
  const [terms] = await cp.query('SELECT term, leader FROM mysqlraft.term ORDER BY term');
  t.same(
    (terms as { term: number; leader: string }[]).map((r) => `${r.term}:${r.leader}`),
    ['6:db-a'],
    "its own unacknowledged row is gone; the new primary's row arrived",
  );
  t.equal(
    (await status(c.root(1), T)).executed.toString(),
    (await status(c.root(0), T)).executed.toString(),
    'same GTID history as the new primary',
  );
});
