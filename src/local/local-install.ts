// Installs what the operator needs into the API server `local` runs: the CRD (from crds/, with the
// conversion webhook pointing at the in-process manager) and the admission webhook configurations of
// kustomize/base/webhooks.yaml, rewritten from a Service reference to https://127.0.0.1:PORT with the
// manager's CA. Create-or-update, so a restart refreshes the port and CA.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.ts';

import { parseAllDocuments } from 'yaml';
import type { KubeClient, Obj } from './kubelet/client.ts';
import { isNotFound, restPath } from './kubelet/client.ts';

const ROOT = packageRoot();

function docs(path: string): Obj[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((d) => d.toJSON() as Obj)
    .filter(Boolean);
}

async function upsert(client: KubeClient, collection: string, obj: Obj): Promise<void> {
  const path = `${collection}/${encodeURIComponent(obj['metadata']['name'])}`;
  try {
    const cur = await client.get(path);
    await client.update(path, {
      ...obj,
      metadata: { ...obj['metadata'], resourceVersion: cur['metadata']['resourceVersion'] },
    });
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await client.create(collection, obj);
  }
}

function clientConfig(port: number, path: string, caPem: string): Obj {
  return { url: `https://127.0.0.1:${port}${path}`, caBundle: Buffer.from(caPem).toString('base64') };
}

/** The CRD with its conversion webhook at the local manager. */
export async function installCrd(client: KubeClient, webhookPort: number, caPem: string): Promise<void> {
  for (const crd of docs(join(ROOT, 'crds', 'apps.ryansu.com_mysqlclusters.yaml'))) {
    if (crd['kind'] !== 'CustomResourceDefinition') continue;
    crd['spec']['conversion'] = {
      strategy: 'Webhook',
      webhook: { conversionReviewVersions: ['v1'], clientConfig: clientConfig(webhookPort, '/convert', caPem) },
    };
    await upsert(client, restPath('apiextensions.k8s.io/v1', 'customresourcedefinitions'), crd);
  }
}

/** The mutating and validating webhook configurations, pointing at the local manager. */
export async function installWebhooks(client: KubeClient, webhookPort: number, caPem: string): Promise<void> {
  for (const cfg of docs(join(ROOT, 'kustomize', 'base', 'webhooks.yaml'))) {
    for (const h of (cfg['webhooks'] ?? []) as Obj[])
      h['clientConfig'] = clientConfig(webhookPort, String(h['clientConfig']?.['service']?.['path'] ?? '/'), caPem);
    const plural =
      cfg['kind'] === 'MutatingWebhookConfiguration'
        ? 'mutatingwebhookconfigurations'
        : 'validatingwebhookconfigurations';
    await upsert(client, restPath('admissionregistration.k8s.io/v1', plural), cfg);
  }
}

/** Resolves when the CRD is Established. */
export async function crdEstablished(client: KubeClient, name: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const crd = await client.get(restPath('apiextensions.k8s.io/v1', 'customresourcedefinitions', { name }));
    if (
      ((crd['status']?.['conditions'] ?? []) as Obj[]).some(
        (c) => c['type'] === 'Established' && c['status'] === 'True',
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`CRD ${name} not Established within ${timeoutMs} ms`);
}
