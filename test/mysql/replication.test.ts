// Three real mariadbd: replication from scratch, semi-sync acknowledgements, no fallback when nothing
// can ack, fencing, errant detection. One cluster for the whole file (subtests run in order).
import t from 'tap';
import { ACCOUNTS, replicate, sourceOf, sql, startCluster, T, until } from './cluster.ts';
import { status } from '../../src/mysql/status.ts';
import { pointAt, stopIo, waitApplied } from '../../src/mysql/replication.ts';
import { fence } from '../../src/mysql/fence.ts';
import { promote } from '../../src/mysql/promote.ts';
import { detectErrant } from '../../src/mysql/errant.ts';
import { bootstrapUsers } from '../../src/mysql/users.ts';
import { MariaGtidSet } from '../../src/mysql/gtid-mariadb.ts';
import { contains } from '../../src/mysql/gtid.ts';

t.test('replication, semi-sync, fencing and errant detection on three instances', async (t) => {
  const c = await startCluster(3, t);
  const [p, r1, r2] = c.nodes as [(typeof c.nodes)[0], (typeof c.nodes)[0], (typeof c.nodes)[0]];
  const [ip, , i2] = c.h.instances as [(typeof c.h.instances)[0], (typeof c.h.instances)[0], (typeof c.h.instances)[0]];
  const source = sourceOf(ip);

  await t.test('bootstrap is idempotent and leaves no GTIDs behind', async (t) => {
    await bootstrapUsers(c.root(0), ACCOUNTS, T);
    const st = await status(p, T);
    t.ok(st.executed.isEmpty(), `no binlogged account changes (executed=${st.executed})`);
    t.equal(st.flavor, 'mariadb');
    t.ok(st.readOnly, 'starts read-only');
    await stopIo(r1, T);
    t.equal((await status(r1, T)).replica, null, 'revoking a node that never replicated is a no-op');
  });

  await t.test('replication from scratch, with semi-sync acknowledgements counted', async (t) => {
    await replicate(c);
    // At once, while the IO thread may still be connecting or (MariaDB) "Preparing": still a no-op.
    t.equal(await pointAt(r1, source, T), 'unchanged', 'pointing again is a no-op');
    await promote(p, {}, T);
    t.equal((await status(p, T)).replica, null, 'promoting twice is fine');
    const pc = await sql(ip, c.h);
    t.teardown(() => pc.destroy());
    await pc.query('CREATE DATABASE app');
    await pc.query('CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20))');
    await until('two semi-sync clients', async () => (await status(p, T)).semiSync.clients === 2);
    const before = (await status(p, T)).semiSync.yesTx;
    for (let i = 1; i <= 5; i++) await pc.query('INSERT INTO app.t VALUES (?, ?)', [i, `v${i}`]);
    const sp = await status(p, T);
    t.ok(sp.semiSync.sourceEnabled && sp.semiSync.sourceActive, 'source side on');
    t.equal(sp.semiSync.yesTx - before, 5, 'five acknowledged commits');
    t.equal(sp.semiSync.noTx, 0, 'none fell back to async');
    t.notOk(sp.readOnly, 'primary writable');
    for (const r of [r1, r2]) {
      await waitApplied(r, sp.executed, T);
      const sr = await status(r, T);
      t.ok(contains(sr.executed, sp.executed), `${r.target} applied ${sp.executed}`);
      t.equal(sr.replica?.ioRunning, 'yes');
      t.ok(sr.replica?.sqlRunning);
      t.ok(sr.semiSync.replicaActive, 'replica side semi-sync active');
      t.ok(sr.readOnly, 'replica stays read-only');
    }
  });

  await t.test(
    'a write on the primary blocks (no fallback) when no replica can ack, and completes when one can',
    async (t) => {
      await Promise.all([stopIo(r1, T), stopIo(r2, T)]);
      await stopIo(r1, T); // idempotent
      const w = await sql(ip, c.h);
      t.teardown(() => w.destroy());
      let done = false;
      const write = w.query("INSERT INTO app.t VALUES (100, 'blocked')").then(() => (done = true));
      const pc = await sql(ip, c.h);
      t.teardown(() => pc.destroy());
      await until('the insert waiting for an ack', async () => {
        const [rows] = (await pc.query(
          "SELECT STATE FROM information_schema.PROCESSLIST WHERE INFO LIKE 'INSERT INTO app.t VALUES (100%'",
        )) as unknown as [{ STATE: string }[]];
        return rows[0]?.STATE === 'Waiting for semi-sync ACK from slave';
      });
      const sp = await status(p, T);
      t.ok(sp.semiSync.sourceActive, 'still semi-synchronous: no fallback to async');
      t.equal(sp.semiSync.clients, 0, 'no replica connected');
      t.notOk(done, 'the INSERT has not returned');
      const [seen] = (await pc.query('SELECT COUNT(*) AS n FROM app.t WHERE id = 100')) as unknown as [{ n: number }[]];
      t.equal(Number(seen[0]!.n), 0, 'AFTER_SYNC: the row is invisible until acknowledged');
      t.ok(MariaGtidSet.parse(sp.executed.toString()).seqOf(0, 101) > 0n, 'but it is in the binlog');
      await pointAt(r1, source, T);
      await write;
      t.ok(done, 'acknowledged once a replica reconnected');
      await pointAt(r2, source, T);
    },
  );

  await t.test(
    'fencing a primary whose commit is stuck waiting for an ack: bounded, writes refused, sessions gone',
    async (t) => {
      await Promise.all([stopIo(r1, T), stopIo(r2, T)]);
      const stuck = await sql(ip, c.h);
      const stuckWrite = stuck.query("INSERT INTO app.t VALUES (200, 'stuck')").then(
        () => 'ok',
        (e: Error) => e.message,
      );
      const idle = await sql(ip, c.h);
      const pc = await sql(ip, c.h);
      t.teardown(() => {
        stuck.destroy();
        idle.destroy();
        pc.destroy();
      });
      await until('stuck insert', async () => {
        const [rows] = (await pc.query(
          "SELECT STATE FROM information_schema.PROCESSLIST WHERE INFO LIKE 'INSERT INTO app.t VALUES (200%'",
        )) as unknown as [{ STATE: string }[]];
        return rows[0]?.STATE === 'Waiting for semi-sync ACK from slave';
      });
      const res = await fence(p, { probe: ACCOUNTS.probe }, T);
      t.equal(res.writeRefused, true, "the probe user's write was refused");
      t.ok(res.killed >= 3, `killed client sessions (${res.killed})`);
      t.ok((await status(p, T)).readOnly, 'read_only on');
      await t.rejects(idle.query('SELECT 1'), 'an idle session was killed');
      t.not(await stuckWrite, 'ok', 'the stuck INSERT was not acknowledged');
      const again = await fence(p, { probe: ACCOUNTS.probe }, T);
      t.equal(again.writeRefused, true, 'fencing twice is fine');
      // Back to normal for the next subtest: replicas reconnect first, then the primary is promoted again.
      await Promise.all([pointAt(r1, source, T), pointAt(r2, source, T)]);
      await promote(p, {}, T);
    },
  );

  await t.test('a row written on a replica with read_only off is reported errant', async (t) => {
    const sp = await status(p, T);
    await waitApplied(r2, sp.executed, T);
    t.same((await detectErrant(r1, p, T)).errant, false, 'a healthy replica is not errant');
    const rc = await sql(i2, c.h);
    t.teardown(() => rc.destroy());
    await rc.query('SET GLOBAL read_only = OFF');
    await rc.query("INSERT INTO app.t VALUES (999, 'errant')");
    await rc.query('SET GLOBAL read_only = ON');
    const rep = await detectErrant(r2, p, T);
    t.equal(rep.errant, true);
    t.match(rep.gtids, new RegExp(`0-${c.h.instances[2]!.serverId}-\\d+`), `names the errant GTID (${rep.gtids})`);
    t.same((await detectErrant(r1, p, T)).errant, false, 'the other replica still is not');
  });
});
