// One running MysqlCluster controller: a shared InformerFactory, the reconciler and the framework's
// Controller over it. Started when this manager leads (see leader.ts), stopped when it stops leading.
import type { KubeConfig } from '@kubernetes/client-node';
import { Controller } from '../kube/controller.ts';
import { InformerFactory } from '../kube/informer-factory.ts';
import type { ControllerMetrics } from '../kube/metrics.ts';
import type { RateLimiterOptions } from '../kube/rate-limiter.ts';
import type { Logger } from '../util/log.ts';
import type { RandomSource } from './desired/index.ts';
import { EventRecorder } from './events.ts';
import type { ClusterMetrics } from './metrics.ts';
import { MysqlClusterReconciler } from './reconciler.ts';

/** Inputs of one controller instance; the metrics objects outlive it (one registry per process). */
export interface OperatorOptions {
  kc: KubeConfig;
  log: Logger;
  agentImage: string;
  /** Watch one namespace; default all. */
  namespace?: string;
  workers?: number;
  controllerMetrics: ControllerMetrics;
  clusterMetrics: ClusterMetrics;
  random?: RandomSource;
  resyncMs?: number;
  rateLimiter?: RateLimiterOptions;
}

/** The reconciler wired to its informers and work queue. */
export class MysqlClusterOperator {
  readonly reconciler: MysqlClusterReconciler;
  readonly controller: Controller;
  private readonly factory: InformerFactory;

  constructor(o: OperatorOptions) {
    const log = o.log.child({ controller: 'mysqlcluster' });
    this.factory = new InformerFactory(o.kc, { log });
    this.reconciler = new MysqlClusterReconciler(this.factory, {
      kc: o.kc,
      log,
      events: new EventRecorder(o.kc, log),
      metrics: o.clusterMetrics,
      agentImage: o.agentImage,
      ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
      ...(o.random ? { random: o.random } : {}),
      ...(o.resyncMs !== undefined ? { resyncMs: o.resyncMs } : {}),
    });
    this.controller = new Controller(o.kc, this.reconciler, {
      informers: this.factory,
      log,
      metrics: o.controllerMetrics,
      workers: o.workers ?? 2,
      ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
      ...(o.rateLimiter ? { rateLimiter: o.rateLimiter } : {}),
    });
  }

  /** Lists every watched kind once, then starts the workers. */
  async start(): Promise<void> {
    await this.factory.start();
    await this.controller.start();
  }

  async stop(): Promise<void> {
    await this.controller.stop();
    await this.factory.stop();
  }
}
