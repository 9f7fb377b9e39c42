// A replica stopped gracefully applies what it acknowledged before it goes: MariaDB discards the relay
// log when mysqld starts again, so an acknowledged but unapplied write would otherwise exist only on the
// primary (the chaos run's restart-cluster fault lost 402 acknowledged writes that way). Real agents and
// mariadbd: the replicas' SQL threads are stopped so that acknowledged writes sit in their relay logs,
// then one replica's agent gets SIGTERM; before it exits the writes must be applied there.
import t from 'tap';
import { AgentEnv } from '../support/agent/env.ts';
import { eventually } from '../support/eventually.ts';

t.setTimeout(900_000);

/** The primary's index once it is writable and both others replicate from it. */
async function settledPrimary(env: AgentEnv): Promise<number> {
  // Wrapped: eventually() treats a falsy result as "not yet", and db-0 is index 0 (this test waited out
  // its 300 s whenever db-0 won the first election).
  const { p } = await eventually(
    async () => {
      const s = await Promise.all([0, 1, 2].map((i) => env.status(i, 5000)));
      const p = s.findIndex((x) => x?.raft.role === 'leader' && x.mysql.writable);
      if (p < 0) return undefined;
      const pod = env.agents[p]!.pod;
      const ok = s.every((x, i) => i === p || (x && !x.mysql.writable && x.mysql.replicatingFrom === pod));
      return ok ? { p } : undefined;
    },
    'a writable primary with two replicas',
    300_000,
  );
  return p;
}

t.test('SIGTERM of a replica agent applies its relay log before it exits', async (t) => {
  const env = await AgentEnv.start({ mysql: true });
  t.teardown(async () => {
    if (!t.passing())
      for (const [i, a] of env.agents.entries()) {
        t.comment(`${a.pod} ${a.ip}: ${JSON.stringify((await env.status(i))?.mysql)}`);
        t.comment(a.log.join('').split('\n').slice(-15).join('\n'));
      }
    await env.stop();
  });
  for (let i = 0; i < 3; i++) env.launch(i);
  const p = await settledPrimary(env);
  const replicas = [0, 1, 2].filter((i) => i !== p);
  await eventually(async () => {
    try {
      await env.sql(p, 'CREATE DATABASE IF NOT EXISTS app');
      await env.sql(p, 'CREATE TABLE IF NOT EXISTS app.acked (id INT PRIMARY KEY)');
      return true;
    } catch {
      return false; // momentarily read-only on a loaded machine (lease margin)
    }
  }, 'the table created on the primary');
  await eventually(
    async () =>
      (await Promise.all(replicas.map((r) => env.sql(r, "SHOW TABLES IN app LIKE 'acked'")))).every((x) => x.length),
    'the table on both replicas',
  );
  for (const r of replicas) await env.sql(r, 'STOP SLAVE SQL_THREAD');
  for (let k = 1; k <= 20; k++) await env.sql(p, `INSERT INTO app.acked VALUES (${k})`);
  t.pass('20 writes acknowledged by semi-sync (the replicas received them; neither applied them)');
  const [r] = replicas as [number];
  t.same(await env.sql(r, 'SELECT COUNT(*) AS n FROM app.acked'), [{ n: 0 }], 'not applied on the replica yet');

  const exited = new Promise((resolve) => env.agents[r]!.proc!.once('exit', resolve));
  env.signal(r, 'SIGTERM');
  t.equal(await exited, 0, 'the agent exits 0 after its graceful stop');
  if (process.env['DEBUG_DRAIN']) {
    t.comment(
      env.agents[r]!.log.join('')
        .split('\n')
        .filter((l) => /drain|stop/i.test(l))
        .join('\n'),
    );
    const st = await env.sql(r, 'SHOW SLAVE STATUS');
    t.comment(
      JSON.stringify({ io: st[0]?.['Gtid_IO_Pos'], sql: st[0]?.['Slave_SQL_Running'], e: st[0]?.['Last_SQL_Error'] }),
    );
    t.comment(JSON.stringify(await env.sql(r, 'SELECT @@gtid_slave_pos AS s, @@gtid_binlog_pos AS b')));
  }
  t.same(
    await env.sql(r, 'SELECT COUNT(*) AS n FROM app.acked'),
    [{ n: 20 }],
    'every acknowledged write was applied before the agent let mysqld go',
  );
  const io = await env.sql(r, 'SHOW SLAVE STATUS');
  t.equal(io[0]?.['Slave_IO_Running'], 'No', 'the IO thread stays stopped (nothing more to acknowledge)');
});
