// The seed README's status and failover flows on `mysql-raft-operator local`, driven by kubectl: the
// cluster becomes Ready with a real writable primary, `kubectl get mysqlcluster -o wide` and the
// README's jsonpath queries ({.status.raftLeader}, {.status.master}, {.status.slaves},
// {.status.raftNodes}) name it, a write through the master Service's clusterIP lands on it, and
// `kubectl delete pod <primary>` gives a new master in status while writes through the master Service
// succeed again; a restart of `local` on the same data dir comes back Ready with the data.
// This needs the agents' publication (docs/agent.md): the role label the Services select, the
// agent-status annotation and Lease the status folds, and /readyz for pod readiness.
import '../support/apiserver/node20-shim.ts';
import t from 'tap';
import { join } from 'node:path';
import { kubectlVersion } from '../support/apiserver/kubectl.ts';
import { eventually } from '../support/eventually.ts';
import { root } from '../kustomize/build.ts';
import { connectRoot, mysqlExec, rootPassword, startLocalUnderTest, writablePods } from './local-system.ts';

t.setTimeout(900_000);

const NAME = 'mysql-raft-cluster';
const PODS = [0, 1, 2].map((i) => `${NAME}-${i}`);

if (!kubectlVersion()) {
  t.fail('kubectl not found on PATH: run hack/install-kubectl.sh (npm test does)');
} else {
  const l = await startLocalUnderTest('mro-failover-');
  t.teardown(() => l.cleanup());
  const k = l.kubectl;
  let password = '';
  let masterIP = '';
  const jsonpath = async (path: string) =>
    (await k.run(['get', 'mysqlcluster', NAME, '-o', `jsonpath=${path}`])).stdout;
  const explain = async (t: { comment(...a: unknown[]): void }) => {
    t.comment((await k.run(['get', 'pods', '-o', 'wide', '-L', 'mysql.ryansu.com/role'])).stdout);
    t.comment((await k.run(['get', 'mysqlcluster', NAME, '-o', 'yaml'])).stdout);
    for (const p of PODS) t.comment((await k.run(['logs', p, '-c', 'agent', '--tail=15'])).stdout);
  };
  const waitReady = async (t: { comment(...a: unknown[]): void }, what: string) => {
    try {
      await eventually(
        async () => {
          const c = await l.json(['get', 'mysqlcluster', NAME]);
          return c?.status?.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True');
        },
        what,
        300_000,
        1000,
      );
    } catch (e) {
      await explain(t);
      throw e;
    }
  };
  /** A write through the master Service, answered by the server at this address. */
  const writeThroughMaster = async (id: number): Promise<string> => {
    const c = await connectRoot(masterIP, password);
    try {
      await c.query('CREATE DATABASE IF NOT EXISTS seed');
      await c.query('CREATE TABLE IF NOT EXISTS seed.t (id INT PRIMARY KEY, v VARCHAR(40))');
      await c.query('INSERT INTO seed.t VALUES (?, ?)', [id, `write-${id}`]);
      const [rows] = await c.query('SELECT @@bind_address AS b');
      return (rows as { b: string }[])[0]!.b;
    } finally {
      await c.end();
    }
  };

  t.test('apply the seed manifest: Ready, with a writable primary that status names', async (t) => {
    const r = await k.run(['apply', '-f', join(root, 'kustomize', 'samples', 'mysql-cluster.yaml')]);
    t.equal(r.code, 0, r.stderr);
    await waitReady(t, 'the cluster Ready');
    password = await rootPassword(l, NAME);
    const master = await jsonpath('{.status.master}');
    t.same(await writablePods(l, PODS, password), [master], 'status.master is the one writable mysqld');
    t.equal(await jsonpath('{.status.raftLeader}'), master, 'the Raft leader is the master');
    const slaves = JSON.parse(await jsonpath('{.status.slaves}')) as string[];
    t.same(
      [...slaves].sort(),
      PODS.filter((p) => p !== master),
    );
    const nodes = JSON.parse(await jsonpath('{.status.raftNodes}')) as any[];
    t.same(
      nodes.map((n) => [n.name, n.healthy]),
      PODS.map((p) => [p, true]),
      'raftNodes: every member healthy',
    );
    t.equal(nodes.find((n) => n.name === master).role, 'leader');
    const wide = (await k.run(['get', 'mysqlcluster', NAME, '-o', 'wide'])).stdout.split('\n');
    t.match(
      wide[1],
      new RegExp(`^${NAME}\\s+True\\s+${master}\\s+\\d+\\s+3\\s+\\S+\\s+${master}\\s+Running\\s+mysql:5\\.7$`),
    );
    const pods = (await k.run(['get', 'pods', '-l', 'app=mysql-cluster', '-L', 'mysql.ryansu.com/role'])).stdout;
    for (const p of PODS)
      t.match(pods, new RegExp(`${p}\\s+2/2\\s+Running\\s+\\d+\\s+\\S+\\s+${p === master ? 'primary' : 'replica'}`));
    const sync = await k.run([
      'exec',
      '-it',
      master,
      '--',
      'mysql',
      '-uroot',
      `-p${password}`,
      '-e',
      "SHOW STATUS LIKE 'Rpl_semi_sync%'",
    ]);
    t.match(sync.stdout, /Rpl_semi_sync_master_status\tON/);
  });

  t.test('a write through the master Service clusterIP lands on the master', async (t) => {
    masterIP = (await k.run(['get', 'svc', 'mysql-master', '-o', 'jsonpath={.spec.clusterIP}'])).stdout;
    t.match(masterIP, /^127\.96\./);
    const master = await jsonpath('{.status.master}');
    const podIP = (await l.json(['get', 'pod', master])).status.podIP;
    t.equal(await writeThroughMaster(1), podIP);
  });

  t.test('kubectl delete pod <primary>: a new master in status, writes through the Service succeed', async (t) => {
    const old = await jsonpath('{.status.master}');
    const del = await k.run(['delete', 'pod', old, '--wait=false']);
    t.equal(del.code, 0, del.stderr);
    let next = '';
    try {
      next = await eventually(
        async () => {
          const m = await jsonpath('{.status.master}');
          return m && m !== old && m;
        },
        'a new master in status',
        120_000,
        250,
      );
    } catch (e) {
      await explain(t);
      throw e;
    }
    t.not(next, old);
    const answered = await eventually(
      async () => writeThroughMaster(2).catch(() => undefined),
      'a write through the master Service',
      60_000,
      200,
    );
    t.equal(answered, (await l.json(['get', 'pod', next])).status.podIP, 'the Service follows the new master');
    const last = JSON.parse(await jsonpath('{.status.lastFailover}'));
    t.equal(last.from, old);
    t.equal(last.to, next);
    await waitReady(t, 'Ready again with the old primary back as a replica');
    for (const p of PODS)
      await eventually(
        async () => (await mysqlExec(l, p, password, 'SELECT COUNT(*) FROM seed.t')).stdout.trim() === '2',
        `both rows on ${p}`,
        60_000,
        500,
      );
    t.pass('every member has both writes');
  });

  t.test('a restart of local comes back Ready, the master Service writable', async (t) => {
    await l.restart();
    await waitReady(t, 'Ready after the restart');
    const answered = await eventually(
      async () => writeThroughMaster(3).catch(() => undefined),
      'a write through the master Service after the restart',
      60_000,
      200,
    );
    t.ok(answered, `written on ${answered}`);
    const c = await mysqlExec(l, await jsonpath('{.status.master}'), password, 'SELECT COUNT(*) FROM seed.t');
    t.equal(c.stdout.trim(), '3');
  });
}
