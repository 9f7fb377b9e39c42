// What the manager needs from its environment to reconcile: a kubeconfig (flag, KUBECONFIG, in-cluster
// or ~/.kube/config), who it is for leader election (POD_NAME, POD_NAMESPACE from the downward API),
// and the agent image (flag, AGENT_IMAGE, else the image of the manager's own container, so the
// kustomize `images:` setting moves both). Read when the manager starts, never at import.
import { existsSync, readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { DEFAULT_AGENT_IMAGE } from '../api/names.ts';

type Env = Record<string, string | undefined>;

/** A KubeConfig, or undefined when nothing names an API server. */
export function loadKubeConfig(flag: string | undefined, env: Env): KubeConfig | undefined {
  const kc = new KubeConfig();
  if (flag) {
    kc.loadFromFile(flag);
    return kc;
  }
  const home = join(env['HOME'] ?? homedir(), '.kube', 'config');
  if (!env['KUBECONFIG'] && !env['KUBERNETES_SERVICE_HOST'] && !existsSync(home)) return undefined;
  kc.loadFromDefault();
  return kc;
}

/** The election identity: the pod name, else host name plus a random suffix. */
export function electionIdentity(env: Env): string {
  return env['POD_NAME'] || `${hostname()}_${randomBytes(4).toString('hex')}`;
}

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** Where the election Lease lives: the flag, $POD_NAMESPACE, the in-cluster service account's
 * namespace, the kubeconfig context's namespace, else `default` (a namespace that always exists, so a
 * manager run from a laptop still elects itself). */
export function electionNamespace(flag: string | undefined, env: Env, kc?: KubeConfig): string {
  if (flag) return flag;
  if (env['POD_NAMESPACE']) return env['POD_NAMESPACE'];
  if (existsSync(SA_NAMESPACE_FILE)) return readFileSync(SA_NAMESPACE_FILE, 'utf8').trim();
  return kc?.getContextObject(kc.getCurrentContext())?.namespace || 'default';
}

/** The agent image: flag, AGENT_IMAGE, the manager container's own image, else the default. */
export async function resolveAgentImage(kc: KubeConfig, flag: string | undefined, env: Env): Promise<string> {
  if (flag) return flag;
  if (env['AGENT_IMAGE']) return env['AGENT_IMAGE'];
  const name = env['POD_NAME'];
  const namespace = env['POD_NAMESPACE'];
  if (!name || !namespace) return DEFAULT_AGENT_IMAGE;
  try {
    const pod = await kc.makeApiClient(CoreV1Api).readNamespacedPod({ name, namespace });
    return pod.spec?.containers.find((c) => c.name === 'manager')?.image ?? DEFAULT_AGENT_IMAGE;
  } catch {
    return DEFAULT_AGENT_IMAGE;
  }
}
