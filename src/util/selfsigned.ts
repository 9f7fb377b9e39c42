// Self-signed CA and serving certificates for local use and tests, made with the openssl CLI (always
// present on Debian) so that no key material is checked in and no extra npm package is needed.
// Production gets its certificates from cert-manager instead.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A CA's certificate and private key, PEM. */
export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
}

/** A serving certificate with its key, and the PEM of the CA that signed it. */
export interface ServingCertificate {
  certPem: string;
  keyPem: string;
  /** PEM of the CA that signed it: what goes into a caBundle (base64) or a client's `ca` option. */
  caPem: string;
}

/**
 * What a serving certificate is for: subject CN, SANs (at least one DNS name or IP) and days of validity (default 365).
 */
export interface ServingCertificateRequest {
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  days?: number;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function withScratch<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'mro-tls-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A new self-signed EC P-256 CA, valid for `days`. Needs the openssl binary; throws if it fails. */
export function createCertificateAuthority(
  commonName = 'mysql-raft-operator-dev-ca',
  days = 365,
): CertificateAuthority {
  return withScratch((dir) => {
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        'ca.key',
        '-out',
        'ca.crt',
        '-days',
        String(days),
        '-subj',
        `/CN=${commonName}`,
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      dir,
    );
    return { certPem: readFileSync(join(dir, 'ca.crt'), 'utf8'), keyPem: readFileSync(join(dir, 'ca.key'), 'utf8') };
  });
}

/**
 * A serving and client EC P-256 certificate signed by `ca`. Throws when neither DNS names nor IPs are given, or when
 * openssl fails.
 */
export function issueServingCertificate(ca: CertificateAuthority, req: ServingCertificateRequest): ServingCertificate {
  const sans = [...(req.dnsNames ?? []).map((d) => `DNS:${d}`), ...(req.ipAddresses ?? []).map((ip) => `IP:${ip}`)];
  if (sans.length === 0)
    throw new Error('issueServingCertificate: at least one of dnsNames or ipAddresses is required');
  return withScratch((dir) => {
    writeFileSync(join(dir, 'ca.crt'), ca.certPem);
    writeFileSync(join(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
    writeFileSync(
      join(dir, 'ext.cnf'),
      [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth,clientAuth',
        `subjectAltName=${sans.join(',')}`,
      ].join('\n') + '\n',
    );
    openssl(
      [
        'req',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        'tls.key',
        '-out',
        'tls.csr',
        '-subj',
        `/CN=${req.commonName}`,
      ],
      dir,
    );
    openssl(
      [
        'x509',
        '-req',
        '-in',
        'tls.csr',
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        'tls.crt',
        '-days',
        String(req.days ?? 365),
        '-extfile',
        'ext.cnf',
      ],
      dir,
    );
    return {
      certPem: readFileSync(join(dir, 'tls.crt'), 'utf8'),
      keyPem: readFileSync(join(dir, 'tls.key'), 'utf8'),
      caPem: ca.certPem,
    };
  });
}

/** CA plus one serving certificate for loopback: the common case in tests and `local`. */
export function loopbackCertificate(commonName = 'localhost'): ServingCertificate {
  return issueServingCertificate(createCertificateAuthority(), {
    commonName,
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '::1'],
  });
}
