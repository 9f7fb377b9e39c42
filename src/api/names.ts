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
/** What `app.kubernetes.io/managed-by` says on every object the operator creates. */
export const PROJECT_NAME = 'mysql-raft-operator';
/** `app.kubernetes.io/name` of a cluster's objects: the application, not the operator (whose own
 * Deployment says `mysql-raft-operator`, so a selector on this never catches the manager's pod). */
export const APP_NAME_VALUE = 'mysql';
/** `app.kubernetes.io/component` values. */
export const Components = { database: 'database', agent: 'agent' } as const;
/** Labels of the manager's own pods (kustomize/base/manager.yaml): the agents' HTTP port admits them. */
export const OPERATOR_POD_LABELS = {
  [Labels.appName]: PROJECT_NAME,
  'control-plane': 'controller-manager',
} as const;
/** The label the StatefulSet controller (Kubernetes 1.28+) puts on each pod: its ordinal. */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/** Annotations. */
export const Annotations = {
  /** On a MysqlCluster: ask the leader to hand over to this pod (or `any`). */
  switchoverTo: 'mysql.ryansu.com/switchover-to',
  /** On an agent's own Pod: its compact status for the reconciler. */
  agentStatus: 'mysql.ryansu.com/agent-status',
  /** v2alpha1 -> v1 conversion keeps a v2alpha1-only value here. */
  conversionSemiSyncTimeout: `conversion.${GROUP}/v2alpha1-semisync-timeout`,
} as const;

/** The Lease the manager replicas elect their one reconciling leader with. */
export const MANAGER_LEASE_NAME = 'mysql-raft-operator-leader';
/** The agent image when neither a flag, AGENT_IMAGE nor the manager's own pod says. */
export const DEFAULT_AGENT_IMAGE = 'mysql-raft-operator:dev';

/** The operator's field manager and event source. */
export const FIELD_MANAGER = 'mysql-raft-operator';

/** Container, port and volume names inside a MySQL pod (the agent's contract names the ports). */
export const PodNames = {
  mysqlContainer: 'mysql',
  agentContainer: 'agent',
  mysqlPort: 'mysql',
  agentPeerPort: 'agent-peer',
  agentHttpPort: 'agent-http',
  dataVolume: 'data',
  configVolume: 'mycnf',
  credentialsVolume: 'credentials',
  peerAuthVolume: 'peer-auth',
  tmpVolume: 'tmp',
  runVolume: 'run-mysqld',
} as const;

/** Keys of the credentials Secret (generated or the user's `spec.mysql.secretName`). */
export const CredentialKeys = {
  root: 'root-password',
  replication: 'replication-password',
  agent: 'agent-password',
} as const;
/** Key of the peer-authentication Secret. */
export const PEER_KEY = 'hmac-key';
/** Key of the my.cnf ConfigMap. */
export const MYCNF_KEY = 'my.cnf';

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

/** StatefulSet (and PodDisruptionBudget) of a cluster: named like the cluster, so pods are `<cluster>-<n>`. */
export function statefulSetName(cluster: string): string {
  return cluster;
}

/** PodDisruptionBudget `<cluster>`: one member down at a time. */
export function pdbName(cluster: string): string {
  return cluster;
}

/** NetworkPolicy `<cluster>`: who may reach the pods' MySQL and agent ports. */
export function networkPolicyName(cluster: string): string {
  return cluster;
}

/** Headless Service `<cluster>-headless`: stable pod DNS names, not-ready addresses published. */
export function headlessServiceName(cluster: string): string {
  return `${cluster}-headless`;
}

/** ConfigMap `<cluster>-mycnf-<hash>`: my.cnf named by its content, so a change rolls the pods. */
export function mycnfConfigMapName(cluster: string, hash: string): string {
  return `${cluster}-mycnf-${hash}`;
}

/** ServiceAccount, Role and RoleBinding `<cluster>-agent`: the agents' identity and rights. */
export function agentServiceAccountName(cluster: string): string {
  return `${cluster}-agent`;
}
