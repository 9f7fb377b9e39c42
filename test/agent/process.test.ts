// Real agent processes (`mysql-raft-operator agent`) on the embedded API server: the CLI refuses a bad
// setting naming it, three agents elect one Raft leader over the authenticated HTTP transport with
// their state in ConfigMaps, and a kill -9 of the leader's agent leads to a new leader in a later term.
// Never two leaders in one term at any sampled instant.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AgentEnv } from '../support/agent/env.ts';
import { eventually } from '../support/eventually.ts';
import { FLAGS } from '../../src/agent/config.ts';
import { raftConfigMapName } from '../../src/api/names.ts';
import { raw } from '../support/apiserver/raw.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import=tsx', MAIN, 'agent', ...args], {
    env: { PATH: process.env['PATH'] ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });

t.test('the CLI: --help lists every flag; a bad setting exits 2 naming it', async (t) => {
  const help = cli(['--help']);
  t.equal(help.status, 0);
  for (const f of FLAGS) t.match(help.stdout, new RegExp(`--${f.flag}\\s+${f.env}\\s`), `--${f.flag} ${f.env}`);
  const bad = cli([], {
    POD_NAME: 'db-0',
    POD_NAMESPACE: 'default',
    POD_IP: '127.0.0.9',
    CLUSTER_NAME: 'db',
    MYSQL_PORT: 'x',
  });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /--mysql-port \(MYSQL_PORT\) = "x"/);
  const nokey = cli([
    '--pod-name=db-0',
    '--namespace=default',
    '--pod-ip=127.0.0.9',
    '--cluster=db',
    '--credentials-dir=/nonexistent',
  ]);
  t.equal(nokey.status, 2);
  t.match(nokey.stderr, /cannot read \/nonexistent\/root-password/);
});

interface Sample {
  role: string;
  term: number;
  lead: string | null;
}

async function sampleAll(env: AgentEnv, leadersOfTerm: Map<number, Set<string>>): Promise<(Sample | undefined)[]> {
  const all = await Promise.all(env.agents.map((_, i) => env.status(i)));
  all.forEach((s, i) => {
    if (s?.raft.role !== 'leader') return;
    const set = leadersOfTerm.get(s.raft.term) ?? new Set();
    set.add(env.agents[i]!.pod);
    leadersOfTerm.set(s.raft.term, set);
  });
  return all.map((s) => s?.raft);
}

t.test('three agents elect one leader; kill -9 of its agent elects another in a later term', async (t) => {
  const env = await AgentEnv.start({ spec: { raft: { electionTimeout: '1s', heartbeatInterval: '100ms' } } });
  t.teardown(async () => {
    if (!t.passing()) for (const a of env.agents) t.comment(`${a.pod}:\n${a.log.join('').slice(-4000)}`);
    await env.stop();
  });
  const leadersOfTerm = new Map<number, Set<string>>();
  for (let i = 0; i < 3; i++) env.launch(i);
  const first = await eventually(
    async () => {
      const s = await sampleAll(env, leadersOfTerm);
      const l = s.findIndex((x) => x?.role === 'leader');
      if (l < 0) return undefined;
      const term = s[l]!.term;
      return s.every(
        (x, i) => x && (i === l || (x.role === 'follower' && x.lead === env.agents[l]!.pod && x.term === term)),
      )
        ? { l, term }
        : undefined;
    },
    'one leader that both others follow',
    120_000,
  );
  t.pass(`${env.agents[first.l]!.pod} leads term ${first.term}`);
  const cm = await raw(
    { server: env.api.url, token: env.api.token, caPem: env.api.caPem! },
    'GET',
    `/api/v1/namespaces/default/configmaps/${raftConfigMapName('db', 1)}`,
  );
  t.equal(cm.status, 200, 'each agent created its Raft ConfigMap');
  t.equal(cm.json.metadata.ownerReferences?.[0]?.kind, 'MysqlCluster', 'owned by the MysqlCluster');
  t.ok(JSON.parse(cm.json.data['hardstate.json']).term >= first.term, 'the term is durable');

  env.signal(first.l, 'SIGKILL');
  const second = await eventually(
    async () => {
      const s = await sampleAll(env, leadersOfTerm);
      const l = s.findIndex((x, i) => i !== first.l && x?.role === 'leader');
      return l >= 0 && s[l]!.term > first.term ? { l, term: s[l]!.term } : undefined;
    },
    'a new leader among the survivors',
    120_000,
  );
  t.pass(`${env.agents[second.l]!.pod} leads term ${second.term}`);
  env.launch(first.l);
  await eventually(
    async () => {
      const s = await sampleAll(env, leadersOfTerm);
      return s[first.l]?.role === 'follower' && s[first.l]?.term === second.term;
    },
    'the restarted agent rejoining as a follower of the new term (from its ConfigMap)',
    120_000,
  );
  for (const [term, set] of leadersOfTerm) t.equal(set.size, 1, `term ${term}: one leader (${[...set].join(', ')})`);
});
