// The API server a conformance test runs against: a real cluster named by KUBECONFIG_E2E, an envtest
// pair started from KUBEBUILDER_ASSETS, or (by default) the embedded server. Each test file gets its
// own target and a fresh namespace, so files can run in parallel even against a shared cluster.
import './node20-shim.ts';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { startApiServer, type ApiServerOptions, type EmbeddedApiServer } from '../../../src/local/apiserver/server.ts';
import { renderKubeconfig } from '../../../src/local/apiserver/kubeconfig.ts';
import { envtestAssets, startEnvtest } from './envtest.ts';
import { raw, rawWatch, type Credentials } from './raw.ts';
import { eventually } from '../eventually.ts';

export type TargetKind = 'embedded' | 'envtest' | 'external';

export interface Target {
  kind: TargetKind;
  /** Whether kube-controller-manager's work (GC, namespace deletion) happens: not on envtest. */
  controllers: boolean;
  kubeconfigPath: string;
  kc: KubeConfig;
  creds: Credentials;
  embedded?: EmbeddedApiServer;
  raw: (
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
    auth?: boolean,
  ) => ReturnType<typeof raw>;
  rawWatch: (path: string, headers?: Record<string, string>) => ReturnType<typeof rawWatch>;
  /** A fresh namespace, deleted at close. */
  namespace(prefix?: string): Promise<string>;
  /** Polls `fn` until it returns a truthy value. */
  eventually<T>(
    fn: () => Promise<T | undefined | false> | T | undefined | false,
    what: string,
    timeoutMs?: number,
  ): Promise<T>;
  close(): Promise<void>;
}

function credsFrom(kc: KubeConfig): Credentials {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const fromFileOrData = (data?: string, file?: string) =>
    data ? Buffer.from(data, 'base64').toString('utf8') : file ? readFileSync(file, 'utf8') : undefined;
  const c: Credentials = { server: cluster.server };
  const ca = fromFileOrData(cluster.caData, cluster.caFile);
  if (ca) c.caPem = ca;
  if (cluster.skipTLSVerify) c.insecure = true;
  if (user?.token) c.token = user.token;
  const cert = fromFileOrData(user?.certData, user?.certFile);
  const key = fromFileOrData(user?.keyData, user?.keyFile);
  if (cert && key) {
    c.certPem = cert;
    c.keyPem = key;
  }
  return c;
}

export async function startTarget(embeddedOptions: ApiServerOptions = {}): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'mro-conformance-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  let kind: TargetKind;
  let stop: () => Promise<void>;
  let embedded: EmbeddedApiServer | undefined;
  const assets = envtestAssets(process.env['KUBEBUILDER_ASSETS']);
  if (process.env['KUBECONFIG_E2E']) {
    kind = 'external';
    writeFileSync(kubeconfigPath, readFileSync(process.env['KUBECONFIG_E2E']));
    stop = async () => {};
  } else if (assets) {
    kind = 'envtest';
    const cluster = await startEnvtest(assets);
    writeFileSync(
      kubeconfigPath,
      renderKubeconfig({ server: cluster.server, token: cluster.token, caPem: cluster.caPem, name: 'envtest' }),
    );
    stop = cluster.stop;
  } else {
    kind = 'embedded';
    embedded = await startApiServer(embeddedOptions);
    writeFileSync(kubeconfigPath, embedded.kubeconfig());
    stop = () => embedded!.close();
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const creds = credsFrom(kc);
  const namespaces: string[] = [];
  const target: Target = {
    kind,
    controllers: kind !== 'envtest',
    kubeconfigPath,
    kc,
    creds,
    ...(embedded ? { embedded } : {}),
    raw: (method, path, body, headers, auth) => raw(creds, method, path, body, { headers, auth }),
    rawWatch: (path, headers) => rawWatch(creds, path, headers),
    async namespace(prefix = 'conf') {
      const name = `${prefix}-${randomBytes(4).toString('hex')}`;
      const r = await raw(creds, 'POST', '/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name, labels: { 'conformance.example.com/ns': name } },
      });
      if (r.status !== 201) throw new Error(`creating namespace ${name}: ${r.status} ${r.text}`);
      namespaces.push(name);
      return name;
    },
    eventually: (fn, what, timeoutMs = 20_000) => eventually(fn, what, timeoutMs, 100),
    async close() {
      for (const ns of namespaces) await raw(creds, 'DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return target;
}
