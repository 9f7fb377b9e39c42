// The ReplicaSet and Deployment controllers, enough for the operator's manager Deployment: a
// Deployment owns one ReplicaSet per pod template (`<deploy>-<hash>`, label pod-template-hash); the
// current one is scaled to spec.replicas, older ones to 0 once the current one is ready (at once for
// Recreate). A ReplicaSet keeps spec.replicas live pods, replacing deleted or finished ones.
import type { Obj } from './client.ts';
import { isNotFound, restPath } from './client.ts';
import type { ObjectCache } from './cache.ts';
import { KeyedQueue } from './queue.ts';
import { ownedBy, ownerRef, podFromTemplate, podReady, templateHash } from './pod-template.ts';
import type { WorkloadDeps } from './statefulset.ts';

const HASH = 'pod-template-hash';

function ownerKey(o: Obj, kind: string): string | undefined {
  const ref = ((o['metadata']['ownerReferences'] ?? []) as Obj[]).find((r) => r['controller'] && r['kind'] === kind);
  return ref ? `${o['metadata']['namespace']}/${ref['name']}` : undefined;
}

async function patchStatus(d: WorkloadDeps, o: Obj, plural: string, status: Obj): Promise<void> {
  if (JSON.stringify({ ...(o['status'] ?? {}), ...status }) === JSON.stringify(o['status'] ?? {})) return;
  const m = o['metadata'];
  await d.client.mergePatch(
    restPath('apps/v1', plural, { namespace: m['namespace'], name: m['name'], sub: 'status' }),
    { status },
  );
}

async function reconcileReplicaSet(sets: ObjectCache, d: WorkloadDeps, key: string): Promise<number | void> {
  const rs = sets.get(key);
  if (!rs || rs['metadata']['deletionTimestamp']) return;
  const m = rs['metadata'];
  const pods = d.pods.list(m['namespace']).filter((p) => ownedBy(p, m['uid']));
  const live = pods.filter(
    (p) => !p['metadata']['deletionTimestamp'] && !['Failed', 'Succeeded'].includes(p['status']?.['phase']),
  );
  const ready = live.filter(podReady).length;
  await patchStatus(d, rs, 'replicasets', {
    observedGeneration: m['generation'],
    replicas: live.length,
    fullyLabeledReplicas: live.length,
    readyReplicas: ready,
    availableReplicas: ready,
  });
  for (const p of pods)
    if (['Failed', 'Succeeded'].includes(p['status']?.['phase']) && !p['metadata']['deletionTimestamp'])
      await d.client
        .delete(restPath('v1', 'pods', { namespace: m['namespace'], name: p['metadata']['name'] }))
        .catch(() => undefined);
  const want = Number(rs['spec']['replicas'] ?? 1);
  for (let i = live.length; i < want; i++) {
    const pod = podFromTemplate(rs['spec']['template'], {
      generateName: `${m['name']}-`,
      namespace: m['namespace'],
      labels: {},
      owner: rs,
    });
    const created = await d.client.create(restPath('v1', 'pods', { namespace: m['namespace'] }), pod);
    d.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created['metadata']['name']}`);
  }
  const surplus = live
    .sort((a, b) => Number(podReady(a)) - Number(podReady(b)))
    .slice(0, Math.max(0, live.length - want));
  for (const p of surplus) {
    await d.client
      .delete(restPath('v1', 'pods', { namespace: m['namespace'], name: p['metadata']['name'] }))
      .catch((e: unknown) => {
        if (!isNotFound(e)) throw e;
      });
    d.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p['metadata']['name']}`);
  }
  return live.length === want && ready < want ? 2000 : undefined;
}

