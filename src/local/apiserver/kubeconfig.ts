// A kubeconfig that kubectl and @kubernetes/client-node both accept: one cluster (server URL + CA),
// one user (bearer token), one current context.
import { stringify } from 'yaml';

/** What goes into a kubeconfig: server URL, CA (PEM), bearer token, and optional names. */
export interface KubeconfigInput {
  server: string;
  caPem?: string;
  token: string;
  name?: string;
  namespace?: string;
}

/** A kubeconfig YAML with one cluster, one token user and a current context (namespace default unless given). */
export function renderKubeconfig(i: KubeconfigInput): string {
  const name = i.name ?? 'mysql-raft-operator-local';
  const cluster: Record<string, string | boolean> = { server: i.server };
  if (i.caPem) cluster['certificate-authority-data'] = Buffer.from(i.caPem).toString('base64');
  // client-node 2.x refuses http:// servers unless this is set; it changes nothing for plain HTTP.
  if (i.server.startsWith('http://')) cluster['insecure-skip-tls-verify'] = true;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name: `${name}-admin`, user: { token: i.token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: i.namespace ?? 'default' } }],
    'current-context': name,
    preferences: {},
  });
}
