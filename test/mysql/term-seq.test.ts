// A transaction cut by crash recovery is never reused (src/mysql/term-row.ts): a new term's first
// transaction on MariaDB jumps to `term << 32`, so a replica that received the cut transaction asks the
// primary for a GTID its binlog does not hold and is refused (error 1236) instead of silently skipping
// the new transaction that would otherwise carry the same number. Real mariadbd: the cut is made as
// crash recovery makes it (binlog without the transaction, the row gone, the binlog state rewound).
import t from 'tap';
import { replicate, sourceOf, sql, startCluster, T, until } from './cluster.ts';
import { pointAt, stopIo } from '../../src/mysql/replication.ts';
import { status } from '../../src/mysql/status.ts';
import { termSeqFloor, writeTermRow } from '../../src/mysql/term-row.ts';
import { POSITION_REFUSED } from '../../src/mysql/errant.ts';

t.setTimeout(300_000);

t.test('a new term never reuses a cut sequence number; a replica holding the cut one is refused', async (t) => {
  const c = await startCluster(2, t);
  await replicate(c, 0);
  const [p, r] = [c.h.instances[0]!, c.h.instances[1]!];
  const pc = await sql(p, c.h);
  t.teardown(() => pc.destroy());
  await pc.query('CREATE DATABASE IF NOT EXISTS app');
  await pc.query('CREATE TABLE IF NOT EXISTS app.cut (id INT PRIMARY KEY) ENGINE=InnoDB');
  const [[before]] = (await pc.query('SELECT @@GLOBAL.gtid_binlog_state AS s')) as unknown as [[{ s: string }]];
  await pc.query('INSERT INTO app.cut VALUES (1)');
  const [[withT]] = (await pc.query('SELECT @@GLOBAL.gtid_binlog_pos AS s')) as unknown as [[{ s: string }]];
  await until('the replica received the transaction', async () =>
    (await status(c.nodes[1]!, T)).retrieved.toString().includes(withT.s.split('-')[2]!) ? true : undefined,
  );
  await stopIo(c.nodes[1]!, T);

  // The primary loses it as its crash recovery would: row gone, binlog without it, state rewound.
  await pc.query('SET SESSION sql_log_bin = 0');
  await pc.query('DELETE FROM app.cut WHERE id = 1');
  await pc.query('SET SESSION sql_log_bin = 1');
  await pc.query('RESET MASTER');
  await pc.query('SET GLOBAL gtid_binlog_state = ?', [before.s]);

  // Nobody is attached to acknowledge: this test is about numbering, so the source side goes off.
  await pc.query('SET GLOBAL rpl_semi_sync_master_enabled = OFF');
  const term = 7;
  await c.root(0).run('term row', T, (s) => writeTermRow(s, term, 'db1'));
  const [[after]] = (await pc.query('SELECT @@GLOBAL.gtid_binlog_pos AS s')) as unknown as [[{ s: string }]];
  const seq = BigInt(after.s.split('-')[2]!);
  t.ok(seq >= termSeqFloor(term), `the term's transactions start at ${termSeqFloor(term)} (now ${after.s})`);
  t.not(after.s, withT.s, 'the cut GTID is not reused');

  await pointAt(c.nodes[1]!, sourceOf(p), T);
  const err = await until('the replica is refused', async () => {
    const s = await status(c.nodes[1]!, T);
    return /1236/.test(s.replica?.lastIoError ?? '') ? s.replica!.lastIoError : undefined;
  });
  t.match(err, POSITION_REFUSED, `refused, not skipped: ${err.slice(0, 200)}`);
  const rc = await sql(r, c.h);
  const [rows] = (await rc.query('SELECT id FROM app.cut')) as unknown as [{ id: number }[]];
  rc.destroy();
  t.same(rows, [{ id: 1 }], 'the replica still holds the cut transaction: it stays detached (errant), as it should');
});
