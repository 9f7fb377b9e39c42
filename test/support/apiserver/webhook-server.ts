// A small HTTPS webhook server for the conformance suite: admission (AdmissionReview v1) and
// conversion (ConversionReview v1) handlers per path, every review recorded for assertions.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { loopbackCertificate } from '../../../src/util/selfsigned.ts';

export type Review = Record<string, any>;
export type Handler = (review: Review) => Promise<Review | undefined> | Review | undefined;

export interface WebhookServer {
  url: string;
  /** base64 PEM of the CA that signed the server certificate: what caBundle holds. */
  caBundle: string;
  received: { path: string; review: Review }[];
  route(path: string, h: Handler): void;
  close(): Promise<void>;
}

export async function startWebhookServer(): Promise<WebhookServer> {
  const cert = loopbackCertificate();
  const routes = new Map<string, Handler>();
  const received: { path: string; review: Review }[] = [];
  const server: Server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (text += d));
    req.on('end', async () => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      const h = routes.get(path);
      if (!h) {
        res.writeHead(404).end('no such webhook');
        return;
      }
      try {
        const review = JSON.parse(text) as Review;
        received.push({ path, review });
        const out = await h(review);
        if (!out) {
          res.destroy();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
      } catch (e) {
        res.writeHead(500).end(String(e));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    caBundle: Buffer.from(cert.caPem).toString('base64'),
    received,
    route: (path, h) => routes.set(path, h),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function admissionResponse(review: Review, response: Record<string, unknown>): Review {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: review['request']['uid'], ...response },
  };
}

export function jsonPatch(ops: unknown[]): { patchType: 'JSONPatch'; patch: string } {
  return { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') };
}

/** Widget conversion: v1 has spec.size, v2 has spec.flavor.size; everything else carries over. */
export function convertWidget(review: Review): Review {
  const { uid, desiredAPIVersion, objects } = review['request'];
  const convertedObjects = (objects as Review[]).map((o) => {
    const out = structuredClone(o);
    out['apiVersion'] = desiredAPIVersion;
    const spec = { ...(out['spec'] ?? {}) };
    if (desiredAPIVersion.endsWith('/v2')) {
      if (spec['size'] !== undefined) spec['flavor'] = { size: spec['size'] };
      delete spec['size'];
    } else {
      if (spec['flavor']?.['size'] !== undefined) spec['size'] = spec['flavor']['size'];
      delete spec['flavor'];
    }
    out['spec'] = spec;
    return out;
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    response: { uid, convertedObjects, result: { status: 'Success' } },
  };
}
