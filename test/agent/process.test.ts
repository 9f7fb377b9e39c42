// Three real agent processes and three real mariadbd on the embedded API server (docs/failover.md):
// election of one writable primary with semi-sync replicas; kill -9 of the primary's agent (the new
// leader fences the old mysqld); graceful stop (SIGTERM handover); kill -9 of the primary's mysqld
// (its agent steps down); restarts rejoin as replicas. Every acknowledged write survives each step
// and no term ever has two leaders at any sampled instant.
import t from 'tap';
import { createConnection } from 'mysql2/promise';
import { AgentEnv, ROOT_PASSWORD } from '../support/agent/env.ts';
import { eventually } from '../support/eventually.ts';

// Several failovers of real processes on a shared, busy machine: longer than tap's default per file.
t.setTimeout(900_000);

interface Sample {
  role: string;
  term: number;
  lead: string | null;
  primary: string | null;
  writable: boolean;
  from: string | null;
}

async function sampleAll(env: AgentEnv, leadersOfTerm: Map<number, Set<string>>): Promise<(Sample | undefined)[]> {
  const all = await Promise.all(env.agents.map((_, i) => env.status(i)));
  all.forEach((s, i) => {
    if (s?.raft.role !== 'leader') return;
    const set = leadersOfTerm.get(s.raft.term) ?? new Set();
    set.add(env.agents[i]!.pod);
    leadersOfTerm.set(s.raft.term, set);
  });
  return all.map((s) =>
    s
      ? {
          role: s.raft.role,
          term: s.raft.term,
          lead: s.raft.lead,
          primary: s.state.primary?.pod ?? null,
          writable: s.mysql.writable === true,
          from: s.mysql.replicatingFrom ?? null,
        }
      : undefined,
  );
}

/** The index of a leader that is the writable primary while every other answering node is a
 * read-only replica of it. */
function settled(env: AgentEnv, s: (Sample | undefined)[], skip = -1): { l: number } | undefined {
  const l = s.findIndex((x, i) => i !== skip && x?.role === 'leader' && x.writable);
  if (l < 0) return undefined;
  const pod = env.agents[l]!.pod;
  const ok = s.every((x, i) => i === l || i === skip || (x && !x.writable && x.from === pod && x.primary === pod));
  return ok && s[l]!.primary === pod ? { l } : undefined;
}

async function sql(env: AgentEnv, i: number, q: string, params: unknown[] = []): Promise<unknown[]> {
  const h = env.harness!;
  const c = await createConnection({ ...h.root(h.instances[i]!), password: ROOT_PASSWORD, connectTimeout: 3000 });
  try {
    const [rows] = await c.query(q, params);
    return rows as unknown[];
  } finally {
    await c.end();
  }
}

/** Retries a write refused because the node is (momentarily) read-only: a loaded machine can delay
 * heartbeats past the lease margin, and then the primary fences itself until the lease is back. */
async function writeWhileWritable(env: AgentEnv, i: number, q: string): Promise<void> {
  await eventually(
    async () => {
      try {
        await sql(env, i, q);
        return true;
      } catch (err) {
        if (/read-only|read_only/i.test((err as Error).message)) return false;
        throw err;
      }
    },
    `${q} accepted`,
    60_000,
  );
}

