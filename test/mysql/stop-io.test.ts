// stopIo() against a silent source: the IO thread sits on a connection that delivers nothing (a
// partition, a frozen primary). stopIo() kills the thread's connection when its STOP is slow
// (replication.ts says why); this file shows the thread stops, acknowledges nothing more, and resumes
// cleanly after. How long a stop takes is not asserted here (docs/failover.md gives the figures).
import t from 'tap';
import { ACCOUNTS, sql, startCluster, T, until } from './cluster.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { status } from '../../src/mysql/status.ts';
import { pointAt, startIo, stopIo } from '../../src/mysql/replication.ts';
import { promote } from '../../src/mysql/promote.ts';
import { contains } from '../../src/mysql/gtid.ts';

t.test('stopIo on a replica whose source went silent', async (t) => {
  const c = await startCluster(2, t);
  const [p, r] = c.nodes as [(typeof c.nodes)[0], (typeof c.nodes)[0]];
  const ip = c.h.instances[0]!;
  const proxy = new TcpProxy(ip.host, ip.port);
  await proxy.start();
  t.teardown(() => proxy.close());
  const source = {
    host: '127.0.0.1',
    port: proxy.port,
    replicationUser: ACCOUNTS.replication.user,
    replicationPassword: ACCOUNTS.replication.password,
  };
  await promote(p, {}, T);
  await pointAt(r, source, T);
  const pc = await sql(ip, c.h);
  t.teardown(() => pc.destroy());
  await pc.query('CREATE DATABASE app');
  await pc.query('CREATE TABLE app.t (id INT PRIMARY KEY)');
  await until('the replica acknowledging', async () => (await status(p, T)).semiSync.clients === 1);

  // Silence: the connection stays open and delivers nothing either way, as under a partition.
  proxy.mode = 'stall';
  const w = await sql(ip, c.h);
  t.teardown(() => w.destroy());
  let acked = false;
  const write = w.query('INSERT INTO app.t VALUES (1)').then(() => (acked = true));
  await until('the insert waiting for an ack', async () => {
    const [rows] = (await pc.query(
      "SELECT STATE FROM information_schema.PROCESSLIST WHERE INFO LIKE 'INSERT INTO app.t VALUES (1)%'",
    )) as unknown as [{ STATE: string }[]];
    return rows[0]?.STATE === 'Waiting for semi-sync ACK from slave';
  });

  await stopIo(r, T);
  const stopped = await status(r, T);
  t.equal(stopped.replica?.ioRunning, 'no', 'the IO thread is stopped');
  t.ok(stopped.replica?.sqlRunning, 'the SQL thread goes on applying');
  await stopIo(r, T); // idempotent: no thread to kill
  t.equal((await status(r, T)).replica?.ioRunning, 'no');

  // The link heals: nothing was acknowledged meanwhile, and the thread resumes from its GTID position.
  proxy.cut();
  proxy.mode = 'forward';
  t.notOk(acked, 'the write was not acknowledged while the replica was stopped');
  await startIo(r, T);
  await write;
  t.ok(acked, 'acknowledged once the replica resumed');
  const sp = await status(p, T);
  await until('the replica caught up', async () => contains((await status(r, T)).executed, sp.executed));
  const rc = await sql(c.h.instances[1]!, c.h);
  t.teardown(() => rc.destroy());
  const [rows] = (await rc.query('SELECT COUNT(*) AS n FROM app.t')) as unknown as [{ n: number }[]];
  t.equal(Number(rows[0]!.n), 1, 'the row arrived once');
  t.equal((await status(r, T)).replica?.ioRunning, 'yes');
});
