// An embedded API server reached through a fault-injecting TCP proxy, with a client-node KubeConfig.
import { KubeConfig, CoreV1Api } from '@kubernetes/client-node';
import { startApiServer, type ApiServerOptions, type EmbeddedApiServer } from '../../src/local/apiserver/server.ts';
import { renderKubeconfig } from '../../src/local/apiserver/kubeconfig.ts';
import { TcpProxy } from './tcp-proxy.ts';
import { envtestAssets, startEnvtest } from './apiserver/envtest.ts';

/** The server side a fixture needs: the embedded server, or a real one started as envtest does. */
export interface ServerHandle {
  url: string;
  host: string;
  port: number;
  token: string;
  caPem: string | undefined;
  close(): Promise<void>;
}

export interface KubeFixture {
  server: ServerHandle;
  /** True when KUBEBUILDER_ASSETS put a real kube-apiserver behind this fixture. */
  real: boolean;
  proxy: TcpProxy;
  /** Talks to the server through the proxy. */
  kc: KubeConfig;
  /** Talks to the server directly: the test's own view, unaffected by proxy faults. */
  direct: KubeConfig;
  core: CoreV1Api;
  close(): Promise<void>;
}

/** Embedded-only options (history size, bookmarks, plain HTTP) make a test embedded-only: on a real
 * server such a test must be skipped by the caller, which `needsEmbedded` tells. */
export function realServerAssets(): { apiserver: string; etcd: string } | undefined {
  return envtestAssets(process.env['KUBEBUILDER_ASSETS']);
}

async function startServer(options: ApiServerOptions): Promise<{ server: ServerHandle; real: boolean }> {
  const assets = realServerAssets();
  if (assets && Object.keys(options).length === 0) {
    const c = await startEnvtest(assets);
    const u = new URL(c.server);
    return {
      real: true,
      server: { url: c.server, host: u.hostname, port: Number(u.port), token: c.token, caPem: c.caPem, close: c.stop },
    };
  }
  const e: EmbeddedApiServer = await startApiServer(options);
  return { real: false, server: e };
}

export async function startKube(options: ApiServerOptions = {}): Promise<KubeFixture> {
  const { server, real } = await startServer(options);
  const proxy = new TcpProxy(server.host, server.port);
  await proxy.start();
  const load = (url: string) => {
    const kc = new KubeConfig();
    if (url.startsWith('https')) {
      kc.loadFromString(
        renderKubeconfig({ server: url, token: server.token, ...(server.caPem ? { caPem: server.caPem } : {}) }),
      );
    } else {
      // client-node refuses plain HTTP unless told; plain HTTP lets the proxy see requests.
      kc.loadFromOptions({
        clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
        users: [{ name: 'u', token: server.token }],
        contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
        currentContext: 'x',
      });
    }
    return kc;
  };
  const scheme = server.url.startsWith('https') ? 'https' : 'http';
  const kc = load(`${scheme}://127.0.0.1:${proxy.port}`);
  const direct = load(server.url);
  return {
    server,
    real,
    proxy,
    kc,
    direct,
    core: direct.makeApiClient(CoreV1Api),
    async close() {
      await proxy.close();
      await server.close();
    },
  };
}

export { eventually } from './eventually.ts';
