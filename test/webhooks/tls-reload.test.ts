// cert-manager rotates the Secret's files; the next TLS handshake must present the new certificate
// without a restart. A half-written pair must not take the server down.
import t from 'tap';
import { connect, type PeerCertificate } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PATHS } from '../../webhooks/server.ts';
import { seedCluster } from '../api/fixtures.ts';
import { admissionReview, startHarness, writeCert } from './harness.ts';

const h = await startHarness({ certPollIntervalMs: 50 });
t.teardown(() => h.close());

function presented(ca: string): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const s = connect(
      { host: '127.0.0.1', port: h.server.port, servername: 'localhost', ca, rejectUnauthorized: false },
      () => {
        const cert = s.getPeerCertificate();
        s.end();
        resolve(cert);
      },
    );
    s.on('error', reject);
  });
}

const fingerprintOf = (pem: string): string => new X509Certificate(pem).fingerprint256;

async function waitFor(pred: () => Promise<boolean>, what: string): Promise<void> {
  // Bounded by attempts, not by a time assertion: the poll runs every 50ms, 400 tries is ample.
  for (let i = 0; i < 400; i++) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

t.test('replacing tls.crt/tls.key changes the certificate the next handshake presents', async (t) => {
  const first = await presented(h.cert.caPem);
  t.equal(first.fingerprint256, fingerprintOf(h.cert.certPem), 'serves the initial certificate');
  const next = h.renew('rotated');
  writeCert(h.certDir, next);
  await waitFor(
    async () => (await presented(next.caPem)).fingerprint256 === fingerprintOf(next.certPem),
    'the rotated certificate',
  );
  t.equal(h.server.certs.reloads, 1);
  const { json } = await h.post(PATHS.validate, admissionReview(seedCluster()));
  t.equal(json.response.allowed, true, 'still answers (over the kept-alive connection)');
});

t.test('a half-written pair keeps the current certificate and is picked up once complete', async (t) => {
  const current = (await presented(h.cert.caPem)).fingerprint256;
  const next = h.renew('third');
  const rejectedBefore = h.server.certs.rejected;
  writeFileSync(join(h.certDir, 'tls.crt'), next.certPem); // the key still belongs to the old certificate
  // Wait until the watcher has seen the mismatched pair (not for a while): then the old one must still be served.
  await waitFor(async () => h.server.certs.rejected > rejectedBefore, 'the watcher to refuse the mismatched pair');
  t.equal((await presented(h.cert.caPem)).fingerprint256, current, 'mismatched pair ignored');
  writeFileSync(join(h.certDir, 'tls.key'), next.keyPem);
  await waitFor(
    async () => (await presented(next.caPem)).fingerprint256 === fingerprintOf(next.certPem),
    'the completed pair',
  );
  t.pass('completed pair served');
});
