// The pod runner's pure parts: image mapping, container paths, $(VAR) expansion, the database
// entrypoint's first-boot SQL, Endpoints from pods, kubectl's pod STATUS, pod and Service addresses,
// and the strategic-merge list rules client-side `kubectl apply` depends on.
import t from 'tap';
import { planImage, repositoryOf } from '../../../src/local/kubelet/images.ts';
import { PathMap } from '../../../src/local/kubelet/paths.ts';
import { expand, expandCommand } from '../../../src/local/kubelet/env.ts';
import { initSql, mysqldSocket, standInConfig } from '../../../src/local/kubelet/mysqld.ts';
import { endpointSlice, endpointSubsets } from '../../../src/local/kubelet/endpoints.ts';
import { IpPool } from '../../../src/local/kubelet/ip-pool.ts';
import { podStatusText } from '../../../src/local/apiserver/table-workloads.ts';
import { ClusterIpAllocator } from '../../../src/local/apiserver/cluster-ip.ts';
import { applyStrategicPatch, listStrategy } from '../../../src/local/apiserver/strategic-merge.ts';

t.test('MariaDB standing in for MySQL gets its own GTID and crash-recovery words', async (t) => {
  const maria = standInConfig('/usr/sbin/mariadbd');
  t.match(maria, /^\[mysqld\]$/m);
  t.match(maria, /^loose-gtid_strict_mode = ON$/m, 'strict GTIDs, as MySQL GTID mode is');
  t.match(maria, /^loose-init_rpl_role = SLAVE$/m, 'a crash cuts the unacknowledged tail');
  t.notMatch(
    standInConfig('/usr/sbin/mysqld'),
    /init_rpl_role|gtid_strict_mode/,
    'MySQL standing in has no such words',
  );
});

t.test('images map to local programs, or wait with a reason that says what is mapped', async (t) => {
  const o = { localFlavor: 'mariadb' as const };
  t.same(planImage('mariadb:10.11', o), { runtime: 'mysqld', imageFlavor: 'mariadb', substituted: false });
  t.same(planImage('docker.io/library/mysql:8.0', o), { runtime: 'mysqld', imageFlavor: 'mysql', substituted: true });
  t.same(planImage('percona/percona-server:8.0', o), { runtime: 'mysqld', imageFlavor: 'percona', substituted: true });
  t.same(planImage('ghcr.io/acme/mysql-raft-operator:v1', o), { runtime: 'operator' });
  t.same(planImage('my.registry:5000/team/op@sha256:abc', { ...o, operatorImages: ['team/op'] }), {
    runtime: 'operator',
  });
  t.same(planImage('busybox', o), { runtime: 'host' });
  const none = planImage('nginx:1.27', o);
  t.equal(none.runtime, 'unmapped');
  t.match((none as { message: string }).message, /image "nginx:1.27" cannot run on the local pod runner/);
  t.equal(repositoryOf('localhost:5000/a/b:1'), 'a/b');
});

t.test('paths under a mount are rewritten in args and env values, others are left alone', async (t) => {
  const p = new PathMap(
    new Map([
      ['/etc/mysql-raft/credentials', '/d/pod/volumes/creds'],
      ['/var/lib/mysql', '/d/volumes/data'],
    ]),
  );
  t.equal(p.rewrite('/etc/mysql-raft/credentials/root-password'), '/d/pod/volumes/creds/root-password');
  t.equal(p.rewrite('--datadir=/var/lib/mysql'), '--datadir=/d/volumes/data');
  t.equal(p.rewrite('/var/lib/mysqlx'), '/var/lib/mysqlx', 'a sibling with a common prefix is not a mount');
  t.equal(p.rewrite('/usr/bin/env'), '/usr/bin/env');
  t.equal(p.hostPath('/var/lib/mysql'), '/d/volumes/data');
});

t.test('$(VAR) expansion as Kubernetes does it', async (t) => {
  t.equal(expand('$(A)-$(B)-$$(A)-$(MISSING)', { A: 'a', B: 'b' }), 'a-b-$(A)-$(MISSING)');
  const c = { name: 'mysqld', command: ['run', '$(A)'], args: ['--server-id=1$(POD_INDEX)'], env: [] };
  t.same(expandCommand(c, { A: 'a', POD_INDEX: '2' }), { ...c, command: ['run', 'a'], args: ['--server-id=12'] });
  t.same(expandCommand({ name: 'x' }, { A: 'a' }), { name: 'x' }, 'no command, no args: unchanged');
});