async function ensureReplicaSet(d: WorkloadDeps, dep: Obj, sets: ObjectCache, hash: string): Promise<Obj> {
  const m = dep['metadata'];
  const name = `${m['name']}-${hash}`;
  const existing = sets.get(`${m['namespace']}/${name}`);
  const replicas = Number(dep['spec']['replicas'] ?? 1);
  if (existing) {
    if (existing['spec']['replicas'] !== replicas)
      await d.client.mergePatch(restPath('apps/v1', 'replicasets', { namespace: m['namespace'], name }), {
        spec: { replicas },
      });
    return existing;
  }
  const template = JSON.parse(JSON.stringify(dep['spec']['template'])) as Obj;
  template['metadata'] = {
    ...(template['metadata'] ?? {}),
    labels: { ...(template['metadata']?.['labels'] ?? {}), [HASH]: hash },
  };
  const sel = dep['spec']['selector'] ?? {};
  const rs = await d.client.create(restPath('apps/v1', 'replicasets', { namespace: m['namespace'] }), {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: m['namespace'],
      labels: template['metadata']['labels'],
      ownerReferences: [ownerRef(dep)],
    },
    spec: { replicas, selector: { ...sel, matchLabels: { ...(sel['matchLabels'] ?? {}), [HASH]: hash } }, template },
  });
  d.event(dep, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${name} to ${replicas}`);
  return rs;
}

/** Old ReplicaSets go to 0 once the new one is ready (at once for Recreate). */
async function scaleDownOld(d: WorkloadDeps, dep: Obj, old: Obj[], newReady: boolean): Promise<void> {
  const m = dep['metadata'];
  const recreate = dep['spec']['strategy']?.['type'] === 'Recreate';
  for (const s of old) {
    if (!(recreate || newReady) || s['spec']['replicas'] === 0) continue;
    await d.client.mergePatch(
      restPath('apps/v1', 'replicasets', { namespace: m['namespace'], name: s['metadata']['name'] }),
      { spec: { replicas: 0 } },
    );
    d.event(dep, 'Normal', 'ScalingReplicaSet', `Scaled down replica set ${s['metadata']['name']} to 0`);
  }
}

/** The Deployment's Available condition, keeping its times while its status stays the same. */
function availableCondition(dep: Obj, available: boolean): Obj {
  const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const status = available ? 'True' : 'False';
  const prev = ((dep['status']?.['conditions'] ?? []) as Obj[]).find((c) => c['type'] === 'Available');
  const same = prev?.['status'] === status;
  return {
    type: 'Available',
    status,
    reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
    message: available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
    lastUpdateTime: same ? prev['lastUpdateTime'] : at,
    lastTransitionTime: same ? prev['lastTransitionTime'] : at,
  };
}

const count = (sets: Obj[], field: string): number => sets.reduce((n, s) => n + Number(s['status']?.[field] ?? 0), 0);

async function reconcileDeployment(
  deps: ObjectCache,
  sets: ObjectCache,
  d: WorkloadDeps,
  key: string,
): Promise<number | void> {
  const dep = deps.get(key);
  if (!dep || dep['metadata']['deletionTimestamp']) return;
  const m = dep['metadata'];
  const current = await ensureReplicaSet(d, dep, sets, templateHash(dep['spec']['template']));
  const owned = sets.list(m['namespace']).filter((s) => ownedBy(s, m['uid']));
  const old = owned.filter((s) => s['metadata']['name'] !== current['metadata']['name']);
  const want = Number(dep['spec']['replicas'] ?? 1);
  const ready = Number(current['status']?.['readyReplicas'] ?? 0);
  await scaleDownOld(d, dep, old, ready >= want);
  const total = count(owned, 'replicas');
  const allReady = count(owned, 'readyReplicas');
  await patchStatus(d, dep, 'deployments', {
    observedGeneration: m['generation'],
    replicas: total,
    updatedReplicas: Number(current['status']?.['replicas'] ?? 0),
    readyReplicas: allReady,
    availableReplicas: allReady,
    ...(total - allReady > 0 ? { unavailableReplicas: total - allReady } : {}),
    conditions: [availableCondition(dep, allReady >= want)],
  });
  return ready < want || old.some((s) => Number(s['status']?.['replicas'] ?? 0) > 0) ? 2000 : undefined;
}

/** Runs both controllers; returns their queues (for stop). */
export function startDeploymentControllers(
  deployments: ObjectCache,
  replicasets: ObjectCache,
  d: WorkloadDeps,
): KeyedQueue[] {
  const rq = new KeyedQueue(
    (k) => reconcileReplicaSet(replicasets, d, k),
    (_k, e) => d.onError(e),
  );
  const dq = new KeyedQueue(
    (k) => reconcileDeployment(deployments, replicasets, d, k),
    (_k, e) => d.onError(e),
  );
  replicasets.on((_e, s) => {
    rq.add(`${s['metadata']['namespace']}/${s['metadata']['name']}`);
    const owner = ownerKey(s, 'Deployment');
    if (owner) dq.add(owner);
  });
  deployments.on((_e, dep) => dq.add(`${dep['metadata']['namespace']}/${dep['metadata']['name']}`));
  d.pods.on((_e, p) => {
    const owner = ownerKey(p, 'ReplicaSet');
    if (owner) rq.add(owner);
  });
  return [rq, dq];
}
