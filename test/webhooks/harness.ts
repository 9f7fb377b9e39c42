// A real webhook server on 127.0.0.1:<free port> with a throwaway CA, and an HTTPS client that trusts it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/util/log.ts';
import {
  createCertificateAuthority,
  issueServingCertificate,
  type CertificateAuthority,
  type ServingCertificate,
} from '../../src/util/selfsigned.ts';
import { startWebhookServer, type WebhookServer } from '../../webhooks/server.ts';

export interface Harness {
  server: WebhookServer;
  certDir: string;
  cert: ServingCertificate;
  ca: CertificateAuthority;
  /** A new serving certificate from the same CA, as cert-manager renews. */
  renew(commonName: string): ServingCertificate;
  agent: Agent;
  post(
    path: string,
    body: unknown,
    opts?: { contentType?: string; raw?: string | Buffer },
  ): Promise<{ status: number; json: any; text: string }>;
  close(): Promise<void>;
}

export function writeCert(dir: string, cert: ServingCertificate): void {
  writeFileSync(join(dir, 'tls.crt'), cert.certPem);
  writeFileSync(join(dir, 'tls.key'), cert.keyPem, { mode: 0o600 });
}

export async function startHarness(opts: { certPollIntervalMs?: number } = {}): Promise<Harness> {
  const certDir = mkdtempSync(join(tmpdir(), 'mro-webhook-'));
  const ca = createCertificateAuthority();
  const renew = (commonName: string) =>
    issueServingCertificate(ca, { commonName, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const cert = renew('localhost');
  writeCert(certDir, cert);
  const server = await startWebhookServer({
    certDir,
    port: 0,
    host: '127.0.0.1',
    logger: silentLogger(),
    certPollIntervalMs: opts.certPollIntervalMs ?? 100,
  });
  const agent = new Agent({ keepAlive: true, ca: cert.caPem });
  const post: Harness['post'] = (path, body, o = {}) =>
    new Promise((resolve, reject) => {
      const payload = o.raw ?? JSON.stringify(body);
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          path,
          method: 'POST',
          agent,
          servername: 'localhost',
          headers: {
            'content-type': o.contentType ?? 'application/json',
            'content-length': Buffer.byteLength(payload),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, json, text });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return {
    server,
    certDir,
    cert,
    ca,
    renew,
    agent,
    post,
    close: async () => {
      agent.destroy();
      await server.close();
      rmSync(certDir, { recursive: true, force: true });
    },
  };
}

let uidCounter = 0;
export function admissionReview(
  object: unknown,
  opts: {
    operation?: string;
    oldObject?: unknown;
    version?: string;
    kind?: Record<string, string>;
    subResource?: string;
  } = {},
) {
  const version = opts.version ?? 'v1';
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `uid-${++uidCounter}`,
      kind: opts.kind ?? { group: 'apps.ryansu.com', version, kind: 'MysqlCluster' },
      resource: { group: 'apps.ryansu.com', version, resource: 'mysqlclusters' },
      ...(opts.subResource ? { subResource: opts.subResource } : {}),
      name: (object as { metadata?: { name?: string } })?.metadata?.name,
      namespace: 'default',
      operation: opts.operation ?? 'CREATE',
      userInfo: { username: 'kubernetes-admin' },
      object,
      oldObject: opts.oldObject ?? null,
      dryRun: false,
    },
  };
}
