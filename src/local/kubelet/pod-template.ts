// Shared by the workload controllers: a pod from a template, the template hash, owner references,
// selectors, and "is this pod ready".
import { createHash } from 'node:crypto';
import type { Obj } from './client.ts';

/** Short stable hash of a pod template (the controller-revision-hash / pod-template-hash). */
export function templateHash(template: Obj): string {
  return createHash('sha256')
    .update(JSON.stringify(template ?? {}))
    .digest('hex')
    .slice(0, 10);
}

/** A controller ownerReference to `owner`. */
export function ownerRef(owner: Obj): Obj {
  return {
    apiVersion: owner['apiVersion'],
    kind: owner['kind'],
    name: owner['metadata']['name'],
    uid: owner['metadata']['uid'],
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** True when `o` is controlled by the object with `uid`. */
export function ownedBy(o: Obj, uid: string): boolean {
  return ((o['metadata']['ownerReferences'] ?? []) as Obj[]).some((r) => r['controller'] && r['uid'] === uid);
}

/** One matchExpressions requirement against a label map. */
function requirementHolds(e: Obj, l: Record<string, string>): boolean {
  const has = e['key'] in l;
  const inValues = ((e['values'] ?? []) as string[]).includes(l[e['key']] ?? '');
  switch (e['operator']) {
    case 'In':
      return has && inValues;
    case 'NotIn':
      return !has || !inValues;
    case 'Exists':
      return has;
    default:
      return !has;
  }
}

/** matchLabels + matchExpressions against a label map. */
export function selects(selector: Obj | undefined, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries((selector?.['matchLabels'] ?? {}) as Record<string, string>))
    if (l[k] !== v) return false;
  return ((selector?.['matchExpressions'] ?? []) as Obj[]).every((e) => requirementHolds(e, l));
}

/** Ready condition True and not being deleted. */
export function podReady(p: Obj): boolean {
  if (p['metadata']['deletionTimestamp']) return false;
  return ((p['status']?.['conditions'] ?? []) as Obj[]).some((c) => c['type'] === 'Ready' && c['status'] === 'True');
}

/** A pod object from a template. */
export function podFromTemplate(
  template: Obj,
  meta: { name?: string; generateName?: string; namespace: string; labels: Record<string, string>; owner: Obj },
): Obj {
  const t = JSON.parse(JSON.stringify(template ?? {})) as Obj;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(meta.name ? { name: meta.name } : { generateName: meta.generateName }),
      namespace: meta.namespace,
      labels: { ...(t['metadata']?.['labels'] ?? {}), ...meta.labels },
      ...(t['metadata']?.['annotations'] ? { annotations: t['metadata']['annotations'] } : {}),
      ownerReferences: [ownerRef(meta.owner)],
    },
    spec: t['spec'] ?? {},
  };
}
