// Controller metrics in the names controller-runtime exports, so existing dashboards work.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { WorkQueueMetrics } from './workqueue.ts';

/** Work-queue and reconcile metrics under controller-runtime's names, in one registry (a private one by default). */
export class ControllerMetrics {
  readonly depth: Gauge<'name'>;
  readonly adds: Counter<'name'>;
  readonly retries: Counter<'name'>;
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;

  constructor(readonly registry: Registry = new Registry()) {
    const registers = [registry];
    this.depth = new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of the work queue',
      labelNames: ['name'],
      registers,
    });
    this.adds = new Counter({
      name: 'workqueue_adds_total',
      help: 'Adds handled by the work queue',
      labelNames: ['name'],
      registers,
    });
    this.retries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Rate-limited retries',
      labelNames: ['name'],
      registers,
    });
    this.reconcileTotal = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Reconciliations by result',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Reconciliation errors',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Time per reconciliation',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
  }

  forQueue(name: string): WorkQueueMetrics {
    return {
      depth: (n) => this.depth.set({ name }, n),
      added: () => this.adds.inc({ name }),
      retried: () => this.retries.inc({ name }),
    };
  }
}
