// Serving certificate from --cert-dir, reloaded when cert-manager (or anyone) replaces the files.
// cert-manager's Secret volume swaps a `..data` symlink atomically, which fs.watch reports unreliably, so
// a cheap poll of the file contents backs the watch up. A half-written pair is ignored (the old
// certificate keeps serving) and retried on the next tick.
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { join } from 'node:path';
import type { Logger } from 'pino';

/** A PEM certificate and its private key. */
export interface KeyPair {
  cert: string;
  key: string;
}

/** tls.crt/tls.key in certDir are missing or not a matching pair; the message says how to provide them. */
export class CertificateLoadError extends Error {
  constructor(
    readonly certDir: string,
    cause: unknown,
  ) {
    super(
      `cannot load tls.crt/tls.key from ${certDir}: ${(cause as Error).message} ` +
        "(in a cluster, cert-manager's Secret is mounted there; for a local run, `npm run gen:certs -- --out DIR` writes a self-signed pair)",
    );
    this.name = 'CertificateLoadError';
  }
}

/** The key pair in certDir, checked to match; CertificateLoadError otherwise. */
export async function loadKeyPair(certDir: string): Promise<KeyPair> {
  try {
    const [cert, key] = await Promise.all([
      readFile(join(certDir, 'tls.crt'), 'utf8'),
      readFile(join(certDir, 'tls.key'), 'utf8'),
    ]);
    createSecureContext({ cert, key }); // throws on a mismatched or truncated pair
    return { cert, key };
  } catch (e) {
    throw new CertificateLoadError(certDir, e);
  }
}

/** What the certificate watcher watches and whom it tells. */
export interface CertWatcherOptions {
  certDir: string;
  onChange: (pair: KeyPair) => void;
  logger: Logger;
  pollIntervalMs?: number;
}

/** Calls onChange with each new valid key pair until close(). */
export class CertWatcher {
  private current: string;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private checking = false;
  /** Pairs taken over. */
  reloads = 0;
  /** Checks that found an unusable pair (half-written, mismatched) and kept the current one. */
  rejected = 0;

  constructor(
    private readonly opts: CertWatcherOptions,
    initial: KeyPair,
  ) {
    this.current = initial.cert + initial.key;
  }

  start(): void {
    this.timer = setInterval(() => void this.check(), this.opts.pollIntervalMs ?? 2000);
    this.timer.unref();
    try {
      this.watcher = watch(this.opts.certDir, () => void this.check());
      this.watcher.on('error', () => {
        /* the poll still runs */
      });
    } catch {
      /* directory watch unsupported: the poll still runs */
    }
  }

  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const pair = await loadKeyPair(this.opts.certDir);
      if (pair.cert + pair.key !== this.current) {
        this.current = pair.cert + pair.key;
        this.reloads++;
        this.opts.onChange(pair);
        this.opts.logger.info({ certDir: this.opts.certDir }, 'serving certificate reloaded');
      }
    } catch (e) {
      this.rejected++;
      this.opts.logger.warn({ err: (e as Error).message }, 'serving certificate not reloaded; keeping the current one');
    } finally {
      this.checking = false;
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.watcher?.close();
  }
}
