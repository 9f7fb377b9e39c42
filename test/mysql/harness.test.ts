// The harness itself: instances start in parallel, read-only, replication stopped, with distinct server
// ids and GTID strict mode; they survive kill -9 + restart with their data.
import t from 'tap';
import { createConnection } from 'mysql2/promise';
import { startInstances } from '../support/mariadb/harness.ts';

t.test('three instances start read-only with binlog, strict GTIDs and replication stopped', async (t) => {
  const h = await startInstances(3, t);
  const ids = new Set<number>();
  for (const inst of h.instances) {
    const c = await createConnection(h.root(inst));
    t.teardown(() => c.destroy());
    const [rows] = (await c.query(
      'SELECT @@server_id AS id, @@read_only AS ro, @@log_bin AS lb, @@gtid_strict_mode AS gsm, @@log_slave_updates AS lsu, @@port AS port',
    )) as unknown as [Record<string, number>[]];
    const r = rows[0]!;
    ids.add(r['id']!);
    t.same([r['ro'], r['lb'], r['gsm'], r['lsu'], r['port']], [1, 1, 1, 1, inst.port], inst.name);
    const [slave] = (await c.query('SHOW SLAVE STATUS')) as unknown as [unknown[]];
    t.equal(slave.length, 0, `${inst.name}: no replication configured`);
    t.not(inst.host, '127.0.0.1', 'never the system address');
  }
  t.equal(ids.size, 3, 'distinct server ids');

  const victim = h.instances[0]!;
  const c = await createConnection(h.root(victim));
  await c.query('SET GLOBAL read_only = OFF');
  await c.query('CREATE DATABASE keepme');
  c.destroy();
  await h.kill9(victim);
  await t.rejects(createConnection({ ...h.root(victim), connectTimeout: 1000 }), 'gone after kill -9');
  await h.restart(victim);
  const c2 = await createConnection(h.root(victim));
  const [dbs] = (await c2.query("SHOW DATABASES LIKE 'keepme'")) as unknown as [unknown[]];
  t.equal(dbs.length, 1, 'data survives kill -9 and restart');
  const [ro] = (await c2.query('SELECT @@read_only AS ro')) as unknown as [{ ro: number }[]];
  t.equal(ro[0]!.ro, 1, 'restarted read-only again');
  c2.destroy();
});
