import t from 'tap';
import { createServer } from 'node:https';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCertificateAuthority, issueServingCertificate, loopbackCertificate } from '../src/util/selfsigned.ts';

t.test('a loopback certificate is trusted by a client holding its CA, and not by one without it', async (t) => {
  const cert = loopbackCertificate();
  const server = createServer({ cert: cert.certPem, key: cert.keyPem }, (_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const get = (ca?: string) =>
    new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/', ca, agent: false }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
  t.equal(await get(cert.caPem), 'ok');
  await t.rejects(get(createCertificateAuthority().certPem), /self[- ]signed|unable to verify|certificate/i);
});

t.test('a serving certificate needs at least one subject alternative name', async (t) => {
  t.throws(() => issueServingCertificate(createCertificateAuthority(), { commonName: 'x' }), /dnsNames or ipAddresses/);
});
