// The seed README's flows on `mysql-raft-operator local`, driven by kubectl as a user would, with real
// mariadbd servers and real agents: apply the seed manifest, the pods and the Raft ConfigMaps by the
// README's selectors, one writable primary elected by the agents (asked of each mysqld), the
// README's `kubectl exec -it ... SHOW STATUS LIKE 'Rpl_semi_sync%'` with the generated password, a
// write replicated to every member, validation feedback on a bad spec, and a restart of `local` on
// the same data dir that brings the cluster back with its data.
// What needs the agents' publication (role label, agent-status annotation, Lease, /readyz: Ready,
// master/slaves in status, the master Service, failover by `kubectl delete pod`) is in
// seed-failover.test.ts.
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
  const l = await startLocalUnderTest('mro-seed-');
  t.teardown(() => l.cleanup());
  const k = l.kubectl;
  let password = '';
  let primary = '';

  // A failed wait says what the system looked like.
  const explain = async (t: { comment(...a: unknown[]): void }) => {
    t.comment((await k.run(['get', 'pods', '-o', 'wide'])).stdout);
    t.comment((await k.run(['get', 'mysqlcluster', NAME, '-o', 'wide'])).stdout);
    for (const p of PODS)
      for (const c of ['agent', 'mysql']) {
        // A container waiting out a crash back-off has no current log: its last attempt's is "previous".
        const now = await k.run(['logs', p, '-c', c, '--tail=15']);
        const before = now.code === 0 ? undefined : await k.run(['logs', p, '-c', c, '--previous', '--tail=25']);
        t.comment(`${p}/${c}${before ? ' (previous)' : ''}:\n${(before ?? now).stdout}${(before ?? now).stderr}`);
      }
  };

  t.test('kubectl apply -f the seed manifest: three pods, their Raft ConfigMaps, one writable primary', async (t) => {
    const r = await k.run(['apply', '-f', join(root, 'kustomize', 'samples', 'mysql-cluster.yaml')]);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout.trim(), `mysqlcluster.apps.ryansu.com/${NAME} created`);
    try {
      await eventually(
        async () => (await l.json(['get', 'secret', `${NAME}-credentials`])) !== undefined,
        'the credentials Secret',
        60_000,
        500,
      );
      password = await rootPassword(l, NAME);
      const found = await eventually(
        async () => {
          const w = await writablePods(l, PODS, password);
          return w.length === 1 && w;
        },
        'exactly one writable mysqld',
        240_000,
        1000,
      );
      primary = found[0]!;
    } catch (e) {
      await explain(t);
      throw e;
    }
    const pods = await k.run(['get', 'pods', '-l', 'app=mysql-cluster']);
    t.equal(pods.code, 0, pods.stderr);
    const rows = pods.stdout.trim().split('\n');
    t.match(rows[0], /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    t.same(
      rows.slice(1).map((r) => r.split(/\s+/)[0]),
      PODS,
      'the README selector app=mysql-cluster lists the three members',
    );
    for (const row of rows.slice(1)) t.match(row, /\s+\d\/2\s+Running\s+/, 'mysqld and the agent run');
    const cms = await k.run(['get', 'configmap', '-l', `raft.ryansu.com/cluster=${NAME}`]);
    t.same(
      cms.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((r) => r.split(/\s+/)[0]),
      [0, 1, 2].map((i) => `${NAME}-raft-${i}`),
      "each agent's Raft state is a ConfigMap labelled with the cluster",
    );
    const netpol = await k.run(['get', 'networkpolicy', NAME]);
    t.equal(netpol.code, 0, netpol.stderr);
    t.match(
      netpol.stdout,
      /^NAME\s+POD-SELECTOR\s+AGE\n.*app\.kubernetes\.io\/instance=mysql-raft-cluster/,
      'kubectl get networkpolicy',
    );
    const peers = await k.run([
      'get',
      'netpol',
      NAME,
      '-o',
      "jsonpath={.spec.ingress[1].ports[0].port} {.spec.ingress[1].from[0].podSelector.matchLabels['mysql\\.ryansu\\.com/cluster']}",
    ]);
    t.equal(peers.stdout, `8300 ${NAME}`, 'the peer port admits the cluster members');
    const wide = (await k.run(['get', 'mysqlcluster', NAME, '-o', 'wide'])).stdout.split('\n');
    t.match(wide[0], /^NAME\s+READY\s+LEADER\s+TERM\s+REPLICAS\s+AGE\s+MASTER\s+PHASE\s+IMAGE$/);
    const term = await eventually(
      async () => {
        const n = Number((await k.run(['get', 'mysqlcluster', NAME, '-o', 'jsonpath={.status.raftTerm}'])).stdout);
        return n >= 1 && n;
      },
      'a Raft term in status',
      60_000,
      500,
    );
    t.ok(term >= 1, `status.raftTerm ${term} (folded from the Raft ConfigMaps)`);
    const nodes = JSON.parse(
      (await k.run(['get', 'mysqlcluster', NAME, '-o', 'jsonpath={.status.raftNodes}'])).stdout,
    ) as { name: string }[];
    t.same(
      nodes.map((n) => n.name),
      PODS,
      '{.status.raftNodes} lists every member',
    );
  });

  t.test(
    "the README's kubectl exec -it ... SHOW STATUS LIKE 'Rpl_semi_sync%' with the generated password",
    async (t) => {
      const r = await k.run([
        'exec',
        '-it',
        primary,
        '--',
        'mysql',
        '-uroot',
        `-p${password}`,
        '-e',
        "SHOW STATUS LIKE 'Rpl_semi_sync%'",
      ]);
      t.equal(r.code, 0, r.stderr);
      t.match(r.stdout, /^Variable_name\tValue\n/);
      t.match(r.stdout, /Rpl_semi_sync_master_status\tON/, 'the primary waits for a semi-sync ack');
      t.match(r.stdout, /Rpl_semi_sync_master_clients\t2/, 'both replicas are semi-sync clients');
      const replica = PODS.find((p) => p !== primary)!;
      const s = await mysqlExec(l, replica, password, "SHOW STATUS LIKE 'Rpl_semi_sync_slave_status'");
      t.match(s.stdout, /Rpl_semi_sync_slave_status\tON/, `${replica} acknowledges as a semi-sync replica`);
    },
  );

  t.test('a write on the primary reaches every replica', async (t) => {
    const ip = (await l.json(['get', 'pod', primary])).status.podIP as string;
    const c = await connectRoot(ip, password);
    await c.query('CREATE DATABASE IF NOT EXISTS seed');
    await c.query('CREATE TABLE IF NOT EXISTS seed.t (id INT PRIMARY KEY, v VARCHAR(20))');
    await c.query("INSERT INTO seed.t VALUES (1, 'before-restart')");
    await c.end();
    for (const p of PODS.filter((x) => x !== primary)) {
      await eventually(
        async () =>
          (await mysqlExec(l, p, password, 'SELECT v FROM seed.t WHERE id = 1')).stdout.trim() === 'before-restart',
        `the row on ${p}`,
        60_000,
        500,
      );
    }
    t.pass('replicated');
  });

  t.test('validation feedback: a bad spec is refused naming the field and what is allowed', async (t) => {
    const bad = JSON.stringify({
      apiVersion: 'apps.ryansu.com/v1',
      kind: 'MysqlCluster',
      metadata: { name: 'bad', namespace: 'default' },
      spec: { image: 'mysql:5.7', replicas: 11, masterService: 'm', slaveService: 's', storage: { size: '1Gi' } },
    });
    const r = await k.run(['apply', '-f', '-'], bad);
    t.equal(r.code, 1);
    t.match(r.stderr, /admission webhook "vmysqlcluster\.apps\.ryansu\.com" denied the request/);
    t.match(r.stderr, 'spec.replicas: Invalid value: 11: an odd number from 1 to 9');
    const even = await k.run(['apply', '-f', '-'], bad.replace('"replicas":11', '"replicas":2'));
    t.equal(even.code, 1);
    t.match(even.stderr, 'replicas must be odd');
    t.equal((await k.run(['get', 'mysqlcluster', 'bad'])).code, 1, 'nothing was stored');
  });

  t.test('a restart of local on the same data dir brings the cluster back with its data', async (t) => {
    await l.restart();
    let back: string[] = [];
    try {
      back = await eventually(
        async () => {
          const w = await writablePods(l, PODS, password);
          return w.length === 1 && w;
        },
        'one writable mysqld after the restart',
        240_000,
        1000,
      );
    } catch (e) {
      await explain(t);
      throw e;
    }
    t.equal(back.length, 1, `one primary after the restart: ${back[0]}`);
    for (const p of PODS)
      await eventually(
        async () =>
          (await mysqlExec(l, p, password, 'SELECT v FROM seed.t WHERE id = 1')).stdout.trim() === 'before-restart',
        `the row on ${p} after the restart`,
        90_000,
        500,
      );
    t.pass('every member kept the row');
    const ip = (await l.json(['get', 'pod', back[0]!])).status.podIP as string;
    const c = await connectRoot(ip, password);
    await c.query("INSERT INTO seed.t VALUES (3, 'after-restart')");
    await c.end();
    const pods = await l.json(['get', 'pods', '-l', 'app=mysql-cluster']);
    for (const p of pods.items)
      t.ok(
        p.status.containerStatuses.every((s: any) => s.restartCount >= 1),
        `${p.metadata.name}: containers started again (RESTARTS counts the restart)`,
      );
  });
}
