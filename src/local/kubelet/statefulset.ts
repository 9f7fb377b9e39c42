// The StatefulSet controller, as kube-controller-manager's: pods `<set>-<ordinal>` with stable names,
// their claims `<template>-<set>-<ordinal>` created from volumeClaimTemplates before the pod (and kept
// after it, unless the retention policy says Delete), a deleted or finished pod recreated,
// OrderedReady (one at a time, each Running and Ready before the next; scale-down highest first) or
// Parallel, and updates by RollingUpdate (highest ordinal first, down to the partition, one pod at a
// time once all are Ready) or OnDelete (new pods get the new template; nothing is deleted).
import type { KubeClient, Obj } from './client.ts';
import { ApiStatusError, isNotFound, restPath } from './client.ts';
import type { ObjectCache } from './cache.ts';
import type { EventSink } from './events.ts';
import { KeyedQueue } from './queue.ts';
import { ownedBy, ownerRef, podFromTemplate, podReady, templateHash } from './pod-template.ts';

const REVISION = 'controller-revision-hash';

/** What the controller reads and writes. */
export interface WorkloadDeps {
  client: KubeClient;
  pods: ObjectCache;
  pvcs: ObjectCache;
  event: EventSink;
  onError(e: unknown): void;
}

function ordinalOf(set: string, pod: Obj): number | undefined {
  const m = new RegExp(`^${set.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)$`).exec(String(pod['metadata']['name']));
  return m ? Number(m[1]) : undefined;
}

function claimName(tmpl: Obj, podName: string): string {
  return `${tmpl['metadata']['name']}-${podName}`;
}

/** Runs the controller over a StatefulSet cache; returns a stop function. */
export function startStatefulSetController(sets: ObjectCache, d: WorkloadDeps): KeyedQueue {
  const q = new KeyedQueue(
    (key) => reconcile(sets, d, key),
    (_k, e) => d.onError(e),
  );
  sets.on((_e, s) => q.add(`${s['metadata']['namespace']}/${s['metadata']['name']}`));
  d.pods.on((_e, p) => {
    const ref = ((p['metadata']['ownerReferences'] ?? []) as Obj[]).find(
      (r) => r['controller'] && r['kind'] === 'StatefulSet',
    );
    if (ref) q.add(`${p['metadata']['namespace']}/${ref['name']}`);
  });
  return q;
}

async function ensureClaims(d: WorkloadDeps, set: Obj, podName: string): Promise<void> {
  const ns = set['metadata']['namespace'];
  const retainDelete = set['spec']['persistentVolumeClaimRetentionPolicy']?.['whenDeleted'] === 'Delete';
  for (const t of (set['spec']['volumeClaimTemplates'] ?? []) as Obj[]) {
    const name = claimName(t, podName);
    if (d.pvcs.get(`${ns}/${name}`)) continue;
    await d.client
      .create(restPath('v1', 'persistentvolumeclaims', { namespace: ns }), {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name,
          namespace: ns,
          labels: { ...(t['metadata']['labels'] ?? {}), ...(set['spec']['selector']?.['matchLabels'] ?? {}) },
          ...(retainDelete ? { ownerReferences: [{ ...ownerRef(set), controller: false }] } : {}),
        },
        spec: t['spec'],
      })
      .catch((e: unknown) => {
        if (!(e instanceof Error && /already exists/.test(e.message))) throw e;
      });
  }
}

