// The Node object of this machine: registered on start, its Ready condition renewed as a heartbeat,
// its status naming the kubelet endpoint the API server uses for logs and exec.
import { arch, cpus, hostname, totalmem } from 'node:os';
import type { KubeClient, Obj } from './client.ts';
import { isNotFound, restPath } from './client.ts';

/** kubelet version string shown by `kubectl get nodes`. */
export const KUBELET_VERSION = 'v1.32.0-local';

function nodeStatus(hostIP: string, port: number, ready: boolean): Obj {
  const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    conditions: [
      {
        type: 'Ready',
        status: ready ? 'True' : 'False',
        reason: ready ? 'KubeletReady' : 'KubeletStopped',
        message: ready ? 'local pod runner is posting ready status' : 'local pod runner stopped',
        lastHeartbeatTime: at,
        lastTransitionTime: at,
      },
    ],
    addresses: [
      { type: 'InternalIP', address: hostIP },
      { type: 'Hostname', address: hostname() },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: port } },
    nodeInfo: {
      kubeletVersion: KUBELET_VERSION,
      operatingSystem: process.platform,
      architecture: arch(),
      containerRuntimeVersion: 'local-processes://1',
      kernelVersion: '',
      osImage: '',
      kubeProxyVersion: KUBELET_VERSION,
      machineID: '',
      systemUUID: '',
      bootID: '',
    },
    capacity: { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: '110' },
    allocatable: { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: '110' },
  };
}

/** Creates the Node if needed and publishes its status. */
export async function registerNode(client: KubeClient, name: string, hostIP: string, port: number): Promise<void> {
  const path = restPath('v1', 'nodes', { name });
  try {
    await client.get(path);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await client.create(restPath('v1', 'nodes'), {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': process.platform,
          'kubernetes.io/arch': arch(),
          'topology.kubernetes.io/zone': 'local',
        },
      },
      spec: {},
    });
  }
  await setNodeReady(client, name, hostIP, port, true);
}

/** Heartbeat (ready) or the last word on stop (not ready). */
export async function setNodeReady(
  client: KubeClient,
  name: string,
  hostIP: string,
  port: number,
  ready: boolean,
): Promise<void> {
  await client.mergePatch(restPath('v1', 'nodes', { name, sub: 'status' }), {
    status: nodeStatus(hostIP, port, ready),
  });
}