t.test("the database entrypoint's first boot: a root password is required unless empty is allowed", async (t) => {
  t.throws(() => initSql({}), /You need to specify one of MARIADB_ROOT_PASSWORD/);
  const sql = initSql({
    MYSQL_ROOT_PASSWORD: "it's",
    MARIADB_DATABASE: 'app',
    MARIADB_USER: 'u',
    MARIADB_PASSWORD: 'p',
  });
  t.match(sql, /^SET SESSION sql_log_bin=0;/, 'no GTID of its own on a fresh server');
  t.match(
    sql,
    "DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1';",
    "no passwordless root@127.0.0.1 left to win over root@'%' (pods connect from 127.0.0.1)",
  );
  t.match(sql, /CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY 'it\\'s';/);
  t.match(sql, /CREATE DATABASE IF NOT EXISTS `app`;/);
  t.match(sql, /GRANT ALL ON `app`\.\* TO 'u'@'%';/);
  t.doesNotThrow(() => initSql({ MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: '1' }));
});

t.test('Endpoints: ready pods under addresses, others under notReadyAddresses, named target ports', async (t) => {
  const pod = (name: string, ip: string, ready: boolean, role: string) => ({
    metadata: { name, namespace: 'ns', uid: name, labels: { app: 'db', role } },
    spec: { nodeName: 'local', containers: [{ name: 'm', ports: [{ name: 'mysql', containerPort: 3307 }] }] },
    status: { podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
  const svc = {
    spec: { selector: { app: 'db', role: 'primary' }, ports: [{ name: 'sql', port: 3306, targetPort: 'mysql' }] },
  };
  const subsets = endpointSubsets(svc, [
    pod('a', '127.1.0.2', true, 'primary'),
    pod('b', '127.1.0.3', false, 'primary'),
    pod('c', '127.1.0.4', true, 'replica'),
  ]);
  t.equal(subsets.length, 1);
  t.same(
    subsets[0]!['addresses'].map((a: { ip: string }) => a.ip),
    ['127.1.0.2'],
  );
  t.same(
    subsets[0]!['notReadyAddresses'].map((a: { ip: string }) => a.ip),
    ['127.1.0.3'],
  );
  t.same(subsets[0]!['ports'], [{ name: 'sql', port: 3307, protocol: 'TCP' }]);
  const slice = endpointSlice({ ...svc, metadata: { name: 'db-primary', namespace: 'ns', uid: 'u' } }, subsets);
  t.equal(slice['metadata'].labels['kubernetes.io/service-name'], 'db-primary');
  t.same(
    slice['endpoints'].map((e: { addresses: string[]; conditions: { ready: boolean } }) => [
      e.addresses[0],
      e.conditions.ready,
    ]),
    [
      ['127.1.0.2', true],
      ['127.1.0.3', false],
    ],
  );
});

t.test("kubectl's pod STATUS column", async (t) => {
  const p = (status: object, deleting = false) => ({
    metadata: deleting ? { deletionTimestamp: 'x' } : {},
    status,
  });
  t.equal(podStatusText(p({ phase: 'Running' }, true)), 'Terminating');
  t.equal(
    podStatusText(p({ phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ErrImagePull' } } }] })),
    'ErrImagePull',
  );
  t.equal(
    podStatusText(p({ phase: 'Running', containerStatuses: [{ state: { waiting: { reason: 'CrashLoopBackOff' } } }] })),
    'CrashLoopBackOff',
  );
  t.equal(
    podStatusText(p({ phase: 'Running', containerStatuses: [{ ready: true, state: { running: {} } }] })),
    'Running',
  );
  t.equal(
    podStatusText(p({ phase: 'Pending', initContainerStatuses: [{ state: { running: {} } }, { state: {} }] })),
    'Init:0/2',
  );
});

t.test('pod and Service addresses are unique loopback addresses', async (t) => {
  const pool = new IpPool('127.250');
  const seen = new Set<string>();
  for (let i = 0; i < 500; i++) seen.add(pool.allocate());
  t.equal(seen.size, 500);
  t.ok([...seen].every((ip) => /^127\.250\.\d+\.\d+$/.test(ip) && !ip.endsWith('.0') && !ip.endsWith('.255')));
  t.notOk(pool.claim([...seen][0]!), 'an address in use cannot be claimed twice');
  t.throws(() => new IpPool('10.1'), /must be 127\.N/);
  const used = new Set<string>();
  const alloc = new ClusterIpAllocator('127.96.0.0/24', () => used);
  for (let i = 0; i < 254; i++) {
    const spec: Record<string, unknown> = {};
    t.same(alloc.assign(spec, undefined), [], `allocation ${i}`);
    used.add(String(spec['clusterIP']));
  }
  t.equal(used.size, 254, 'every address of the /24 but network and broadcast');
  const full = alloc.assign({}, undefined);
  t.match(full[0]?.detail, /range is full/);
  t.match(alloc.assign({ clusterIP: '10.0.0.1' }, undefined)[0]?.detail, /not in the valid range/);
});

t.test('strategic merge: list rules and directives as apimachinery applies them', async (t) => {
  t.same(listStrategy('Pod', ['spec'], 'containers'), { type: 'key', key: 'name' });
  t.same(listStrategy('StatefulSet', ['spec', 'template', 'spec', 'containers'], 'ports'), {
    type: 'key',
    key: 'containerPort',
  });
  t.same(listStrategy('Service', ['spec'], 'ports'), { type: 'key', key: 'port' });
  t.same(listStrategy('ValidatingWebhookConfiguration', [], 'webhooks'), { type: 'key', key: 'name' });
  t.same(listStrategy('ConfigMap', ['metadata'], 'finalizers'), { type: 'set' });
  t.same(listStrategy('Role', [], 'rules'), { type: 'replace' });
  const target = {
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'w', labels: { a: '1', b: '2' } },
    webhooks: [
      { name: 'x', sideEffects: 'None', clientConfig: { url: 'https://x', caBundle: 'CA' } },
      { name: 'y', sideEffects: 'None' },
    ],
  };
  const out = applyStrategicPatch('ValidatingWebhookConfiguration', target, {
    metadata: { labels: { b: null } },
    '$setElementOrder/webhooks': [{ name: 'z' }, { name: 'x' }],
    webhooks: [
      { name: 'x', clientConfig: { caBundle: null } },
      { name: 'y', $patch: 'delete' },
      { name: 'z', sideEffects: 'None' },
    ],
  });
  t.same(out['metadata'], { name: 'w', labels: { a: '1' } });
  t.same(out['webhooks'], [
    { name: 'z', sideEffects: 'None' },
    { name: 'x', sideEffects: 'None', clientConfig: { url: 'https://x' } },
  ]);
  const replaced = applyStrategicPatch(
    'Pod',
    { spec: { volumes: [{ name: 'a' }, { name: 'b' }] } },
    {
      spec: { volumes: [{ name: 'c' }, { $patch: 'replace' }] },
    },
  );
  t.same(replaced['spec'].volumes, [{ name: 'c' }], '$patch: replace on a list');
  const retained = applyStrategicPatch(
    'Deployment',
    { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } },
    {
      spec: { strategy: { type: 'Recreate', $retainKeys: ['type'] } },
    },
  );
  t.same(retained['spec'].strategy, { type: 'Recreate' }, '$retainKeys drops the rest');
});

t.test("a pod's mysqld socket path always fits a Unix socket address (107 bytes)", async (t) => {
  const short = '/tmp/d/pods/default_db-0_uid';
  t.equal(mysqldSocket(short), `${short}/run/mysqld.sock`, 'in the pod directory when it fits');
  const deep = `/tmp/mro-failover-Xof6IT/pods/default_mysql-raft-cluster-0_${'5b2d8d46-56f8-40ef-83f7-617bbc887d1e'}`;
  const s = mysqldSocket(deep);
  t.ok(Buffer.byteLength(s) <= 107, `short enough: ${s}`);
  t.equal(mysqldSocket(deep), s, 'the same pod directory, the same socket');
  t.not(mysqldSocket(`${deep}x`), s, 'another pod, another socket');
});
