// Webhook request metrics, registered on the manager's registry (never the global one, so tests and
// several servers in one process do not collide).
import { Counter, Histogram, type Registry } from 'prom-client';

/** The webhooks, as metric labels. */
export type WebhookName = 'mutate' | 'validate' | 'convert';
/** How a webhook request ended, as a metric label. */
export type WebhookResult = 'allowed' | 'denied' | 'patched' | 'converted' | 'failure' | 'bad_request';

/** Webhook request counts by result and answer times. */
export interface WebhookMetrics {
  requests: Counter<'webhook' | 'result'>;
  duration: Histogram<'webhook'>;
}

/** The webhook metrics, registered in `registry` (names mysql_operator_webhook_*); throws if they already are. */
export function createWebhookMetrics(registry: Registry): WebhookMetrics {
  return {
    requests: new Counter({
      name: 'mysql_operator_webhook_requests_total',
      help: 'Admission and conversion requests by webhook and result.',
      labelNames: ['webhook', 'result'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'mysql_operator_webhook_request_duration_seconds',
      help: 'Time to answer a webhook request.',
      labelNames: ['webhook'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1],
      registers: [registry],
    }),
  };
}
