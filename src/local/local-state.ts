// What `local` keeps in its data directory so that a restart on the same directory comes back as the
// same cluster: the API server's objects (apiserver.json), its token, port and serving certificate
// (so DIR/kubeconfig stays valid), and the webhook certificate. Pods' volumes live beside them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loopbackCertificate, type ServingCertificate } from '../util/selfsigned.ts';

/** The identity of the embedded API server across restarts. */
export interface ServerIdentity {
  token: string;
  port: number;
  tls: ServingCertificate;
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The saved identity, or a fresh one (port 0 = any). */
export function loadIdentity(dir: string): ServerIdentity {
  mkdirSync(dir, { recursive: true });
  const saved = readJson<ServerIdentity>(join(dir, 'apiserver-identity.json'));
  if (saved?.token && saved.tls?.certPem) return saved;
  return { token: randomBytes(24).toString('base64url'), port: 0, tls: loopbackCertificate('mysql-raft-local') };
}

/** Keeps the API server's identity (token, port, certificate) for the next start, readable by the owner only. */
export function saveIdentity(dir: string, id: ServerIdentity): void {
  writeFileSync(join(dir, 'apiserver-identity.json'), JSON.stringify(id), { mode: 0o600 });
}

/** The webhook serving certificate in DIR/webhook-certs (tls.crt, tls.key, ca.crt), made once. */
export function webhookCertDir(dir: string): { certDir: string; caPem: string } {
  const certDir = join(dir, 'webhook-certs');
  if (!existsSync(join(certDir, 'tls.crt'))) {
    const c = loopbackCertificate('mysql-raft-operator-webhook');
    mkdirSync(certDir, { recursive: true });
    writeFileSync(join(certDir, 'tls.crt'), c.certPem);
    writeFileSync(join(certDir, 'tls.key'), c.keyPem, { mode: 0o600 });
    writeFileSync(join(certDir, 'ca.crt'), c.caPem);
  }
  return { certDir, caPem: readFileSync(join(certDir, 'ca.crt'), 'utf8') };
}
