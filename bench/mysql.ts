// npm run bench:mysql — the failover primitive sequence (revoke, choose, wait, promote, repoint) after
// kill -9 of a primary under writes, on three local mariadbd instances; and the time to start three
// instances. Last stdout line: {"failover_p50_ms","failover_p99_ms","runs","start3_ms"}.
import { createConnection, type Connection } from 'mysql2/promise';
import { startInstances } from '../test/support/mariadb/harness.ts';
import { templateDir } from '../test/support/mariadb/template.ts';
import { MysqlNode, bootstrapUsers, promote, pointAt, failover } from '../src/mysql/index.ts';

const RUNS = Math.max(10, Number(process.argv[2] ?? 12) || 12);
const T = 5000;
const ACCOUNTS = {
  replication: { user: 'repl', password: 'Bench-repl-pw-1' },
  agent: { user: 'agent', password: 'Bench-agent-pw-1' },
  probe: { user: 'probe', password: 'Bench-probe-pw-1' },
};

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

async function oneRun(): Promise<{ start3: number; failover: number; steps: Record<string, number> }> {
  const t0 = performance.now();
  const h = await startInstances(3);
  const start3 = performance.now() - t0;
  try {
    const [i0, i1, i2] = h.instances as [(typeof h.instances)[0], (typeof h.instances)[0], (typeof h.instances)[0]];
    await Promise.all(h.instances.map((i) => bootstrapUsers(new MysqlNode(h.root(i)), ACCOUNTS, T)));
    const agent = (i: typeof i0) => new MysqlNode({ host: i.host, port: i.port, ...ACCOUNTS.agent });
    await promote(agent(i0), {}, T);
    const src = {
      host: i0.host,
      port: i0.port,
      replicationUser: ACCOUNTS.replication.user,
      replicationPassword: ACCOUNTS.replication.password,
    };
    await Promise.all([pointAt(agent(i1), src, T), pointAt(agent(i2), src, T)]);
    const c: Connection = await createConnection(h.root(i0));
    c.on('error', () => {});
    await c.query('CREATE DATABASE app');
    await c.query('CREATE TABLE app.t (id INT PRIMARY KEY)');
    const acked: number[] = [];
    const writer = (async () => {
      for (let id = 1; ; id++) {
        try {
          await c.query('INSERT INTO app.t VALUES (?)', [id]);
          acked.push(id);
        } catch {
          return;
        }
      }
    })();
    while (acked.length < 100) await new Promise((r) => setTimeout(r, 5));
    await h.kill9(i0);
    await writer;
    c.destroy();
    const f0 = performance.now();
    const res = await failover({
      replicas: [i1, i2].map((i) => ({ name: i.name, node: agent(i), host: i.host, port: i.port })),
      replicationUser: ACCOUNTS.replication.user,
      replicationPassword: ACCOUNTS.replication.password,
      timeoutMs: T,
    });
    const ms = performance.now() - f0;
    // Sanity: a run that lost an acknowledged row is a bug, not a figure.
    const np = h.instances.find((i) => i.name === res.candidate)!;
    const nc = await createConnection(h.root(np));
    const [rows] = (await nc.query('SELECT COUNT(*) AS n FROM app.t WHERE id <= ?', [
      acked.at(-1) ?? 0,
    ])) as unknown as [{ n: number }[]];
    nc.destroy();
    if (Number(rows[0]!.n) < acked.length)
      throw new Error(`lost acknowledged rows: ${acked.length} acked, ${rows[0]!.n} present`);
    return { start3, failover: ms, steps: res.stepsMs };
  } finally {
    await h.stop();
  }
}

async function main(): Promise<void> {
  templateDir(); // built once, outside the timed start
  const starts: number[] = [];
  const fails: number[] = [];
  for (let r = 1; r <= RUNS; r++) {
    const x = await oneRun();
    starts.push(x.start3);
    fails.push(x.failover);
    const steps = Object.entries(x.steps)
      .map(([k, v]) => `${k}=${v.toFixed(1)}`)
      .join(' ');
    console.log(`run ${r}: start3 ${x.start3.toFixed(0)} ms, failover ${x.failover.toFixed(1)} ms (${steps})`);
  }
  const out = {
    failover_p50_ms: Math.round(pct(fails, 50) * 10) / 10,
    failover_p99_ms: Math.round(pct(fails, 99) * 10) / 10,
    runs: RUNS,
    start3_ms: Math.round(pct(starts, 50)),
  };
  console.log(
    `failover p50 ${out.failover_p50_ms} ms, p99 ${out.failover_p99_ms} ms over ${RUNS} runs; start3 p50 ${out.start3_ms} ms`,
  );
  console.log(JSON.stringify(out));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
