// Calls an admission or conversion webhook the way kube-apiserver does: HTTPS POST of a JSON review,
// server certificate verified against the configuration's caBundle (system roots when absent), and a
// hard timeout. A `service` reference is resolved through an injectable resolver because there is no
// cluster network here.
import { request } from 'node:https';

/** A webhook's clientConfig: a URL, or a Service reference, and the CA bundle (base64 PEM). */
export interface ClientConfig {
  url?: string;
  service?: { namespace: string; name: string; path?: string; port?: number };
  caBundle?: string;
}

/** Maps a Service reference to a loopback URL; the default refuses (no cluster DNS locally). */
export type ServiceResolver = (svc: { namespace: string; name: string; port: number }) => URL | undefined;

/** A webhook could not be called or answered badly; the message says why. */
export class WebhookCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookCallError';
  }
}

/** The https URL to call; WebhookCallError for a non-https URL, an unresolvable Service, or neither. */
export function webhookUrl(cc: ClientConfig, resolve: ServiceResolver | undefined): URL {
  if (cc.url) {
    const u = new URL(cc.url);
    if (u.protocol !== 'https:') throw new WebhookCallError(`webhook URL must use https: ${cc.url}`);
    return u;
  }
  if (cc.service) {
    const port = cc.service.port ?? 443;
    const base = resolve?.({ namespace: cc.service.namespace, name: cc.service.name, port });
    if (!base)
      throw new WebhookCallError(
        `service "${cc.service.namespace}/${cc.service.name}" cannot be resolved by the embedded API server; use clientConfig.url or configure a service resolver`,
      );
    return new URL(cc.service.path ?? '/', base);
  }
  throw new WebhookCallError('clientConfig has neither url nor service');
}

/** The name a Service-referenced webhook's certificate is checked against, as kube-apiserver does. */
export function serviceServerName(service: { namespace: string; name: string } | undefined): string | undefined {
  return service ? `${service.name}.${service.namespace}.svc` : undefined;
}

/**
 * POSTs `body` as JSON over HTTPS verifying the server against `caBundle`, and resolves to the parsed JSON answer.
 * Rejects with WebhookCallError on a status >= 300, a timeout, bad JSON or a connection failure.
 */
export function postJson(
  url: URL,
  body: unknown,
  caBundle: string | undefined,
  timeoutMs: number,
  serverName?: string,
): Promise<unknown> {
  const payload = Buffer.from(JSON.stringify(body));
  const ca = caBundle ? Buffer.from(caBundle, 'base64').toString('utf8') : undefined;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        protocol: 'https:',
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || 443,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        agent: false,
        ...(ca ? { ca } : {}),
        ...(serverName ? { servername: serverName } : {}),
        headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': payload.length },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300) {
            reject(new WebhookCallError(`the server responded with status ${res.statusCode}: ${text.slice(0, 200)}`));
            return;
          }
          try {
            resolve(JSON.parse(text));
          } catch {
            reject(new WebhookCallError(`the response body is not JSON: ${text.slice(0, 200)}`));
          }
        });
        res.on('error', (e) => reject(new WebhookCallError(e.message)));
      },
    );
    req.on('timeout', () => req.destroy(new WebhookCallError(`Post "${url.href}": context deadline exceeded`)));
    req.on('error', (e) =>
      reject(e instanceof WebhookCallError ? e : new WebhookCallError(`Post "${url.href}": ${e.message}`)),
    );
    req.end(payload);
  });
}
