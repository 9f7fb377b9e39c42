// pod.status from the containers' states, as the kubelet computes it: phase, the four conditions
// (with transition times that move only when a condition changes), container statuses.
import type { Obj } from './client.ts';
import type { ContainerRunner } from './container.ts';

/** The inputs of a status: the pod, its containers, and what the worker knows. */
export interface StatusInput {
  pod: Obj;
  inits: ContainerRunner[];
  containers: ContainerRunner[];
  initsDone: boolean;
  podIP: string;
  hostIP: string;
  startTime: string;
  previous: Obj[];
}

function phaseOf(i: StatusInput): string {
  if (!i.initsDone) return 'Pending';
  const cs = i.containers;
  if (cs.some((c) => c.restartCount === 0 && c.state['waiting'] && !c.lastState['terminated'])) return 'Pending';
  const policy = i.pod['spec']['restartPolicy'] ?? 'Always';
  const allDone = cs.every((c) => c.state['terminated']);
  if (policy !== 'Always' && allDone) {
    const ok = cs.every((c) => c.state['terminated']['exitCode'] === 0);
    if (ok) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
  }
  return 'Running';
}

function condition(type: string, ok: boolean, previous: Obj[], reason?: string): Obj {
  const status = ok ? 'True' : 'False';
  const old = previous.find((c) => c['type'] === type);
  const lastTransitionTime =
    old && old['status'] === status ? old['lastTransitionTime'] : new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return { type, status, lastProbeTime: null, lastTransitionTime, ...(ok || !reason ? {} : { reason }) };
}

/** The status to publish. */
export function podStatus(i: StatusInput): Obj {
  const ready = i.initsDone && i.containers.length > 0 && i.containers.every((c) => c.status()['ready']);
  const phase = phaseOf(i);
  return {
    phase,
    conditions: [
      condition('PodReadyToStartContainers', true, i.previous),
      condition('Initialized', i.initsDone, i.previous, 'ContainersNotInitialized'),
      condition('Ready', ready, i.previous, phase === 'Succeeded' ? 'PodCompleted' : 'ContainersNotReady'),
      condition('ContainersReady', ready, i.previous, 'ContainersNotReady'),
      condition('PodScheduled', true, i.previous),
    ],
    hostIP: i.hostIP,
    hostIPs: [{ ip: i.hostIP }],
    podIP: i.podIP,
    podIPs: [{ ip: i.podIP }],
    startTime: i.startTime,
    qosClass: 'BestEffort',
    ...(i.inits.length ? { initContainerStatuses: i.inits.map((c) => c.status()) } : {}),
    containerStatuses: i.containers.map((c) => c.status()),
  };
}
