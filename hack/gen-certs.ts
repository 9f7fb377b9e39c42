// Self-signed CA and webhook serving certificate for the `dev` overlay and local runs. Prints the
// caBundle (base64 of the CA PEM) as its last line. Keeps an existing CA so the caBundle stays stable.
//   npx tsx hack/gen-certs.ts [--out DIR] [--service NAME] [--namespace NS] [--force]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createCertificateAuthority,
  issueServingCertificate,
  type CertificateAuthority,
} from '../src/util/selfsigned.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join(root, 'kustomize', 'overlays', 'dev', 'certs-made-by-npm-run-gen-certs') },
    service: { type: 'string', default: 'mysql-operator-webhook-service' },
    namespace: { type: 'string', default: 'mysql-operator-system' },
    force: { type: 'boolean', default: false },
  },
});
const out = resolve(values.out);
mkdirSync(out, { recursive: true });

const caPath = join(out, 'ca.crt');
const caKeyPath = join(out, 'ca.key');
let ca: CertificateAuthority;
if (!values.force && existsSync(caPath) && existsSync(caKeyPath)) {
  ca = { certPem: readFileSync(caPath, 'utf8'), keyPem: readFileSync(caKeyPath, 'utf8') };
} else {
  ca = createCertificateAuthority('mysql-raft-operator-dev-ca', 3650);
  writeFileSync(caPath, ca.certPem);
  writeFileSync(caKeyPath, ca.keyPem, { mode: 0o600 });
}
const svc = `${values.service}.${values.namespace}.svc`;
const cert = issueServingCertificate(ca, {
  commonName: svc,
  dnsNames: [svc, `${svc}.cluster.local`, 'localhost'],
  ipAddresses: ['127.0.0.1'],
  days: 365,
});
writeFileSync(join(out, 'tls.crt'), cert.certPem);
writeFileSync(join(out, 'tls.key'), cert.keyPem, { mode: 0o600 });
process.stderr.write(`wrote ${out}/{ca.crt,ca.key,tls.crt,tls.key} for ${svc}\n`);
process.stdout.write(`${Buffer.from(ca.certPem).toString('base64')}\n`);
