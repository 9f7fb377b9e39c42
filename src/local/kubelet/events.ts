// core/v1 Events from the pod runner's components (kubelet, statefulset-controller, ...), as
// `kubectl describe` and `kubectl get events` show them. Best effort: a failed write is logged only.
import type { KubeClient, Obj } from './client.ts';
import { restPath } from './client.ts';

/** Records an Event about `obj`. */
export type EventSink = (obj: Obj, type: 'Normal' | 'Warning', reason: string, message: string) => void;

/** An EventSink writing through `client` as `component` (on `host`). */
export function eventSink(
  client: KubeClient,
  component: string,
  host: string,
  onError: (e: unknown) => void,
): EventSink {
  return (obj, type, reason, message) => {
    const m = obj['metadata'] ?? {};
    const namespace = m['namespace'] || 'default';
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const body = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${m['name']}.`, namespace },
      involvedObject: {
        apiVersion: obj['apiVersion'] ?? 'v1',
        kind: obj['kind'] ?? 'Pod',
        name: m['name'],
        namespace,
        uid: m['uid'],
      },
      type,
      reason,
      message,
      source: { component, host },
      reportingComponent: component,
      reportingInstance: host,
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
    };
    client.create(restPath('v1', 'events', { namespace }), body).catch(onError);
  };
}
