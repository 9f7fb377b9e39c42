// The autoscaling/v1 Scale view of an object whose kind declares a scale subresource: what GET /scale
// answers and what admission webhooks see for a /scale write, as kube-apiserver shows it.
import type { KindInfo } from './kinds.ts';
import { getPath, isPlainObject, meta, type Obj } from './meta.ts';
import { labelSelectorToString } from './selectors.ts';

/** The group, version and kind of a Scale. */
export const SCALE_KIND = { group: 'autoscaling', version: 'v1', kind: 'Scale' } as const;

/** The autoscaling/v1 Scale view of an object; its kind must have a scale subresource. */
export function toScale(k: KindInfo, o: Obj): Obj {
  const s = k.scale!;
  const m = meta(o);
  const sel = s.labelSelectorPath ? getPath(o, s.labelSelectorPath) : undefined;
  const status: Obj = { replicas: Number(getPath(o, s.statusReplicasPath) ?? 0) };
  if (typeof sel === 'string' && sel) status['selector'] = sel;
  else if (isPlainObject(sel)) status['selector'] = labelSelectorToString(sel);
  const sm: Obj = {
    name: m['name'],
    uid: m['uid'],
    resourceVersion: m['resourceVersion'],
    creationTimestamp: m['creationTimestamp'],
  };
  if (m['namespace']) sm['namespace'] = m['namespace'];
  const replicas = getPath(o, s.specReplicasPath);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: sm,
    spec: replicas === undefined ? {} : { replicas },
    status,
  };
}
