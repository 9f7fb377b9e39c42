// Finalizers, owner references and Events: the small object helpers every reconciler needs.
import type { KubeConfig, KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import { CoreV1Api, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { rfc3339 } from './conditions.ts';

/** A controller owner reference: what garbage collection and `ownerKeys` follow. */
export function controllerRef(owner: KubernetesObject): V1OwnerReference {
  const m = owner.metadata ?? {};
  if (!owner.apiVersion || !owner.kind || !m.name || !m.uid)
    throw new Error('controllerRef: owner needs apiVersion, kind, metadata.name and metadata.uid');
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: m.name,
    uid: m.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Adds or removes a finalizer with a merge patch that carries the resourceVersion we read, so a
 * concurrent change answers 409 instead of being overwritten. Returns the updated object, or the
 * same one when nothing needed to change. */
export async function setFinalizer<T extends KubernetesObject>(
  kc: KubeConfig,
  obj: T,
  finalizer: string,
  present: boolean,
): Promise<T> {
  const current = obj.metadata?.finalizers ?? [];
  if (current.includes(finalizer) === present) return obj;
  const finalizers = present ? [...current, finalizer] : current.filter((f) => f !== finalizer);
  const api = KubernetesObjectApi.makeApiClient(kc);
  const patch = {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: {
      name: obj.metadata?.name,
      namespace: obj.metadata?.namespace,
      resourceVersion: obj.metadata?.resourceVersion,
      finalizers,
    },
  };
  return api.patch(patch as T, undefined, undefined, 'mysql-raft-operator', undefined, PatchStrategy.MergePatch);
}

/** The two Event types Kubernetes knows: Warning is for something an operator should look at. */
export type EventType = 'Normal' | 'Warning';

/** What an Event says: its type, a CamelCase reason, a human message; who reports it and when. */
export interface EventRecord {
  type: EventType;
  reason: string;
  message: string;
  /** The reporting component; default 'mysql-raft-operator'. */
  component?: string;
  /** The Event's timestamps; default now. */
  now?: Date;
}

/** Records a core/v1 Event about `obj`, as `kubectl describe` shows them. */
export async function recordEvent(kc: KubeConfig, obj: KubernetesObject, event: EventRecord): Promise<void> {
  const { type, reason, message, component = 'mysql-raft-operator', now = new Date() } = event;
  const m = obj.metadata ?? {};
  const namespace = m.namespace ?? 'default';
  await kc.makeApiClient(CoreV1Api).createNamespacedEvent({
    namespace,
    body: {
      metadata: { generateName: `${m.name}.`, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: m.name,
        namespace,
        uid: m.uid,
        resourceVersion: m.resourceVersion,
      },
      type,
      reason,
      message,
      source: { component },
      reportingComponent: component,
      firstTimestamp: new Date(rfc3339(now)),
      lastTimestamp: new Date(rfc3339(now)),
      count: 1,
    },
  });
}
