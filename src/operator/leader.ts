// The reconciler as a manager Runnable behind leader election: every manager replica serves webhooks,
// only the one holding the election Lease reconciles, so two managers never reconcile at once. Losing
// the Lease stops the controller at once (the elector steps down before the Lease can expire for anyone
// else); winning it again starts a fresh one.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { ControllerMetrics } from '../kube/metrics.ts';
import { LeaderElector } from '../kube/leader-election.ts';
import type { Runnable } from '../kube/manager.ts';
import type { Logger } from '../util/log.ts';
import { ClusterMetrics } from './metrics.ts';
import { MysqlClusterOperator, type OperatorOptions } from './operator.ts';

/** What the leader-elected reconciler needs: API access, metrics, the agent image and the election. */
export interface LeaderElectedOptions {
  kc: KubeConfig;
  log: Logger;
  registry: Registry;
  agentImage: string;
  /** Namespace and name of the election Lease, and who we are. */
  election: {
    namespace: string;
    name: string;
    identity: string;
    leaseDurationMs?: number;
    renewDeadlineMs?: number;
    retryPeriodMs?: number;
  };
  watchNamespace?: string;
  resyncMs?: number;
  /** Called with each controller started (tests use it to watch a term's reconciler). */
  onStarted?: (op: MysqlClusterOperator) => void;
}

/** A Runnable: elects, then reconciles while leading. */
export interface LeaderElectedOperator extends Runnable {
  isLeader(): boolean;
  current(): MysqlClusterOperator | undefined;
}

/** Starts the election loop; the controller runs only while this process leads. */
export function startLeaderElectedOperator(o: LeaderElectedOptions): LeaderElectedOperator {
  const log = o.log.child({ component: 'leader-election' });
  const metrics = {
    controllerMetrics: new ControllerMetrics(o.registry),
    clusterMetrics: new ClusterMetrics(o.registry),
  };
  let current: MysqlClusterOperator | undefined;
  let shuttingDown = false;
  let chain: Promise<void> = Promise.resolve();
  const serial = (f: () => Promise<void>) => {
    chain = chain
      .then(f)
      .catch((err: unknown) => log.error({ err: String(err) }, 'leader election: controller start/stop failed'));
    return chain;
  };
  const opOptions: OperatorOptions = {
    kc: o.kc,
    log: o.log,
    agentImage: o.agentImage,
    ...metrics,
    ...(o.watchNamespace !== undefined ? { namespace: o.watchNamespace } : {}),
    ...(o.resyncMs !== undefined ? { resyncMs: o.resyncMs } : {}),
  };
  const stopCurrent = async () => {
    const op = current;
    current = undefined;
    if (op) await op.stop();
  };
  const elector = new LeaderElector(o.kc, {
    ...o.election,
    log,
    onStartedLeading: (signal) => {
      log.info(
        { identity: o.election.identity, lease: o.election.name },
        'leader election won: starting the reconciler',
      );
      void serial(async () => {
        if (signal.aborted) return;
        const op = new MysqlClusterOperator(opOptions);
        current = op;
        await op.start();
        o.onStarted?.(op);
      });
      signal.addEventListener('abort', () => void serial(stopCurrent), { once: true });
    },
    onStoppedLeading: () =>
      shuttingDown
        ? log.info({ identity: o.election.identity }, 'leader election: Lease released on shutdown')
        : log.warn({ identity: o.election.identity }, 'leader election lost: reconciler stopped'),
    onNewLeader: (id) => log.info({ leader: id }, 'leader election: another manager leads'),
  });
  const loop = elector.run();
  return {
    name: 'mysqlcluster-controller',
    ready: () => true,
    isLeader: () => elector.isLeader,
    current: () => current,
    stop: async () => {
      shuttingDown = true;
      await elector.stop();
      await serial(stopCurrent);
      await loop;
    },
  };
}
