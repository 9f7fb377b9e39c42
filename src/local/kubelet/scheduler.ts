// The scheduler of a one-node cluster: every pending pod that asks for the default scheduler (and
// whose nodeSelector the node satisfies) is bound to this node through pods/binding.
import type { KubeClient, Obj } from './client.ts';
import { isConflict, isNotFound, restPath } from './client.ts';
import type { ObjectCache } from './cache.ts';
import type { EventSink } from './events.ts';

/** Binds unscheduled pods to `nodeName`. */
export function startScheduler(o: {
  client: KubeClient;
  pods: ObjectCache;
  nodeName: string;
  nodeLabels: Record<string, string>;
  event: EventSink;
  onError(e: unknown): void;
}): void {
  const warned = new Set<string>();
  o.pods.on((event, pod) => {
    if (event === 'delete' || pod['spec']?.['nodeName'] || pod['metadata']['deletionTimestamp']) return;
    if ((pod['spec']?.['schedulerName'] ?? 'default-scheduler') !== 'default-scheduler') return;
    const sel = (pod['spec']?.['nodeSelector'] ?? {}) as Record<string, string>;
    const misfit = Object.entries(sel).find(([k, v]) => o.nodeLabels[k] !== v);
    if (misfit) {
      const uid = String(pod['metadata']['uid']);
      if (!warned.has(uid))
        o.event(
          pod,
          'Warning',
          'FailedScheduling',
          `0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.`,
        );
      warned.add(uid);
      return;
    }
    bind(o.client, pod, o.nodeName).then(
      () =>
        o.event(
          pod,
          'Normal',
          'Scheduled',
          `Successfully assigned ${pod['metadata']['namespace']}/${pod['metadata']['name']} to ${o.nodeName}`,
        ),
      (e: unknown) => isConflict(e) || isNotFound(e) || o.onError(e),
    );
  });
}

async function bind(client: KubeClient, pod: Obj, node: string): Promise<void> {
  const m = pod['metadata'];
  await client.create(restPath('v1', 'pods', { namespace: m['namespace'], name: m['name'], sub: 'binding' }), {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: m['name'], namespace: m['namespace'], uid: m['uid'] },
    target: { apiVersion: 'v1', kind: 'Node', name: node },
  });
}
