// Table tests of the pure builders in src/operator/desired/: spec in, objects out.
import t from 'tap';
import type {
  V1ConfigMap,
  V1Container,
  V1NetworkPolicy,
  V1Role,
  V1Secret,
  V1Service,
  V1StatefulSet,
} from '@kubernetes/client-node';
import { desiredState, renderMycnf } from '../../src/operator/desired/index.ts';
import { counterRandom, OPTS, seed } from './fixtures.ts';

const byKind = (kind: string, name?: string) => (o: { obj: { kind?: string; metadata?: { name?: string } } }) =>
  o.obj.kind === kind && (name === undefined || o.obj.metadata?.name === name);

function objects(c = seed()) {
  return desiredState(c, OPTS, counterRandom());
}

t.test('every object is in the cluster namespace, labelled, and owned by the cluster as controller', async (t) => {
  const d = objects();
  t.same(
    d.objects.map((o) => `${o.obj.kind}/${o.obj.metadata?.name}`),
    [
      'ServiceAccount/mysql-raft-cluster-agent',
      'Role/mysql-raft-cluster-agent',
      'RoleBinding/mysql-raft-cluster-agent',
      'Secret/mysql-raft-cluster-credentials',
      'Secret/mysql-raft-cluster-peer-auth',
      `ConfigMap/${d.mycnfName}`,
      'Service/mysql-raft-cluster-headless',
      'Service/mysql-master',
      'Service/mysql-slave',
      'PodDisruptionBudget/mysql-raft-cluster',
      'NetworkPolicy/mysql-raft-cluster',
      'StatefulSet/mysql-raft-cluster',
    ],
  );
  for (const { obj } of d.objects) {
    const m = obj.metadata!;
    t.equal(m.namespace, 'default', `${obj.kind} namespace`);
    t.same(
      m.ownerReferences,
      [
        {
          apiVersion: 'apps.ryansu.com/v1',
          kind: 'MysqlCluster',
          name: 'mysql-raft-cluster',
          uid: '3f1e0c9a-0000-4000-8000-000000000001',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      `${obj.kind} owner`,
    );
    t.match(m.labels, {
      'app.kubernetes.io/name': 'mysql',
      'app.kubernetes.io/instance': 'mysql-raft-cluster',
      'app.kubernetes.io/managed-by': 'mysql-raft-operator',
      'mysql.ryansu.com/cluster': 'mysql-raft-cluster',
    });
  }
  t.same(
    d.objects.filter((o) => o.policy === 'create-only').map((o) => o.obj.kind),
    ['Secret', 'Secret', 'ConfigMap'],
    'random Secrets and the content-named ConfigMap are never updated',
  );
});

t.test('credentials: three distinct random passwords, or the user Secret and nothing generated', async (t) => {
  const s = objects().objects.find(byKind('Secret', 'mysql-raft-cluster-credentials'))!.obj as V1Secret;
  const v = Object.values(s.stringData ?? {});
  t.same(Object.keys(s.stringData ?? {}).sort(), ['agent-password', 'replication-password', 'root-password']);
  t.equal(new Set(v).size, 3, 'distinct');
  for (const p of v) t.match(p, /^[A-Za-z0-9_-]{32}$/, 'base64url, 24 random bytes');
  const again = desiredState(seed(), OPTS, counterRandom(7)).objects.find(
    byKind('Secret', 'mysql-raft-cluster-credentials'),
  )!.obj as V1Secret;
  t.not(again.stringData?.['root-password'], s.stringData?.['root-password'], 'comes from the random source');

  const own = objects(seed((c) => (c.spec.mysql = { secretName: 'my-db-secret' })));
  t.notOk(own.objects.find(byKind('Secret', 'mysql-raft-cluster-credentials')), 'no generated Secret');
  t.same(own.credentials, { name: 'my-db-secret', generated: false });
  const pod = own.statefulSet.spec!.template.spec!;
  t.equal(pod.volumes?.find((v) => v.name === 'credentials')?.secret?.secretName, 'my-db-secret');
  const root = pod.containers[0]!.env!.find((e) => e.name === 'MYSQL_ROOT_PASSWORD');
  t.same(root?.valueFrom?.secretKeyRef, { name: 'my-db-secret', key: 'root-password' });
});

t.test('peer-auth: an HMAC key of 32 random bytes, base64', async (t) => {
  const s = objects().objects.find(byKind('Secret', 'mysql-raft-cluster-peer-auth'))!.obj as V1Secret;
  t.equal(Buffer.from(s.stringData!['hmac-key']!, 'base64').length, 32);
});

const MYCNF_CASES: { image: string; has: RegExp[]; hasNot: RegExp[] }[] = [
  {
    image: 'mysql:5.7',
    has: [
      /^gtid_mode = ON$/m,
      /^enforce_gtid_consistency = ON$/m,
      /^log_slave_updates = ON$/m,
      /^skip_slave_start = ON$/m,
      /^super_read_only = ON$/m,
      /^expire_logs_days = 7$/m,
      /^relay_log_info_repository = TABLE$/m,
      /^plugin_load_add = semisync_master\.so;semisync_slave\.so$/m,
      /^loose-rpl_semi_sync_master_enabled = OFF$/m,
      /^loose-rpl_semi_sync_slave_enabled = ON$/m,
      /^loose-rpl_semi_sync_master_wait_point = AFTER_SYNC$/m,
    ],
    hasNot: [/log_replica_updates/, /binlog_expire_logs_seconds/, /init_rpl_role/],
  },
  {
    image: 'mysql:8.0',
    has: [
      /^log_replica_updates = ON$/m,
      /^skip_replica_start = ON$/m,
      /^binlog_expire_logs_seconds = 604800$/m,
      /^plugin_load_add = semisync_source\.so;semisync_replica\.so$/m,
      /^loose-rpl_semi_sync_source_enabled = OFF$/m,
      /^loose-rpl_semi_sync_replica_enabled = ON$/m,
    ],
    hasNot: [/log_slave_updates/, /relay_log_info_repository/],
  },
  {
    image: 'mariadb:11.4',
    has: [
      /^gtid_strict_mode = ON$/m,
      /^log_slave_updates = ON$/m,
      /^skip_slave_start = ON$/m,
      /^rpl_semi_sync_master_enabled = OFF$/m,
      /^rpl_semi_sync_slave_enabled = ON$/m,
      /^rpl_semi_sync_master_wait_point = AFTER_SYNC$/m,
      /^loose-init_rpl_role = SLAVE$/m,
      /^pid_file = \/var\/run\/mysqld\/mysqld\.pid$/m,
    ],
    hasNot: [/super_read_only/, /plugin_load/, /gtid_mode/],
  },
];
t.test('my.cnf per flavor: GTID, ROW binlog, replica updates, read-only, no replica start, semi-sync', async (t) => {
  for (const c of MYCNF_CASES) {
    const { text } = renderMycnf(seed((x) => (x.spec.image = c.image)));
    for (const common of [
      /^\[mysqld\]$/m,
      /^log_bin = mysql-bin$/m,
      /^binlog_format = ROW$/m,
      /^read_only = ON$/m,
      /^relay_log_recovery = ON$/m,
      /^port = 3306$/m,
      /^sync_binlog = 1$/m,
    ])
      t.match(text, common, `${c.image}: ${common}`);
    for (const r of c.has) t.match(text, r, `${c.image}: ${r}`);
    for (const r of c.hasNot) t.notMatch(text, r, `${c.image}: not ${r}`);
  }
  const off = renderMycnf(seed((x) => (x.spec.semiSync = { enabled: false }))).text;
  t.match(off, /^loose-rpl_semi_sync_slave_enabled = OFF$/m, 'semiSync.enabled false: replica side off');
});

t.test('spec.mysql.config is merged, except the settings safety relies on; the name follows the content', async (t) => {
  const withConfig = (config: Record<string, string>) => seed((c) => (c.spec.mysql = { config }));
  const { text, ignored } = renderMycnf(
    withConfig({
      max_connections: '500',
      'innodb-buffer-pool-size': '1G',
      sync_binlog: '0',
      server_id: '7',
      'gtid-mode': 'OFF',
      rpl_semi_sync_master_timeout: '10',
      'loose-read-only': 'OFF',
      relay_log_recovery: 'OFF',
      plugin_load_add: 'x.so',
      bad: 'a\nb',
    }),
  );
  t.match(text, /^max_connections = 500$/m);
  t.match(text, /^innodb-buffer-pool-size = 1G$/m);
  t.match(text, /^sync_binlog = 0$/m, 'a default the user may override');
  t.notMatch(text, /^sync_binlog = 1$/m);
  t.notMatch(text, /server_id|gtid-mode = OFF|loose-read-only|x\.so|relay_log_recovery = OFF|timeout/);
  t.same(ignored.sort(), [
    'bad',
    'gtid-mode',
    'loose-read-only',
    'plugin_load_add',
    'relay_log_recovery',
    'rpl_semi_sync_master_timeout',
    'server_id',
  ]);
  const name = (c: ReturnType<typeof seed>) => objects(c).mycnfName;
  t.match(name(seed()), /^mysql-raft-cluster-mycnf-[0-9a-f]{10}$/);
  t.equal(name(withConfig({ a: '1', b: '2' })), name(withConfig({ b: '2', a: '1' })), 'key order does not matter');
  t.not(name(withConfig({ max_connections: '500' })), name(seed()), 'a change gives a new name');
  const cm = objects().objects.find(byKind('ConfigMap'))!.obj as V1ConfigMap;
  t.equal(cm.immutable, true);
  t.ok(cm.data?.['my.cnf']?.includes('[mysqld]'));
});

t.test('Services: headless for every pod, masterService and slaveService by role, names from the spec', async (t) => {
  const d = objects();
  const svc = (name: string) => d.objects.find(byKind('Service', name))!.obj as V1Service;
  const sel = {
    'app.kubernetes.io/name': 'mysql',
    'app.kubernetes.io/instance': 'mysql-raft-cluster',
    'mysql.ryansu.com/cluster': 'mysql-raft-cluster',
  };
  const headless = svc('mysql-raft-cluster-headless');
  t.equal(headless.spec?.clusterIP, 'None');
  t.equal(headless.spec?.publishNotReadyAddresses, true);
  t.same(headless.spec?.selector, sel);
  t.same(
    headless.spec?.ports?.map((p) => [p.name, p.port]),
    [
      ['mysql', 3306],
      ['agent-peer', 8300],
      ['agent-http', 8301],
    ],
  );
  t.same(svc('mysql-master').spec?.selector, { ...sel, 'mysql.ryansu.com/role': 'primary' });
  t.same(svc('mysql-slave').spec?.selector, { ...sel, 'mysql.ryansu.com/role': 'replica' });
  t.same(
    svc('mysql-master').spec?.ports?.map((p) => p.port),
    [3306],
  );
  const renamed = objects(seed((c) => ((c.spec.masterService = 'db-rw'), (c.spec.slaveService = 'db-ro'))));
  t.ok(renamed.objects.find(byKind('Service', 'db-rw')) && renamed.objects.find(byKind('Service', 'db-ro')));
  const defaulted = objects(seed((c) => (delete c.spec.masterService, delete c.spec.slaveService)));
  t.ok(defaulted.objects.find(byKind('Service', 'mysql-raft-cluster-master')), 'default <name>-master');
});

t.test('PodDisruptionBudget allows one pod down', async (t) => {
  const pdb = objects().objects.find(byKind('PodDisruptionBudget'))!.obj as { spec: Record<string, unknown> };
  t.equal(pdb.spec['maxUnavailable'], 1);
});

t.test('agent Role: least privilege, by name where Kubernetes can check names', async (t) => {
  const role = objects().objects.find(byKind('Role'))!.obj as V1Role;
  const rules = role.rules!.map(
    (r) =>
      `${r.apiGroups!.join(',')}|${r.resources!.join(',')}|${(r.resourceNames ?? []).join(',')}|${r.verbs.join(',')}`,
  );
  t.same(rules, [
    '|configmaps||create',
    '|configmaps|mysql-raft-cluster-raft-0,mysql-raft-cluster-raft-1,mysql-raft-cluster-raft-2|get,update,patch',
    'coordination.k8s.io|leases||create',
    'coordination.k8s.io|leases|mysql-raft-cluster-leader|get,update,patch',
    '|pods||get,list,watch',
    '|pods|mysql-raft-cluster-0,mysql-raft-cluster-1,mysql-raft-cluster-2|patch',
    'apps.ryansu.com|mysqlclusters||get,list,watch',
    'apps.ryansu.com|mysqlclusters|mysql-raft-cluster|patch',
    ',events.k8s.io|events||create,patch',
  ]);
  for (const r of role.rules!)
    t.notOk(r.verbs.includes('*') || r.resources!.includes('secrets'), 'no wildcard, no Secrets');
  const rb = objects().objects.find(byKind('RoleBinding'))!.obj as { roleRef: unknown; subjects: unknown };
  t.same(rb.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'mysql-raft-cluster-agent' });
  t.same(rb.subjects, [{ kind: 'ServiceAccount', name: 'mysql-raft-cluster-agent', namespace: 'default' }]);
});

function container(sts: V1StatefulSet, name: string): V1Container {
  return sts.spec!.template.spec!.containers.find((c) => c.name === name)!;
}
const envNames = (c: V1Container) => (c.env ?? []).map((e) => e.name);

t.test('StatefulSet: Parallel, OnDelete, PVCs retained, volume claims from spec.storage', async (t) => {
  const sts = objects().statefulSet;
  const s = sts.spec!;
  t.equal(sts.metadata?.name, 'mysql-raft-cluster', 'pods are <cluster>-<ordinal>');
  t.equal(s.replicas, 3);
  t.equal(s.serviceName, 'mysql-raft-cluster-headless');
  t.equal(s.podManagementPolicy, 'Parallel');
  t.same(s.updateStrategy, { type: 'OnDelete' });
  // Retain on delete and scale-down is the default; 1.26 drops the field, so it is never set.
  t.equal(s.persistentVolumeClaimRetentionPolicy, undefined);
  const vct = s.volumeClaimTemplates![0]!;
  t.equal(vct.metadata?.name, 'data');
  t.equal(vct.spec?.storageClassName, 'standard');
  t.same(vct.spec?.resources?.requests, { storage: '10Gi' });
  t.same(vct.spec?.accessModes, ['ReadWriteOnce']);
  t.match(s.template.metadata?.labels, {
    app: 'mysql-cluster',
    'app.kubernetes.io/component': 'database',
    ...s.selector!.matchLabels,
  });
  const noClass = objects(seed((c) => (c.spec.storage = { size: 5 }))).statefulSet.spec!.volumeClaimTemplates![0]!;
  t.notOk('storageClassName' in noClass.spec!, 'no class: the cluster default');
  t.same(noClass.spec?.resources?.requests, { storage: '5' });
});

t.test('StatefulSet pod: mysqld and the agent sidecar, mysqld as the agent contract says', async (t) => {
  const sts = objects().statefulSet;
  const pod = sts.spec!.template.spec!;
  t.same(
    pod.containers.map((c) => c.name),
    ['mysql', 'agent'],
  );
  t.equal(pod.serviceAccountName, 'mysql-raft-cluster-agent');
  t.equal(pod.terminationGracePeriodSeconds, 60);
  const mysql = container(sts, 'mysql');
  t.equal(mysql.image, 'mysql:5.7');
  t.same(mysql.args, ['--server-id=1$(POD_INDEX)', '--report-host=$(POD_NAME).mysql-raft-cluster-headless']);
  t.same(envNames(mysql), ['POD_NAME', 'POD_INDEX', 'MYSQL_ROOT_PASSWORD']);
  t.equal(
    mysql.env![1]!.valueFrom?.fieldRef?.fieldPath,
    "metadata.labels['apps.kubernetes.io/pod-index']",
    'server id per ordinal',
  );
  t.same(mysql.readinessProbe?.httpGet, { path: '/readyz', port: 8301 });
  t.same(mysql.lifecycle?.preStop?.httpGet, { path: '/prestop', port: 8301 });
  t.same(mysql.resources, { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1000m', memory: '2Gi' } });
  t.ok(mysql.volumeMounts?.some((m) => m.name === 'mycnf' && m.mountPath === '/etc/mysql/conf.d/zz-mysql-raft.cnf'));
  t.ok(mysql.volumeMounts?.some((m) => m.name === 'data' && m.mountPath === '/var/lib/mysql'));
});

t.test('StatefulSet pod: the agent sidecar as the agent contract says; both containers restricted', async (t) => {
  const sts = objects().statefulSet;
  const pod = sts.spec!.template.spec!;
  const agent = container(sts, 'agent');
  t.equal(agent.image, 'mysql-raft-operator:test');
  t.same(agent.args, ['agent']);
  t.same(envNames(agent), [
    'POD_NAME',
    'POD_NAMESPACE',
    'POD_IP',
    'CLUSTER_NAME',
    'MYSQL_PORT',
    'AGENT_PEER_PORT',
    'AGENT_HTTP_PORT',
    'CREDENTIALS_DIR',
    'PEER_KEY_FILE',
    'MYSQLD_PID_FILE',
  ]);
  const env = Object.fromEntries(agent.env!.map((e) => [e.name, e.value ?? e.valueFrom?.fieldRef?.fieldPath]));
  t.same(env, {
    POD_NAME: 'metadata.name',
    POD_NAMESPACE: 'metadata.namespace',
    POD_IP: 'status.podIP',
    CLUSTER_NAME: 'mysql-raft-cluster',
    MYSQL_PORT: '3306',
    AGENT_PEER_PORT: '8300',
    AGENT_HTTP_PORT: '8301',
    CREDENTIALS_DIR: '/etc/mysql-raft/credentials',
    PEER_KEY_FILE: '/etc/mysql-raft/peer/hmac-key',
    MYSQLD_PID_FILE: '/var/run/mysqld/mysqld.pid',
  });
  t.same(agent.livenessProbe?.httpGet, { path: '/healthz', port: 8301 });
  t.same(
    agent.volumeMounts?.filter((m) => m.readOnly).map((m) => m.mountPath),
    ['/etc/mysql-raft/credentials', '/etc/mysql-raft/peer', '/var/run/mysqld'],
  );
  // Fencing by crash (src/agent/crash-fence.ts): the agent sees mysqld's pid file and process, same uid.
  t.equal(pod.shareProcessNamespace, true, 'the containers share one process namespace');
  t.equal(container(sts, 'mysql').volumeMounts?.find((m) => m.mountPath === '/var/run/mysqld')?.name, 'run-mysqld');
  for (const c of pod.containers) {
    t.equal(c.securityContext?.readOnlyRootFilesystem, true, `${c.name}: read-only root`);
    t.equal(c.securityContext?.allowPrivilegeEscalation, false);
    t.same(c.securityContext?.capabilities?.drop, ['ALL']);
  }
  t.equal(pod.securityContext?.runAsNonRoot, true);
  t.equal(pod.securityContext?.runAsUser, 999);
  const maria = objects(seed((c) => (c.spec.image = 'mariadb:11.4'))).statefulSet;
  t.ok(envNames(container(maria, 'mysql')).includes('MARIADB_ROOT_PASSWORD'));
});

t.test(
  'StatefulSet scheduling: spread by default; affinity, tolerations, nodeSelector, priority from the spec',
  async (t) => {
    const spread = objects().statefulSet.spec!.template.spec!;
    t.same(
      spread.topologySpreadConstraints?.map((c) => [c.topologyKey, c.whenUnsatisfiable, c.maxSkew]),
      [
        ['kubernetes.io/hostname', 'ScheduleAnyway', 1],
        ['topology.kubernetes.io/zone', 'ScheduleAnyway', 1],
      ],
    );
    t.notOk(spread.affinity);
    const affinity = {
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname' }] },
    };
    const custom = objects(
      seed((c) => {
        c.spec.affinity = affinity;
        c.spec.tolerations = [{ key: 'db', operator: 'Exists', effect: 'NoSchedule' }];
        c.spec.nodeSelector = { disk: 'ssd' };
        c.spec.priorityClassName = 'db-critical';
      }),
    ).statefulSet.spec!.template.spec!;
    t.same(custom.affinity, affinity);
    t.notOk(custom.topologySpreadConstraints, 'spec.affinity replaces the default spreading');
    t.same(custom.tolerations, [{ key: 'db', operator: 'Exists', effect: 'NoSchedule' }]);
    t.same(custom.nodeSelector, { disk: 'ssd' });
    t.equal(custom.priorityClassName, 'db-critical');
  },
);

t.test('a stored object without what the builders need is refused with the field named', async (t) => {
  const { asCluster, ClusterShapeError } = await import('../../src/operator/desired/index.ts');
  const base = () => JSON.parse(JSON.stringify(seed())) as Parameters<typeof asCluster>[0];
  const cases: [string, (c: ReturnType<typeof base>) => void, RegExp][] = [
    ['no uid', (c) => delete c.metadata.uid, /metadata\.uid/],
    ['no replicas', (c) => delete (c.spec as { replicas?: number }).replicas, /spec\.replicas/],
    ['blank image', (c) => (c.spec.image = ' '), /spec\.image/],
    ['no storage', (c) => delete (c.spec as { storage?: unknown }).storage, /spec\.storage\.size/],
  ];
  for (const [name, edit, msg] of cases) {
    const c = base();
    edit(c);
    t.throws(() => asCluster(c), msg, name);
    t.throws(() => asCluster(c), ClusterShapeError, `${name}: typed`);
  }
});

t.test(
  'NetworkPolicy: MySQL open to clients, the peer port to members only, HTTP to members and the manager',
  async (t) => {
    const members = {
      podSelector: {
        matchLabels: {
          'app.kubernetes.io/name': 'mysql',
          'app.kubernetes.io/instance': 'mysql-raft-cluster',
          'mysql.ryansu.com/cluster': 'mysql-raft-cluster',
        },
      },
    };
    const manager = {
      namespaceSelector: {},
      podSelector: {
        matchLabels: { 'app.kubernetes.io/name': 'mysql-raft-operator', 'control-plane': 'controller-manager' },
      },
    };
    const np = objects().objects.find(byKind('NetworkPolicy'))!.obj as V1NetworkPolicy;
    t.same(np.spec!.podSelector, members.podSelector, "it covers exactly the cluster's pods");
    t.same(np.spec!.policyTypes, ['Ingress'], 'egress is not restricted');
    // Who may open a connection to which port: one row per (port, peer).
    const table: [port: number, from: unknown, allowed: string][] = [
      [3306, undefined, 'anyone (clients, through the Services or not)'],
      [8300, [members], 'only the cluster members (peer Raft RPC)'],
      [8301, [members, manager], 'members and the manager pods in any namespace (kubelet probes come from the node)'],
    ];
    t.equal(np.spec!.ingress!.length, table.length);
    for (const [port, from, allowed] of table) {
      const rule = np.spec!.ingress!.find((r) => r.ports?.some((p) => p.port === port));
      t.ok(rule, `a rule for ${port}`);
      t.same(rule!.ports, [{ protocol: 'TCP', port }], `${port}: TCP, that port only`);
      t.same(rule!._from, from, `${port}: ${allowed}`);
    }
    const other = objects(seed((c) => (c.metadata.name = 'other'))).objects.find(byKind('NetworkPolicy'))!
      .obj as V1NetworkPolicy;
    t.equal(other.metadata!.name, 'other');
    t.not(
      JSON.stringify(other.spec!.ingress![1]),
      JSON.stringify(np.spec!.ingress![1]),
      "another cluster's members are not peers",
    );
  },
);
