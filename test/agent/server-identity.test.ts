// Every data directory gets its own server_id, kept across restarts: a node re-cloned from an empty
// volume must not share an id with its former self, or it would skip that self's events (replicas
// ignore events carrying their own server_id). Real agents and mariadbd.
import t from 'tap';
import { AgentEnv } from '../support/agent/env.ts';
import { eventually } from '../support/eventually.ts';

t.setTimeout(900_000);

const serverId = async (env: AgentEnv, i: number) => Number((await env.sql(i, 'SELECT @@server_id AS v'))[0]!['v']);
const stored = async (env: AgentEnv, i: number) =>
  Number((await env.sql(i, "SELECT v FROM mysql_raft_operator.identity WHERE k = 'server_id'"))[0]?.['v']);

t.test('drawn once per data directory, distinct, and set again when mysqld runs with another', async (t) => {
  const env = await AgentEnv.start({ mysql: true });
  t.teardown(() => env.stop());
  for (let i = 0; i < 3; i++) env.launch(i);
  const ids = await eventually(
    async () => {
      const s = await Promise.all([0, 1, 2].map((i) => env.status(i)));
      if (!s.every((x) => x?.mysql.up)) return undefined;
      const v = await Promise.all([0, 1, 2].map((i) => stored(env, i).catch(() => NaN)));
      return v.every((x) => Number.isFinite(x)) ? v : undefined;
    },
    'each agent to store its server_id',
    300_000,
  );
  t.equal(new Set(ids).size, 3, `three distinct ids (${ids.join(', ')})`);
  t.ok(
    ids.every((x) => x >= 1_000_000),
    'drawn above the per-ordinal ids',
  );
  for (const i of [0, 1, 2]) t.equal(await serverId(env, i), ids[i], `mysqld ${i} runs with its stored id`);

  // mysqld restarted with the per-ordinal id (what its command line says): the agent sets ours again.
  await env.sql(1, 'SET GLOBAL server_id = 11');
  await eventually(
    async () => (await serverId(env, 1)) === ids[1],
    'the stored id set again by the running agent',
    120_000,
  );
  t.pass('a running agent restores the id');

  // A restarted agent keeps the same id (stored in the data directory, not drawn again).
  const exited = new Promise((r) => env.agents[2]!.proc!.once('exit', r));
  env.signal(2, 'SIGKILL');
  await exited;
  await env.sql(2, 'SET GLOBAL server_id = 12');
  env.launch(2);
  // A restarted agent compiles and starts again first: minutes on a loaded machine, not seconds.
  await eventually(async () => (await serverId(env, 2)) === ids[2], 'the same id after an agent restart', 300_000);
  t.equal(await stored(env, 2), ids[2], 'not drawn again');
});
