// The webhook HTTPS server: express routes for mutate, validate and convert, body limits, and TLS that
// follows --cert-dir. Paths follow kubebuilder's convention so the manifests look familiar.
import express, { type NextFunction, type Request, type Response } from 'express';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import {
  BadReviewError,
  parseAdmissionReview,
  review,
  type AdmissionRequest,
  type AdmissionResponse,
} from './admission-review.ts';
import { handleConvert } from './convert-handler.ts';
import { createWebhookMetrics, type WebhookMetrics, type WebhookName, type WebhookResult } from './metrics.ts';
import { handleMutate } from './mutate-handler.ts';
import { CertWatcher, loadKeyPair } from './tls.ts';
import { handleValidate } from './validate-handler.ts';

/** The URL path of each webhook (kubebuilder's convention). */
export const PATHS = {
  mutate: '/mutate-apps-ryansu-com-v1-mysqlcluster',
  validate: '/validate-apps-ryansu-com-v1-mysqlcluster',
  convert: '/convert',
} as const;
/** The admission webhooks' names in their configurations. */
export const WEBHOOK_NAMES = {
  mutate: 'mmysqlcluster.apps.ryansu.com',
  validate: 'vmysqlcluster.apps.ryansu.com',
} as const;
/** Largest body accepted: an object and its oldObject, each under etcd's 1.5 MiB. */
export const MAX_BODY = '3mb';

/** Where the webhook server listens and finds its certificate, its logger and metrics registry. */
export interface WebhookServerOptions {
  certDir: string;
  port: number;
  host?: string;
  logger: Logger;
  registry?: Registry;
  certPollIntervalMs?: number;
}

/** A running webhook server: its port, its certificate watcher, and close(). */
export interface WebhookServer {
  server: Server;
  port: number;
  certs: CertWatcher;
  close(): Promise<void>;
}

function resultOf(res: AdmissionResponse): WebhookResult {
  return res.patch ? 'patched' : res.allowed ? 'allowed' : 'denied';
}

/**
 * The express app of the three webhooks. A bad request gets a 4xx with a reason; a 500 only for a bug, and the app
 * keeps serving.
 */
export function createWebhookApp(logger: Logger, metrics: WebhookMetrics): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const admission =
    (name: WebhookName, handle: (req: AdmissionRequest) => AdmissionResponse) => (req: Request, res: Response) => {
      const end = metrics.duration.startTimer({ webhook: name });
      const ar = parseAdmissionReview(req.body);
      const answer = handle(ar);
      metrics.requests.inc({ webhook: name, result: resultOf(answer) });
      if (!answer.allowed)
        logger.info(
          { webhook: name, uid: ar.uid, name: ar.name, namespace: ar.namespace, reason: answer.status?.message },
          'admission denied',
        );
      res.json(review(answer));
      end();
    };
  const requireJson = (req: Request, res: Response, next: NextFunction) => {
    if (!req.is('application/json')) {
      res.status(415).json({
        error: `Content-Type must be application/json, got ${JSON.stringify(req.headers['content-type'] ?? '')}`,
      });
      return;
    }
    next();
  };
  const json = express.json({ limit: MAX_BODY, strict: false });
  app.post(PATHS.mutate, requireJson, json, admission('mutate', handleMutate));
  app.post(PATHS.validate, requireJson, json, admission('validate', handleValidate));
  app.post(PATHS.convert, requireJson, json, (req: Request, res: Response) => {
    const end = metrics.duration.startTimer({ webhook: 'convert' });
    const answer = handleConvert(req.body);
    metrics.requests.inc({
      webhook: 'convert',
      result: answer.response.result.status === 'Success' ? 'converted' : 'failure',
    });
    res.json(answer);
    end();
  });
  app.use((req: Request, res: Response) => {
    res
      .status(404)
      .json({ error: `no webhook at ${req.method} ${req.path}; POST to ${Object.values(PATHS).join(', ')}` });
  });
  // Every error becomes a 4xx with a reason; a 500 only for a genuine bug, and the server keeps serving.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    const webhook = (Object.entries(PATHS).find(([, p]) => p === req.path)?.[0] ?? 'validate') as WebhookName;
    let status = 500;
    let error = 'internal error';
    if (err instanceof BadReviewError) {
      status = 400;
      error = err.message;
    } else if (e.type === 'entity.too.large') {
      status = 413;
      error = `body larger than ${MAX_BODY}`;
    } else if (e.type === 'entity.parse.failed') {
      status = 400;
      error = `body is not valid JSON: ${e.message ?? ''}`;
    } else if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      status = e.status;
      error = e.message ?? 'bad request';
    } else logger.error({ err }, 'webhook handler failed');
    metrics.requests.inc({ webhook, result: status === 500 ? 'failure' : 'bad_request' });
    if (!res.headersSent) res.status(status).json({ error });
  });
  return app;
}

/**
 * Starts the HTTPS webhook server (TLS 1.2+) with the key pair from certDir, reloaded when it changes; resolves once it
 * listens. Throws CertificateLoadError when the pair cannot be loaded.
 */
export async function startWebhookServer(opts: WebhookServerOptions): Promise<WebhookServer> {
  const pair = await loadKeyPair(opts.certDir);
  const metrics = createWebhookMetrics(opts.registry ?? new Registry());
  const app = createWebhookApp(opts.logger, metrics);
  const server = createServer({ ...pair, minVersion: 'TLSv1.2' }, app);
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;
  const certs = new CertWatcher(
    {
      certDir: opts.certDir,
      logger: opts.logger,
      pollIntervalMs: opts.certPollIntervalMs,
      onChange: (p) => server.setSecureContext({ ...p, minVersion: 'TLSv1.2' }),
    },
    pair,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  certs.start();
  const port = (server.address() as AddressInfo).port;
  opts.logger.info({ port, certDir: opts.certDir }, 'webhook server listening');
  return {
    server,
    port,
    certs,
    close: () =>
      new Promise<void>((resolve) => {
        certs.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
