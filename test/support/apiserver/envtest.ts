// Starts etcd + kube-apiserver from $KUBEBUILDER_ASSETS on loopback, as controller-runtime's envtest
// does, with a token file for an admin in system:masters. There is no kube-controller-manager, so
// garbage collection and namespace deletion never complete: the suite skips those checks here.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loopbackCertificate } from '../../../src/util/selfsigned.ts';
import { freePort } from './ports.ts';

export interface EnvtestCluster {
  server: string;
  token: string;
  caPem: string;
  stop(): Promise<void>;
}

export function envtestAssets(dir: string | undefined): { apiserver: string; etcd: string } | undefined {
  if (!dir) return undefined;
  const apiserver = join(dir, 'kube-apiserver');
  const etcd = join(dir, 'etcd');
  return existsSync(apiserver) && existsSync(etcd) ? { apiserver, etcd } : undefined;
}

function ready(port: number, token: string, caPem: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/readyz',
        ca: caPem,
        headers: { authorization: `Bearer ${token}` },
        agent: false,
        timeout: 2000,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGTERM');
    setTimeout(() => p.kill('SIGKILL'), 5000).unref();
  });
}

export async function startEnvtest(assets: { apiserver: string; etcd: string }): Promise<EnvtestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'mro-envtest-'));
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const token = randomBytes(24).toString('base64url');
  const cert = loopbackCertificate();
  writeFileSync(join(dir, 'tls.crt'), cert.certPem);
  writeFileSync(join(dir, 'tls.key'), cert.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin-uid,"system:masters"\n`, { mode: 0o600 });
  execFileSync('openssl', ['genrsa', '-out', join(dir, 'sa.key'), '2048'], { stdio: 'ignore' });
  execFileSync('openssl', ['rsa', '-in', join(dir, 'sa.key'), '-pubout', '-out', join(dir, 'sa.pub')], {
    stdio: 'ignore',
  });
  const etcd = spawn(
    assets.etcd,
    [
      '--data-dir',
      join(dir, 'etcd'),
      '--listen-client-urls',
      `http://127.0.0.1:${etcdPort}`,
      '--advertise-client-urls',
      `http://127.0.0.1:${etcdPort}`,
      '--listen-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${peerPort}`,
      '--initial-cluster',
      `default=http://127.0.0.1:${peerPort}`,
      '--unsafe-no-fsync=true',
    ],
    { stdio: 'ignore' },
  );
  const apiserver = spawn(
    assets.apiserver,
    [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      `--secure-port=${apiPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--tls-cert-file=${join(dir, 'tls.crt')}`,
      `--tls-private-key-file=${join(dir, 'tls.key')}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      `--service-account-issuer=https://127.0.0.1:${apiPort}`,
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--disable-admission-plugins=ServiceAccount',
      '--allow-privileged=true',
    ],
    { stdio: 'ignore' },
  );
  const stop = async () => {
    await stopProcess(apiserver);
    await stopProcess(etcd);
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 120; i++) {
    if (apiserver.exitCode !== null) {
      await stop();
      throw new Error(`kube-apiserver exited with code ${apiserver.exitCode}`);
    }
    if (await ready(apiPort, token, cert.caPem))
      return { server: `https://127.0.0.1:${apiPort}`, token, caPem: cert.caPem, stop };
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error('kube-apiserver did not become ready within 60s');
}