t.test(
  'three agents and three mariadbd: one writable primary, semi-sync replicas; kill -9 of its agent fails over',
  async (t) => {
    // The default timings (3 s election timeout): a shorter one loses the lease margin on a busy machine.
    const env = await AgentEnv.start({ mysql: true });
    t.teardown(async () => {
      if (!t.passing())
        for (const a of env.agents)
          t.comment(
            `${a.pod}:\n${a.log
              .join('')
              .split('\n')
              .filter((l) => !l.includes('eligibility'))
              .slice(-25)
              .join('\n')}`,
          );
      await env.stop();
    });
    const leadersOfTerm = new Map<number, Set<string>>();
    for (let i = 0; i < 3; i++) env.launch(i);
    const { l: first } = await eventually(
      async () => settled(env, await sampleAll(env, leadersOfTerm)),
      'a primary and two replicas',
      300_000,
    );
    const p1 = env.agents[first]!.pod;
    t.pass(`${p1} is the writable primary; the others replicate from it read-only`);
    const users = (await sql(
      env,
      (first + 1) % 3,
      "SELECT DISTINCT User AS u FROM mysql.user WHERE User LIKE 'mysqlraft%' ORDER BY u",
    )) as { u: string }[];
    t.same(
      users.map((r) => r.u),
      ['mysqlraft_admin', 'mysqlraft_agent', 'mysqlraft_probe', 'mysqlraft_repl'],
      'the agent created its accounts',
    );
    const terms = (await sql(env, first, 'SELECT term, leader FROM mysqlraft.term')) as { leader: string }[];
    t.ok(
      terms.some((r) => r.leader === p1),
      'the term row names the primary',
    );
    await eventually(async () => {
      const v = (await sql(env, first, "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_status'")) as { Value: string }[];
      return v[0]?.Value === 'ON';
    }, 'the primary running semi-sync');
    await writeWhileWritable(env, first, 'CREATE DATABASE IF NOT EXISTS app');
    await writeWhileWritable(env, first, 'CREATE TABLE IF NOT EXISTS app.acked (id INT PRIMARY KEY)');
    for (let k = 1; k <= 20; k++) await writeWhileWritable(env, first, `INSERT IGNORE INTO app.acked VALUES (${k})`);
    t.pass('20 writes acknowledged (semi-sync)');

    env.signal(first, 'SIGKILL');
    const { l: second } = await eventually(
      async () => settled(env, await sampleAll(env, leadersOfTerm), first),
      'a new primary among the survivors',
      300_000,
    );
    const p2 = env.agents[second]!.pod;
    t.not(p2, p1);
    const ro = (await sql(env, first, 'SELECT @@GLOBAL.read_only AS ro')) as { ro: number }[];
    t.equal(Number(ro[0]?.ro), 1, `the old primary's mysqld (agent gone) was fenced by ${p2}`);
    const rows = (await sql(env, second, 'SELECT COUNT(*) AS n FROM app.acked')) as { n: number }[];
    t.equal(Number(rows[0]?.n), 20, 'every acknowledged write is on the new primary');
    await writeWhileWritable(env, second, 'INSERT INTO app.acked VALUES (21)');
    t.pass('the new primary accepts writes');
    env.launch(first);
    await eventually(
      async () => {
        const s = await sampleAll(env, leadersOfTerm);
        return s[first]?.role === 'follower' && s[first]?.from === p2 && !s[first]?.writable;
      },
      'the old primary rejoining as a replica of the new one',
      300_000,
    );
    // Graceful stop of the current primary (SIGTERM, as on pod delete): it demotes itself, hands over
    // to a caught-up replica, and exits 0.
    const exited = new Promise<number | null>((r) => env.agents[second]!.proc!.once('exit', (code) => r(code)));
    env.signal(second, 'SIGTERM');
    const { l: third } = await eventually(
      async () => settled(env, await sampleAll(env, leadersOfTerm), second),
      'a new primary after the graceful stop',
      300_000,
    );
    t.not(third, second, `${env.agents[third]!.pod} took over from ${p2}`);
    t.equal(await exited, 0, 'the stopped agent exited 0 after handing over');
    const after = (await sql(env, third, 'SELECT COUNT(*) AS n FROM app.acked')) as { n: number }[];
    t.equal(Number(after[0]?.n), 21, 'every acknowledged write survived the handover');
    // The primary's mysqld dies, its agent lives: the agent steps down and hands over at once.
    env.launch(second);
    await eventually(
      async () => settled(env, await sampleAll(env, leadersOfTerm)),
      'three nodes settled again',
      300_000,
    );
    const before = (await sampleAll(env, leadersOfTerm)).findIndex((x) => x?.role === 'leader');
    await writeWhileWritable(env, before, 'INSERT INTO app.acked VALUES (22)');
    await env.harness!.kill9(env.harness!.instances[before]!);
    const { l: fourth } = await eventually(
      async () => settled(env, await sampleAll(env, leadersOfTerm), before),
      'a new primary after the primary mysqld was killed',
      300_000,
    );
    t.not(fourth, before, `${env.agents[fourth]!.pod} took over from the leader whose mysqld died`);
    const n22 = (await sql(env, fourth, 'SELECT COUNT(*) AS n FROM app.acked')) as { n: number }[];
    t.equal(Number(n22[0]?.n), 22, 'every acknowledged write survived the mysqld crash');
    await env.harness!.restart(env.harness!.instances[before]!);
    await eventually(
      async () => {
        const s = await sampleAll(env, leadersOfTerm);
        return s[before]?.from === env.agents[fourth]!.pod && !s[before]?.writable;
      },
      'the restarted mysqld rejoining as a replica',
      300_000,
    );
    for (const [term, set] of leadersOfTerm) t.equal(set.size, 1, `term ${term}: one leader (${[...set].join(', ')})`);
  },
);
