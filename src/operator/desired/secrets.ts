// The two Secrets a cluster needs. Their content is random, so the builders take the random source:
// the reconciler creates them once and never writes them again (a regenerated password would lock the
// agents out of MySQL). Nothing here or in the reconciler logs a value.
import type { V1Secret } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { CredentialKeys, credentialsSecretName, PEER_KEY, peerAuthSecretName } from '../../api/names.ts';
import type { Cluster } from './cluster.ts';
import { childMeta } from './labels.ts';

/** n random bytes; injected so tables can pin the output. */
export type RandomSource = (n: number) => Buffer;
/** The production random source: node:crypto. */
export const cryptoRandom: RandomSource = (n) => randomBytes(n);

/** 24 random bytes as base64url: 32 characters, safe in SQL, shells and my.cnf. */
export function generatePassword(random: RandomSource): string {
  return random(24).toString('base64url');
}

/** The Secret the pods mount: the user's `spec.mysql.secretName`, else `<cluster>-credentials`. */
export function credentialsSecretRef(cluster: Cluster): { name: string; generated: boolean } {
  const user = cluster.spec.mysql?.secretName;
  return user
    ? { name: user, generated: false }
    : { name: credentialsSecretName(cluster.metadata.name), generated: true };
}

/** `<cluster>-credentials` with fresh passwords; undefined when the user brings their own Secret. */
export function credentialsSecret(cluster: Cluster, random: RandomSource): V1Secret | undefined {
  const ref = credentialsSecretRef(cluster);
  if (!ref.generated) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: childMeta(cluster, ref.name),
    type: 'Opaque',
    stringData: {
      [CredentialKeys.root]: generatePassword(random),
      [CredentialKeys.replication]: generatePassword(random),
      [CredentialKeys.agent]: generatePassword(random),
    },
  };
}

/** `<cluster>-peer-auth`: 32 random bytes (base64) the agents sign peer RPCs with (HMAC). */
export function peerAuthSecret(cluster: Cluster, random: RandomSource): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: childMeta(cluster, peerAuthSecretName(cluster.metadata.name)),
    type: 'Opaque',
    stringData: { [PEER_KEY]: random(32).toString('base64') },
  };
}

/** The keys a user's credentials Secret must hold; the missing ones, for a clear status message. */
export function missingCredentialKeys(data: Record<string, string> | undefined): string[] {
  return Object.values(CredentialKeys).filter((k) => !data?.[k]);
}
