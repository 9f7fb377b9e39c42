// A one-member cluster (spec.replicas 1): nobody can acknowledge the term row, so the agent does not
// wait for it (docs/failover.md, "The new-leader sequence", step 7): the node becomes the writable
// primary and ready, with its term row written.
import t from 'tap';
import { createConnection } from 'mysql2/promise';
import { AgentEnv, ROOT_PASSWORD } from '../support/agent/env.ts';
import { eventually } from '../support/eventually.ts';

t.setTimeout(600_000);

t.test('one member: elected, writable and ready, its term row written', async (t) => {
  const env = await AgentEnv.start({ mysql: true, replicas: 1 });
  t.teardown(async () => {
    if (!t.passing()) t.comment(env.agents[0]!.log.join('').split('\n').slice(-30).join('\n'));
    await env.stop();
  });
  env.launch(0);
  await eventually(
    async () => {
      const s = await env.status(0);
      return s?.raft.role === 'leader' && s.mysql.writable === true;
    },
    'the only member is the writable primary',
    300_000,
  );
  const ready = await eventually(async () => {
    const r = await fetch(`http://${env.agents[0]!.ip}:${env.httpPort}/readyz`, { signal: AbortSignal.timeout(2000) });
    return r.status === 200 ? r.text() : undefined;
  }, '/readyz 200');
  t.match(ready, /writable primary/);
  const h = env.harness!;
  const c = await createConnection({ ...h.root(h.instances[0]!), password: ROOT_PASSWORD, connectTimeout: 3000 });
  t.teardown(() => c.end());
  const [rows] = await c.query('SELECT leader FROM mysqlraft.term');
  t.same(
    (rows as { leader: string }[]).map((r) => r.leader),
    [env.agents[0]!.pod],
    'its term row is written',
  );
});
