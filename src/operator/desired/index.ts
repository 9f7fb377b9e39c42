// Everything a cluster needs, as pure builders spec -> objects (docs/operator.md lists them). The
// reconciler compares these with what exists and writes the difference; nothing here does I/O.
import type { KubernetesObject, V1StatefulSet } from '@kubernetes/client-node';
import type { BuildOptions, Cluster } from './cluster.ts';
import { mycnfConfigMap } from './mycnf.ts';
import { networkPolicy } from './networkpolicy.ts';
import { podDisruptionBudget } from './pdb.ts';
import { agentRole, agentRoleBinding, agentServiceAccount } from './rbac.ts';
import { credentialsSecret, credentialsSecretRef, peerAuthSecret, type RandomSource } from './secrets.ts';
import { headlessService, masterService, slaveService } from './services.ts';
import { statefulSet } from './statefulset.ts';

export type { BuildOptions, Cluster } from './cluster.ts';
export { asCluster, ClusterShapeError } from './cluster.ts';
export { cryptoRandom, missingCredentialKeys, credentialsSecretRef, type RandomSource } from './secrets.ts';
export { selectorLabels, commonLabels, podLabels } from './labels.ts';
export { flavorFor } from './flavor.ts';
export { renderMycnf, contentHash } from './mycnf.ts';

/** How the reconciler may write an object: `create-only` objects are never updated once they exist
 * (random Secrets; the content-named my.cnf ConfigMap), `owned` ones are kept as built. */
export type WritePolicy = 'create-only' | 'owned';

/** One object to make exist, and how it may be written. */
export interface DesiredObject {
  obj: KubernetesObject;
  policy: WritePolicy;
}

/** The desired state of one cluster. */
export interface Desired {
  /** In creation order: identity, secrets, config, Services, PDB, NetworkPolicy, and the StatefulSet last. */
  objects: DesiredObject[];
  statefulSet: V1StatefulSet;
  credentials: { name: string; generated: boolean };
  mycnfName: string;
  /** spec.mysql.config keys dropped because the operator owns them. */
  ignoredConfig: string[];
}

/** All objects of the cluster. `random` feeds the Secrets, which are only ever written when absent. */
export function desiredState(cluster: Cluster, opts: BuildOptions, random: RandomSource): Desired {
  const credentials = credentialsSecretRef(cluster);
  const { configMap, ignored } = mycnfConfigMap(cluster);
  const mycnfName = configMap.metadata?.name ?? '';
  const sts = statefulSet(cluster, opts, { mycnfName, secretName: credentials.name });
  const generated = credentialsSecret(cluster, random);
  const owned = (obj: KubernetesObject): DesiredObject => ({ obj, policy: 'owned' });
  const createOnly = (obj: KubernetesObject): DesiredObject => ({ obj, policy: 'create-only' });
  return {
    objects: [
      owned(agentServiceAccount(cluster)),
      owned(agentRole(cluster)),
      owned(agentRoleBinding(cluster)),
      ...(generated ? [createOnly(generated)] : []),
      createOnly(peerAuthSecret(cluster, random)),
      createOnly(configMap),
      owned(headlessService(cluster)),
      owned(masterService(cluster)),
      owned(slaveService(cluster)),
      owned(podDisruptionBudget(cluster)),
      owned(networkPolicy(cluster)),
      owned(sts),
    ],
    statefulSet: sts,
    credentials,
    mycnfName,
    ignoredConfig: ignored,
  };
}
