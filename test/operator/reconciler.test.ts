// The reconciler against the embedded API server (real HTTP, real watch, real owner GC): the seed
// manifest becomes every object with owner references; a second reconcile writes nothing; deleted or
// hand-edited objects are restored; Secrets are never regenerated; paused; deletion; 409s retried.
import t from 'tap';
import type { KubernetesObject, V1NetworkPolicy, V1StatefulSet } from '@kubernetes/client-node';
import { eventually } from '../support/kube.ts';
import { KEY, NAME, NS, settle, startHarness, type Harness } from './harness.ts';

const CHILDREN: [apiVersion: string, kind: string, name: string][] = [
  ['v1', 'ServiceAccount', `${NAME}-agent`],
  ['rbac.authorization.k8s.io/v1', 'Role', `${NAME}-agent`],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding', `${NAME}-agent`],
  ['v1', 'Secret', `${NAME}-credentials`],
  ['v1', 'Secret', `${NAME}-peer-auth`],
  ['v1', 'Service', `${NAME}-headless`],
  ['v1', 'Service', 'mysql-master'],
  ['v1', 'Service', 'mysql-slave'],
  ['policy/v1', 'PodDisruptionBudget', NAME],
  ['networking.k8s.io/v1', 'NetworkPolicy', NAME],
  ['apps/v1', 'StatefulSet', NAME],
];

async function read(h: Harness, apiVersion: string, kind: string, name: string): Promise<KubernetesObject | undefined> {
  return h.objects.read({ apiVersion, kind, metadata: { name, namespace: NS } }).catch(() => undefined);
}

async function mycnfNames(h: Harness): Promise<string[]> {
  const list = await h.core.listNamespacedConfigMap({ namespace: NS });
  return list.items.map((c) => c.metadata?.name ?? '').filter((n) => n.startsWith(`${NAME}-mycnf-`));
}

async function reasons(h: Harness): Promise<string[]> {
  const list = await h.core.listNamespacedEvent({ namespace: NS });
  return list.items.filter((e) => e.involvedObject.name === NAME).map((e) => e.reason ?? '');
}

let h: Harness;
t.before(async () => {
  h = await startHarness();
});
t.teardown(() => h.close());

