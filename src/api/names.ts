// Every name the project writes into Kubernetes in one place: the API group and kind, labels,
// annotations, finalizers and the names of the objects derived from a MysqlCluster. Other modules
// import these; a string such as `raft.ryansu.com/cluster` appears nowhere else in src/.

/** The API group of MysqlCluster. */
export const GROUP = 'apps.ryansu.com';
/** The kind, plural and singular names the CRD declares. */
export const KIND = 'MysqlCluster';
/** The CRD's plural resource name, as in URLs and `kubectl get mysqlclusters`. */
export const PLURAL = 'mysqlclusters';
/** The CRD's singular resource name. */
export const SINGULAR = 'mysqlcluster';
/** The stored version; what the operator reads and writes. */
export const STORAGE_VERSION = 'v1';
/** `apps.ryansu.com/v1`. */
export const API_VERSION_V1 = `${GROUP}/v1`;
/** `apps.ryansu.com/v2alpha1`. */
export const API_VERSION_V2ALPHA1 = `${GROUP}/v2alpha1`;
/** The CRD's metadata.name. */
export const CRD_NAME = `${PLURAL}.${GROUP}`;

/** Labels the operator and the agents set. */
export const Labels = {
  /** Raft ConfigMaps and the leader Lease of one cluster. */
  raftCluster: 'raft.ryansu.com/cluster',
  /** The ordinal of a Raft node's ConfigMap. */
  raftNode: 'raft.ryansu.com/node',
  /** `primary` or `replica`, moved by the agent only after the fence or promotion it describes. */
  role: 'mysql.ryansu.com/role',
  /** The MysqlCluster a pod or object belongs to. */
  cluster: 'mysql.ryansu.com/cluster',
  /** The seed README selects pods with `app=mysql-cluster`. */
  app: 'app',
  appName: 'app.kubernetes.io/name',
  appInstance: 'app.kubernetes.io/instance',
  appComponent: 'app.kubernetes.io/component',
  appManagedBy: 'app.kubernetes.io/managed-by',
  appPartOf: 'app.kubernetes.io/part-of',
} as const;

/** Values of the role label. */
export const Roles = { primary: 'primary', replica: 'replica' } as const;
/** The seed's value of the `app` label. */
export const APP_LABEL_VALUE = 'mysql-cluster';
/** What `app.kubernetes.io/name` and `managed-by` say. */
export const PROJECT_NAME = 'mysql-raft-operator';

/** Annotations. */
export const Annotations = {
  /** On a MysqlCluster: ask the leader to hand over to this pod (or `any`). */
  switchoverTo: 'mysql.ryansu.com/switchover-to',
  /** On an agent's own Pod: its compact status for the reconciler. */
  agentStatus: 'mysql.ryansu.com/agent-status',
  /** v2alpha1 -> v1 conversion keeps a v2alpha1-only value here. */
  conversionSemiSyncTimeout: `conversion.${GROUP}/v2alpha1-semisync-timeout`,
} as const;

/** Finalizers the operator adds. */
export const Finalizers = {
  cluster: 'mysql.ryansu.com/finalizer',
} as const;

/** ConfigMap `<cluster>-raft-<ordinal>`: one Raft node's durable state. */
export function raftConfigMapName(cluster: string, ordinal: number): string {
  return `${cluster}-raft-${ordinal}`;
}

/** Lease `<cluster>-leader`: the Raft leader, mirrored for people and Services. */
export function raftLeaderLeaseName(cluster: string): string {
  return `${cluster}-leader`;
}

/** Secret `<cluster>-credentials`: generated passwords. */
export function credentialsSecretName(cluster: string): string {
  return `${cluster}-credentials`;
}

/** Secret `<cluster>-peer-auth`: the agents' peer-authentication key. */
export function peerAuthSecretName(cluster: string): string {
  return `${cluster}-peer-auth`;
}

/** Pod `<cluster>-<ordinal>` of the StatefulSet named after the cluster. */
export function podName(cluster: string, ordinal: number): string {
  return `${cluster}-${ordinal}`;
}
