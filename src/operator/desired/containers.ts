// The two containers of a MySQL pod. mysqld runs from spec.image with the image's own entrypoint; its
// per-pod server_id comes from the StatefulSet's pod-index label (Kubernetes 1.28+) through `$(VAR)`
// expansion, as "1<ordinal>" (10, 11, 12...: unique, never 0). The agent sidecar follows the agent
// contract (docs/agent.md): env, ports, mounts; readiness is the agent's /readyz, and preStop asks the
// agent to hand leadership over before mysqld gets SIGTERM.
import type { V1Container, V1EnvVar, V1SecurityContext } from '@kubernetes/client-node';
import { CredentialKeys, headlessServiceName, PEER_KEY, PodNames, POD_INDEX_LABEL } from '../../api/names.ts';
import { FLAVORS, type FlavorName } from '../../mysql/index.ts';
import type { BuildOptions, Cluster } from './cluster.ts';
import { MYSQL_PORT } from './mycnf.ts';
import { AGENT_HTTP_PORT, AGENT_PEER_PORT, CREDENTIALS_DIR, MYSQLD_PID_FILE, PEER_DIR, RUN_DIR } from './ports.ts';

/** Where my.cnf lands: read after the image's own files (conf.d is read in name order). */
export const MYCNF_PATH = '/etc/mysql/conf.d/zz-mysql-raft.cnf';
/** mysqld's data directory, on the PVC. */
export const DATA_DIR = '/var/lib/mysql';

const field = (name: string, path: string): V1EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath: path } } });

/** Non-root, no privilege escalation, no capabilities, read-only root filesystem. */
export const restrictedContainer: V1SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};

/** The mysqld container. */
export function mysqlContainer(cluster: Cluster, flavor: FlavorName, secretName: string): V1Container {
  const name = cluster.metadata.name;
  return {
    name: PodNames.mysqlContainer,
    image: cluster.spec.image,
    args: [`--server-id=1$(POD_INDEX)`, `--report-host=$(POD_NAME).${headlessServiceName(name)}`],
    env: [
      field('POD_NAME', 'metadata.name'),
      field('POD_INDEX', `metadata.labels['${POD_INDEX_LABEL}']`),
      {
        name: FLAVORS[flavor].mycnf.rootPasswordEnv,
        valueFrom: { secretKeyRef: { name: secretName, key: CredentialKeys.root } },
      },
    ],
    ports: [{ name: PodNames.mysqlPort, containerPort: MYSQL_PORT, protocol: 'TCP' }],
    ...(cluster.spec.resources ? { resources: stringQuantities(cluster.spec.resources) } : {}),
    // Every 2 s for up to 10 min (a large crash recovery): a member is Ready seconds after mysqld listens.
    startupProbe: { tcpSocket: { port: MYSQL_PORT }, periodSeconds: 2, failureThreshold: 300 },
    livenessProbe: { tcpSocket: { port: MYSQL_PORT }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
    // Every second: a new primary joins the master Service's endpoints within a second of /readyz saying
    // so (the failover write gap), and leaves it after 3 failures.
    readinessProbe: {
      httpGet: { path: '/readyz', port: AGENT_HTTP_PORT },
      periodSeconds: 1,
      timeoutSeconds: 1,
      failureThreshold: 3,
    },
    lifecycle: { preStop: { httpGet: { path: '/prestop', port: AGENT_HTTP_PORT } } },
    securityContext: restrictedContainer,
    volumeMounts: [
      { name: PodNames.dataVolume, mountPath: DATA_DIR, subPath: 'mysql' },
      { name: PodNames.configVolume, mountPath: MYCNF_PATH, subPath: 'my.cnf', readOnly: true },
      { name: PodNames.tmpVolume, mountPath: '/tmp' },
      { name: PodNames.runVolume, mountPath: RUN_DIR },
    ],
  };
}

/** The agent sidecar: the operator image, `agent`, configured by env as the contract lists. */
export function agentContainer(cluster: Cluster, opts: BuildOptions): V1Container {
  return {
    name: PodNames.agentContainer,
    image: opts.agentImage,
    args: ['agent'],
    env: [
      field('POD_NAME', 'metadata.name'),
      field('POD_NAMESPACE', 'metadata.namespace'),
      field('POD_IP', 'status.podIP'),
      { name: 'CLUSTER_NAME', value: cluster.metadata.name },
      { name: 'MYSQL_PORT', value: String(MYSQL_PORT) },
      { name: 'AGENT_PEER_PORT', value: String(AGENT_PEER_PORT) },
      { name: 'AGENT_HTTP_PORT', value: String(AGENT_HTTP_PORT) },
      { name: 'CREDENTIALS_DIR', value: CREDENTIALS_DIR },
      { name: 'PEER_KEY_FILE', value: `${PEER_DIR}/${PEER_KEY}` },
      { name: 'MYSQLD_PID_FILE', value: MYSQLD_PID_FILE },
    ],
    ports: [
      { name: PodNames.agentPeerPort, containerPort: AGENT_PEER_PORT, protocol: 'TCP' },
      { name: PodNames.agentHttpPort, containerPort: AGENT_HTTP_PORT, protocol: 'TCP' },
    ],
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
    livenessProbe: {
      httpGet: { path: '/healthz', port: AGENT_HTTP_PORT },
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold: 3,
    },
    securityContext: restrictedContainer,
    volumeMounts: [
      { name: PodNames.credentialsVolume, mountPath: CREDENTIALS_DIR, readOnly: true },
      { name: PodNames.peerAuthVolume, mountPath: PEER_DIR, readOnly: true },
      { name: PodNames.tmpVolume, mountPath: '/tmp' },
      // mysqld's pid file; with the pod's shared process namespace and the same uid, the agent can kill it.
      { name: PodNames.runVolume, mountPath: RUN_DIR, readOnly: true },
    ],
  };
}

/** spec.resources with every quantity as a string, as the API server stores them. */
export function stringQuantities(r: NonNullable<Cluster['spec']['resources']>): {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
} {
  const conv = (m: Record<string, string | number>) =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)]));
  return { ...(r.requests ? { requests: conv(r.requests) } : {}), ...(r.limits ? { limits: conv(r.limits) } : {}) };
}