t.test('apply the seed manifest: every object appears, owned by the cluster', async (t) => {
  const cluster = await h.cluster();
  for (const [apiVersion, kind, name] of CHILDREN) {
    const obj = await eventually(() => read(h, apiVersion, kind, name), `${kind}/${name}`);
    t.same(
      obj.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]),
      [['MysqlCluster', NAME, cluster.metadata.uid, true]],
      `${kind}/${name} is owned by the cluster`,
    );
  }
  t.equal((await mycnfNames(h)).length, 1, 'one my.cnf ConfigMap');
  const np = (await read(h, 'networking.k8s.io/v1', 'NetworkPolicy', NAME)) as V1NetworkPolicy;
  t.same(
    np.spec?.ingress?.map((r) => [r.ports?.[0]?.port, r._from?.length ?? 0]),
    [
      [3306, 0],
      [8300, 1],
      [8301, 2],
    ],
    'the NetworkPolicy is stored with its peers (`from` on the wire)',
  );
  await settle(h);
  const s = (await h.cluster()).status!;
  t.equal(s.observedGeneration, cluster.metadata.generation);
  t.match(s, { phase: 'Pending', replicas: 0, readyReplicas: 0, master: '', raftLeader: '' }, 'no pods run here');
  t.same(
    s.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`),
    [
      'Ready=False/NoPrimary',
      'Available=False/Bootstrapping',
      'Progressing=True/CreatingPods',
      'Degraded=False/AsExpected',
    ],
  );
  t.equal(s.raftNodes?.length, 3, 'every member listed');
  t.match(s.selector, 'mysql.ryansu.com/cluster=mysql-raft-cluster');
  t.ok((await reasons(h)).includes('Created'), 'Created events');
  const metrics = await h.registry.getSingleMetricAsString('mysqlraft_cluster_members');
  t.match(metrics, 'mysqlraft_cluster_members{namespace="default",cluster="mysql-raft-cluster"} 3');
});

t.test('a second reconcile writes nothing', async (t) => {
  await settle(h);
  const versions = async () =>
    Promise.all(CHILDREN.map(async ([a, k, n]) => (await read(h, a, k, n))?.metadata?.resourceVersion));
  const before = {
    stats: { ...h.op.reconciler.writer.stats },
    rv: await versions(),
    cluster: (await h.cluster()).metadata.resourceVersion,
  };
  await h.reconcileOnce();
  await h.reconcileOnce();
  t.same(h.op.reconciler.writer.stats, before.stats, 'no create, update, delete or status write');
  t.same(await versions(), before.rv, 'no child changed');
  t.equal((await h.cluster()).metadata.resourceVersion, before.cluster, 'the cluster did not change');
});

t.test('a deleted Service comes back', async (t) => {
  const old = await read(h, 'v1', 'Service', 'mysql-master');
  await h.core.deleteNamespacedService({ name: 'mysql-master', namespace: NS });
  const back = await eventually(async () => {
    const s = await read(h, 'v1', 'Service', 'mysql-master');
    return s && s.metadata?.uid !== old?.metadata?.uid ? s : undefined;
  }, 'mysql-master re-created');
  t.match((back as { spec: { selector: Record<string, string> } }).spec.selector, {
    'mysql.ryansu.com/role': 'primary',
  });
});

t.test('a hand-edited StatefulSet is restored; fields others added are kept', async (t) => {
  const sts = (await read(h, 'apps/v1', 'StatefulSet', NAME)) as V1StatefulSet;
  sts.spec!.template.spec!.containers[0]!.image = 'mysql:evil';
  sts.spec!.template.spec!.terminationGracePeriodSeconds = 1;
  sts.metadata!.labels = { ...sts.metadata!.labels, team: 'db' };
  sts.metadata!.annotations = { ...sts.metadata!.annotations, 'example.com/note': 'kept' };
  await h.objects.replace(sts);
  const fixed = await eventually(async () => {
    const s = (await read(h, 'apps/v1', 'StatefulSet', NAME)) as V1StatefulSet;
    return s.spec?.template.spec?.containers[0]?.image === 'mysql:5.7' ? s : undefined;
  }, 'the image restored');
  t.equal(fixed.spec?.template.spec?.terminationGracePeriodSeconds, 60);
  t.equal(fixed.metadata?.labels?.['team'], 'db', 'a label someone else added stays');
  t.equal(fixed.metadata?.annotations?.['example.com/note'], 'kept');
  await eventually(async () => (await reasons(h)).includes('Updated'), 'an Updated event');
});

t.test('Secrets are never regenerated or overwritten', async (t) => {
  const before = await h.core.readNamespacedSecret({ name: `${NAME}-credentials`, namespace: NS });
  const peer = await h.core.readNamespacedSecret({ name: `${NAME}-peer-auth`, namespace: NS });
  t.same(Object.keys(before.data ?? {}).sort(), ['agent-password', 'replication-password', 'root-password']);
  await h.reconcileOnce();
  t.same((await h.core.readNamespacedSecret({ name: `${NAME}-credentials`, namespace: NS })).data, before.data);
  // A rotated password (the user's business) is not put back.
  const rotated = { ...before, data: { ...before.data, 'root-password': Buffer.from('rotated').toString('base64') } };
  await h.core.replaceNamespacedSecret({ name: `${NAME}-credentials`, namespace: NS, body: rotated });
  await h.reconcileOnce();
  await h.reconcileOnce();
  const after = await h.core.readNamespacedSecret({ name: `${NAME}-credentials`, namespace: NS });
  t.equal(Buffer.from(after.data!['root-password']!, 'base64').toString(), 'rotated');
  t.same((await h.core.readNamespacedSecret({ name: `${NAME}-peer-auth`, namespace: NS })).data, peer.data);
});

t.test('a changed my.cnf gets a new ConfigMap; the unused old one is deleted', async (t) => {
  const [old] = await mycnfNames(h);
  // No webhook in this harness: an owned key reaches the operator, which leaves it out and says so.
  await patchSpec(h, { mysql: { config: { max_connections: '500', server_id: '9' } } });
  const sts = await eventually(async () => {
    const s = (await read(h, 'apps/v1', 'StatefulSet', NAME)) as V1StatefulSet;
    const cm = s.spec?.template.spec?.volumes?.find((v) => v.name === 'mycnf')?.configMap?.name;
    return cm && cm !== old ? cm : undefined;
  }, 'the StatefulSet mounts the new my.cnf');
  await eventually(
    async () => (await mycnfNames(h)).join() === sts,
    'only the new ConfigMap left (no pod uses the old)',
  );
  const cm = await h.core.readNamespacedConfigMap({ name: sts, namespace: NS });
  t.match(cm.data?.['my.cnf'], /^max_connections = 500$/m);
  t.notMatch(cm.data?.['my.cnf'], /server_id/);
  await eventually(async () => (await reasons(h)).includes('ConfigIgnored'), 'a ConfigIgnored event');
});

/** Changes the spec as a user would; the operator writes status meanwhile, so a 409 is retried. */
async function patchSpec(h: Harness, spec: Record<string, unknown>): Promise<void> {
  await eventually(async () => {
    const c = await h.cluster();
    try {
      await h.custom.replaceNamespacedCustomObject({
        group: 'apps.ryansu.com',
        version: 'v1',
        namespace: NS,
        plural: 'mysqlclusters',
        name: NAME,
        body: { ...c, spec: { ...c.spec, ...spec } },
      });
      return true;
    } catch (err) {
      if ((err as { code?: number }).code === 409) return false;
      throw err;
    }
  }, 'the spec change to be accepted');
}

t.test('spec.paused: nothing is changed, status says so; unpausing restores', async (t) => {
  await patchSpec(h, { paused: true });
  await eventually(async () => {
    const c = await h.cluster();
    const p = c.status?.conditions?.find((x) => x.type === 'Progressing');
    return p?.reason === 'Paused' && p.observedGeneration === c.metadata.generation;
  }, 'Progressing=False/Paused');
  await h.core.deleteNamespacedService({ name: 'mysql-slave', namespace: NS });
  const stats = { ...h.op.reconciler.writer.stats };
  await h.reconcileOnce();
  await h.reconcileOnce();
  t.notOk(await read(h, 'v1', 'Service', 'mysql-slave'), 'the deleted Service stays deleted while paused');
  t.equal(h.op.reconciler.writer.stats.creates, stats.creates, 'no create while paused');
  t.equal(h.op.reconciler.writer.stats.updates, stats.updates, 'no update while paused');
  t.ok((await reasons(h)).includes('Paused'), 'a Paused event');
  await patchSpec(h, { paused: false });
  await eventually(() => read(h, 'v1', 'Service', 'mysql-slave'), 'mysql-slave restored after unpausing');
  await eventually(async () => (await reasons(h)).includes('Resumed'), 'a Resumed event');
});

t.test('conflicting writes are retried from a fresh read', async (t) => {
  await settle(h);
  const writer = h.op.reconciler.writer;
  let raced = 0;
  writer.beforeWrite = async (obj) => {
    if (raced++ > 0) return;
    // Another writer gets in between our read and our write: its change bumps the resourceVersion.
    const other = (await read(h, obj.apiVersion!, obj.kind!, obj.metadata!.name!))!;
    other.metadata!.annotations = { ...other.metadata!.annotations, 'example.com/raced': 'yes' };
    await h.objects.replace(other);
  };
  t.teardown(() => (writer.beforeWrite = undefined));
  const conflicts = writer.stats.conflicts;
  const sts = (await read(h, 'apps/v1', 'StatefulSet', NAME)) as V1StatefulSet;
  sts.spec!.template.spec!.containers[1]!.image = 'agent:evil';
  await h.objects.replace(sts);
  const fixed = await eventually(async () => {
    const s = (await read(h, 'apps/v1', 'StatefulSet', NAME)) as V1StatefulSet;
    return s.spec?.template.spec?.containers[1]?.image === 'mysql-raft-operator:test' ? s : undefined;
  }, 'the agent image restored despite the race');
  t.ok(writer.stats.conflicts > conflicts, 'the 409 was met and retried');
  t.equal(fixed.metadata?.annotations?.['example.com/raced'], 'yes', "the other writer's change survives");

  let statusRaced = 0;
  h.op.reconciler.status.beforeWrite = async (c) => {
    if (statusRaced++ > 0) return;
    await h.custom.replaceNamespacedCustomObjectStatus({
      group: 'apps.ryansu.com',
      version: 'v1',
      namespace: NS,
      plural: 'mysqlclusters',
      name: NAME,
      body: { ...c, status: { ...c.status, phase: 'Scribbled' } },
    });
  };
  t.teardown(() => (h.op.reconciler.status.beforeWrite = undefined));
  const before = writer.stats.conflicts;
  await eventually(async () => {
    const c = await h.cluster();
    return h.custom
      .replaceNamespacedCustomObjectStatus({
        group: 'apps.ryansu.com',
        version: 'v1',
        namespace: NS,
        plural: 'mysqlclusters',
        name: NAME,
        body: { ...c, status: { ...c.status, raftLeader: 'someone-else' } },
      })
      .then(
        () => true,
        (err: { code?: number }) => {
          if (err.code === 409) return false;
          throw err;
        },
      );
  }, 'a foreign status write to land');
  await eventually(async () => {
    const s = (await h.cluster()).status;
    return s?.raftLeader === '' && s.phase === 'Pending';
  }, 'status folded again after the racing status write');
  t.ok(writer.stats.conflicts > before, 'the status 409 was retried');
});

async function makePod(h: Harness, ordinal: number, role: string, revision: string): Promise<void> {
  const name = `${NAME}-${ordinal}`;
  const labels = {
    'mysql.ryansu.com/cluster': NAME,
    'mysql.ryansu.com/role': role,
    'controller-revision-hash': revision,
  };
  const pod = await h.core.createNamespacedPod({
    namespace: NS,
    body: { metadata: { name, labels }, spec: { containers: [{ name: 'mysql', image: 'mysql:5.7' }] } },
  });
  pod.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
  await h.core.replaceNamespacedPodStatus({ name, namespace: NS, body: pod });
}

async function podNames(h: Harness): Promise<string[]> {
  const list = await h.core.listNamespacedPod({ namespace: NS, labelSelector: 'mysql.ryansu.com/cluster' });
  return list.items.map((p) => p.metadata?.name ?? '').sort();
}

t.test('an outdated template rolls one pod at a time, replicas first, the primary last', async (t) => {
  const sts = (await read(h, 'apps/v1', 'StatefulSet', NAME)) as V1StatefulSet;
  sts.status = { replicas: 3, updateRevision: 'rev2', currentRevision: 'rev1' };
  await h.apps.replaceNamespacedStatefulSetStatus({ name: NAME, namespace: NS, body: sts });
  await makePod(h, 0, 'primary', 'rev1');
  await makePod(h, 1, 'replica', 'rev1');
  await makePod(h, 2, 'replica', 'rev1');
  // Each step: the reconciler deletes one pod; we play the StatefulSet controller and re-create it.
  for (const [gone, role] of [
    [2, 'replica'],
    [1, 'replica'],
    [0, 'primary'],
  ] as const) {
    const left = [0, 1, 2].filter((i) => i !== gone).map((i) => `${NAME}-${i}`);
    await eventually(async () => (await podNames(h)).join() === left.join(), `${NAME}-${gone} deleted next`);
    await makePod(h, gone, role, 'rev2');
  }
  t.same(
    await podNames(h),
    [0, 1, 2].map((i) => `${NAME}-${i}`),
  );
  await h.reconcileOnce();
  t.same(
    await podNames(h),
    [0, 1, 2].map((i) => `${NAME}-${i}`),
    'nothing more to roll',
  );
  t.ok((await reasons(h)).includes('RollingPod'), 'RollingPod events');
  const s = (await h.cluster()).status!;
  t.match(s, { master: `${NAME}-0`, slaves: [`${NAME}-1`, `${NAME}-2`], readyReplicas: 3, replicas: 3 });
});

t.test('deletion: owner references take every object with the cluster', async (t) => {
  await h.custom.deleteNamespacedCustomObject({
    group: 'apps.ryansu.com',
    version: 'v1',
    namespace: NS,
    plural: 'mysqlclusters',
    name: NAME,
  });
  await eventually(
    async () => !(await h.registry.getSingleMetricAsString('mysqlraft_cluster_members')).includes(NAME),
    'the metrics of the deleted cluster are dropped',
  );
  if (h.k.real) {
    // envtest runs no kube-controller-manager: garbage collection is not observable there.
    t.comment('real API server without controllers: garbage collection not checked; owner references were');
    return;
  }
  for (const [a, k, n] of CHILDREN)
    await eventually(async () => !(await read(h, a, k, n)), `${k}/${n} garbage-collected`);
  await eventually(async () => (await mycnfNames(h)).length === 0, 'my.cnf ConfigMaps garbage-collected');
  t.pass(KEY);
});
