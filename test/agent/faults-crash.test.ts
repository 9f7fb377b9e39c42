// Crash faults on three real mariadbd and three agent processes, with the history writer and the 50 ms
// read_only probe running throughout (docs/chaos.md): kill -9 of the primary's mysqld, of its agent,
// of both. After each: a new primary holds every acknowledged write (the checker on the history so
// far) and no two nodes were writable at any probed instant.
import t from 'tap';
import { createConnection } from 'mysql2/promise';
import { FaultRun, expectClean as clean } from '../support/agent/faultrun.ts';
import { ROOT_PASSWORD } from '../support/agent/env.ts';

t.setTimeout(900_000);

t.test('kill -9 of the primary mysqld, of its agent, of both', async (t) => {
  const run = await FaultRun.start({ say: (m) => t.comment(m) });
  t.teardown(async () => {
    if (!t.passing()) t.comment(run.logs());
    await run.stop();
  });
  const h = run.env.harness!;

  // 1. The primary's mysqld dies; its agent lives and hands over at once.
  let { l } = await run.settle();
  run.mark(`kill -9 mysqld of ${run.env.agents[l]!.pod}`);
  await h.kill9(h.instances[l]!);
  let { l: next } = await run.settle([l]);
  t.not(next, l, `${run.env.agents[next]!.pod} took over from the node whose mysqld died`);
  await run.acksOn(next, 10);
  clean(t, await run.checkNow(next), 'after the mysqld crash');
  await h.restart(h.instances[l]!);
  // Crash recovery as a replica (init_rpl_role) cuts what no replica acknowledged: nothing is errant.
  t.equal(await run.backAs(l), 'replica', 'the restarted mysqld came back as a replica, not errant');
  ({ l } = await run.settle([], 300_000));
  t.pass('three nodes settled again');

  // 2. The primary's agent dies; its mysqld lives (the new leader fences it).
  run.mark(`kill -9 agent of ${run.env.agents[l]!.pod}`);
  run.env.signal(l, 'SIGKILL');
  ({ l: next } = await run.settle([l]));
  t.not(next, l);
  await run.acksOn(next, 10);
  const ro = await run.root(l, async (c) => {
    const [rows] = await c.query('SELECT @@GLOBAL.read_only AS ro');
    return Number((rows as { ro: number }[])[0]!.ro);
  });
  t.equal(ro, 1, `the old primary's mysqld (agent gone) is read-only`);
  // A client logged in as root that reconnects to the fenced old primary cannot write there either:
  // MariaDB's read_only does not bind READ_ONLY ADMIN, so the agents took it from root (users.ts).
  const asRoot = await createConnection({
    host: run.node(l).ip,
    port: run.env.mysqlPort,
    user: 'root',
    password: ROOT_PASSWORD,
  });
  const refused = await asRoot.query('CREATE DATABASE IF NOT EXISTS written_by_root').then(
    () => 0,
    (err: { errno?: number }) => err.errno ?? -1,
  );
  await asRoot.end();
  t.equal(refused, 1290, 'root is refused by read_only on the fenced old primary (ER_OPTION_PREVENTS_STATEMENT)');
  clean(t, await run.checkNow(next), 'after the agent crash');
  run.env.launch(l);
  // The new primary fenced the old mysqld (its waiting sessions committed) and then took all it held
  // (catch-up.ts): nothing is errant.
  t.equal(await run.backAs(l), 'replica', 'the restarted agent came back as a replica, not errant');
  ({ l } = await run.settle([], 300_000));
  t.pass('three nodes settled again');

  // 3. Both die (the node is gone).
  run.mark(`kill -9 agent and mysqld of ${run.env.agents[l]!.pod}`);
  run.env.signal(l, 'SIGKILL');
  await h.kill9(h.instances[l]!);
  ({ l: next } = await run.settle([l]));
  t.not(next, l);
  await run.acksOn(next, 10);
  clean(t, await run.checkNow(next), 'after both crashed');
  await h.restart(h.instances[l]!);
  run.env.launch(l);
  t.equal(await run.backAs(l), 'replica', 'the restarted node came back as a replica, not errant');
  await run.settle([], 300_000);

  const { result } = await run.finish();
  clean(t, result, 'the whole run');
  for (const f of result.faults)
    t.ok(f.unavailableMs !== null, `${f.name}: writes resumed after ${f.unavailableMs?.toFixed(0)} ms`);
  t.same(run.splitTerms(), [], 'one leader per term');
});
