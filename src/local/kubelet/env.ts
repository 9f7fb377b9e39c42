// A container's environment as the kubelet builds it: env (with $(VAR) expansion), valueFrom
// (fieldRef, resourceFieldRef, secretKeyRef, configMapKeyRef) and envFrom, on top of what every local
// container gets: the kubeconfig of the API server (KUBECONFIG, since there is no service-account token
// at /var/run/secrets here) and, so that "localhost" clients reach the pod's own mysqld,
// MYSQL_HOST=<pod IP> and MYSQL_UNIX_PORT=<the pod's mysqld socket>. A missing Secret or ConfigMap key
// is CreateContainerConfigError, as on a node.
import type { Obj } from './client.ts';
import type { PathMap } from './paths.ts';

/** What the environment is built from. */
export interface EnvSources {
  pod: Obj;
  secret(ns: string, name: string): Obj | undefined;
  configMap(ns: string, name: string): Obj | undefined;
  base: Record<string, string>;
  paths: PathMap;
}

/** The container cannot be configured (reason CreateContainerConfigError). */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

/** The value of a downward-API fieldRef path (env and files share it). */
export function fieldValue(pod: Obj, path: string): string {
  const m = pod['metadata'];
  const sel = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (sel) return String(m[sel[1]!]?.[sel[2]!] ?? '');
  switch (path) {
    case 'metadata.name':
      return m['name'];
    case 'metadata.namespace':
      return m['namespace'];
    case 'metadata.uid':
      return m['uid'];
    case 'spec.nodeName':
      return pod['spec']['nodeName'] ?? '';
    case 'spec.serviceAccountName':
      return pod['spec']['serviceAccountName'] ?? 'default';
    case 'status.podIP':
    case 'status.podIPs':
      return pod['status']?.['podIP'] ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return pod['status']?.['hostIP'] ?? '';
    default:
      throw new ContainerConfigError(`unsupported fieldRef path "${path}"`);
  }
}

function keyRef(src: EnvSources, kind: 'secret' | 'configMap', ref: Obj): string | undefined {
  const ns = src.pod['metadata']['namespace'];
  const obj = kind === 'secret' ? src.secret(ns, ref['name']) : src.configMap(ns, ref['name']);
  const label = kind === 'secret' ? 'secret' : 'configmap';
  if (!obj) {
    if (ref['optional']) return undefined;
    throw new ContainerConfigError(`${label} "${ref['name']}" not found`);
  }
  const key = String(ref['key']);
  if (kind === 'secret' && obj['data']?.[key] !== undefined)
    return Buffer.from(obj['data'][key], 'base64').toString('utf8');
  if (kind === 'configMap' && obj['data']?.[key] !== undefined) return String(obj['data'][key]);
  if (ref['optional']) return undefined;
  throw new ContainerConfigError(
    `couldn't find key ${key} in ${kind === 'secret' ? 'Secret' : 'ConfigMap'} ${ns}/${ref['name']}`,
  );
}

function valueFrom(src: EnvSources, from: Obj): string | undefined {
  if (from['fieldRef']) return fieldValue(src.pod, String(from['fieldRef']['fieldPath']));
  if (from['resourceFieldRef']) return '0';
  if (from['secretKeyRef']) return keyRef(src, 'secret', from['secretKeyRef']);
  if (from['configMapKeyRef']) return keyRef(src, 'configMap', from['configMapKeyRef']);
  return '';
}

/** $(VAR) expansion as Kubernetes does it: known names expand, $$ escapes, unknown stay literal. */
export function expand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, name: string | undefined) =>
    name === undefined ? '$' : (env[name] ?? all),
  );
}

function envFrom(src: EnvSources, entries: Obj[], env: Record<string, string>): void {
  const ns = src.pod['metadata']['namespace'];
  for (const e of entries) {
    const ref = e['secretRef'] ?? e['configMapRef'];
    if (!ref) continue;
    const isSecret = Boolean(e['secretRef']);
    const obj = isSecret ? src.secret(ns, ref['name']) : src.configMap(ns, ref['name']);
    if (!obj) {
      if (ref['optional']) continue;
      throw new ContainerConfigError(`${isSecret ? 'secret' : 'configmap'} "${ref['name']}" not found`);
    }
    for (const [k, v] of Object.entries((obj['data'] ?? {}) as Record<string, string>))
      env[`${e['prefix'] ?? ''}${k}`] = isSecret ? Buffer.from(v, 'base64').toString('utf8') : v;
  }
}

/** The container with `$(VAR)` in command and args expanded from its environment, as the kubelet does
 * before starting it (probe, hook and exec commands are not expanded, as in Kubernetes). */
export function expandCommand(container: Obj, env: Record<string, string>): Obj {
  const out: Obj = { ...container };
  for (const k of ['command', 'args'] as const)
    if (Array.isArray(container[k])) out[k] = (container[k] as unknown[]).map((s) => expand(String(s), env));
  return out;
}

/** The full environment of one container. */
export function containerEnv(src: EnvSources, container: Obj): Record<string, string> {
  const env: Record<string, string> = { ...src.base };
  envFrom(src, (container['envFrom'] ?? []) as Obj[], env);
  for (const e of (container['env'] ?? []) as Obj[]) {
    const v = e['valueFrom'] ? valueFrom(src, e['valueFrom']) : expand(String(e['value'] ?? ''), env);
    if (v !== undefined) env[String(e['name'])] = src.paths.rewrite(v);
  }
  return env;
}