async function createPod(d: WorkloadDeps, set: Obj, ordinal: number, revision: string): Promise<void> {
  const m = set['metadata'];
  const podName = `${m['name']}-${ordinal}`;
  await ensureClaims(d, set, podName);
  const pod = podFromTemplate(set['spec']['template'], {
    name: podName,
    namespace: m['namespace'],
    labels: {
      'statefulset.kubernetes.io/pod-name': podName,
      'apps.kubernetes.io/pod-index': String(ordinal),
      [REVISION]: revision,
    },
    owner: set,
  });
  pod['spec']['hostname'] = podName;
  if (set['spec']['serviceName']) pod['spec']['subdomain'] = set['spec']['serviceName'];
  const claims = ((set['spec']['volumeClaimTemplates'] ?? []) as Obj[]).map((t) => ({
    name: t['metadata']['name'],
    persistentVolumeClaim: { claimName: claimName(t, podName) },
  }));
  const names = new Set(claims.map((c) => c.name));
  pod['spec']['volumes'] = [
    ...((pod['spec']['volumes'] ?? []) as Obj[]).filter((v) => !names.has(v['name'])),
    ...claims,
  ];
  try {
    await d.client.create(restPath('v1', 'pods', { namespace: m['namespace'] }), pod);
  } catch (e) {
    // The cache had not seen our own earlier create yet.
    if (e instanceof ApiStatusError && e.status === 409) return;
    throw e;
  }
  d.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${podName} in StatefulSet ${m['name']} successful`);
}

async function deletePod(d: WorkloadDeps, set: Obj, pod: Obj, why: string): Promise<void> {
  const m = pod['metadata'];
  await d.client
    .delete(restPath('v1', 'pods', { namespace: m['namespace'], name: m['name'] }), {
      preconditions: { uid: m['uid'] },
    })
    .catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
  d.event(
    set,
    'Normal',
    'SuccessfulDelete',
    `delete Pod ${m['name']} in StatefulSet ${set['metadata']['name']} successful${why}`,
  );
}

const healthy = (p: Obj | undefined): boolean => Boolean(p && p['status']?.['phase'] === 'Running' && podReady(p));

/** The set's pods by ordinal (only those it controls). */
function podsByOrdinal(d: WorkloadDeps, set: Obj): Map<number, Obj> {
  const byOrdinal = new Map<number, Obj>();
  for (const p of d.pods.list(set['metadata']['namespace'])) {
    const i = ordinalOf(String(set['metadata']['name']), p);
    if (i !== undefined && ownedBy(p, set['metadata']['uid'])) byOrdinal.set(i, p);
  }
  return byOrdinal;
}

/** Finished pods are deleted (to be created again); returns whether one was. */
async function replaceFinished(d: WorkloadDeps, set: Obj, pods: Iterable<Obj>): Promise<boolean> {
  for (const p of pods) {
    const phase = p['status']?.['phase'];
    if ((phase === 'Failed' || phase === 'Succeeded') && !p['metadata']['deletionTimestamp']) {
      await deletePod(d, set, p, ` (pod ${phase})`);
      return true;
    }
  }
  return false;
}

async function reconcile(sets: ObjectCache, d: WorkloadDeps, key: string): Promise<number | void> {
  const set = sets.get(key);
  if (!set || set['metadata']['deletionTimestamp']) return;
  const spec = set['spec'];
  const replicas = Number(spec['replicas'] ?? 1);
  const ordered = spec['podManagementPolicy'] !== 'Parallel';
  const revision = `${set['metadata']['name']}-${templateHash(spec['template'])}`;
  const byOrdinal = podsByOrdinal(d, set);
  await publishStatus(d, set, [...byOrdinal.values()], revision);
  if (await replaceFinished(d, set, byOrdinal.values())) return 1000;
  for (let i = 0; i < replicas; i++) {
    const p = byOrdinal.get(i);
    if (!p) {
      await createPod(d, set, i, revision);
      if (ordered) return 2000;
      continue;
    }
    if (ordered && !healthy(p)) return 2000;
  }
  const extra = [...byOrdinal.keys()].filter((i) => i >= replicas).sort((a, b) => b - a);
  if (extra.length) {
    for (const i of ordered ? extra.slice(0, 1) : extra) {
      const p = byOrdinal.get(i)!;
      if (!p['metadata']['deletionTimestamp']) await deletePod(d, set, p, '');
    }
    return 1000;
  }
  return rollingUpdate(d, set, byOrdinal, revision, replicas);
}

async function rollingUpdate(
  d: WorkloadDeps,
  set: Obj,
  byOrdinal: Map<number, Obj>,
  revision: string,
  replicas: number,
): Promise<number | void> {
  const strategy = set['spec']['updateStrategy'] ?? { type: 'RollingUpdate' };
  if (strategy['type'] === 'OnDelete') return;
  const partition = Number(strategy['rollingUpdate']?.['partition'] ?? 0);
  for (let i = replicas - 1; i >= partition; i--) {
    const p = byOrdinal.get(i);
    if (!p || p['metadata']['labels']?.[REVISION] === revision) continue;
    if (![...byOrdinal.values()].every(healthy)) return 2000;
    await deletePod(d, set, p, ' (update)');
    return 2000;
  }
}

async function publishStatus(d: WorkloadDeps, set: Obj, pods: Obj[], revision: string): Promise<void> {
  const old = set['status'] ?? {};
  const updated = pods.filter((p) => p['metadata']['labels']?.[REVISION] === revision).length;
  const current = updated === pods.length && pods.length > 0 ? revision : (old['currentRevision'] ?? revision);
  const ready = pods.filter(podReady).length;
  const status = {
    observedGeneration: set['metadata']['generation'],
    replicas: pods.length,
    readyReplicas: ready,
    availableReplicas: ready,
    currentReplicas: pods.filter((p) => p['metadata']['labels']?.[REVISION] === current).length,
    updatedReplicas: updated,
    currentRevision: current,
    updateRevision: revision,
    collisionCount: 0,
  };
  if (JSON.stringify({ ...old, ...status }) === JSON.stringify(old)) return;
  const m = set['metadata'];
  await d.client.mergePatch(
    restPath('apps/v1', 'statefulsets', { namespace: m['namespace'], name: m['name'], sub: 'status' }),
    { status },
  );
}
