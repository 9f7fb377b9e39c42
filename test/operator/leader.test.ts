// Two managers, one election Lease: only the leader reconciles; when it stops, the other takes over
// and keeps the cluster's objects as they should be. Also the manager's wiring: reconcilerFactory
// starts nothing without an API server.
import t from 'tap';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { parseFlags, reconcilerFactory } from '../../src/cli/manager.ts';
import { startLeaderElectedOperator, type LeaderElectedOperator } from '../../src/operator/index.ts';
import { silentLogger } from '../../src/util/log.ts';
import { eventually, startKube } from '../support/kube.ts';
import { applySample, installCrd, NAME, NS } from './harness.ts';

t.test('no API server configured: the manager runs no reconciler', async (t) => {
  t.equal(reconcilerFactory(parseFlags([]), { HOME: '/nonexistent' }), undefined);
  t.equal(reconcilerFactory(parseFlags(['--no-reconcilers', '--kubeconfig', '/x']), {}), undefined);
});

t.test('two managers never reconcile at once; the survivor takes over', async (t) => {
  const k = await startKube();
  t.teardown(() => k.close());
  await installCrd(k);
  await applySample(k);
  const start = (identity: string): LeaderElectedOperator =>
    startLeaderElectedOperator({
      kc: k.kc,
      log: silentLogger(),
      registry: new Registry(),
      agentImage: 'mysql-raft-operator:test',
      election: {
        namespace: NS,
        name: 'test-leader',
        identity,
        leaseDurationMs: 3000,
        renewDeadlineMs: 2000,
        retryPeriodMs: 300,
      },
    });
  const a = start('manager-a');
  const b = start('manager-b');
  const managers = [a, b];
  t.teardown(() => Promise.all(managers.map((m) => m.stop())));
  const leader = await eventually(() => managers.find((m) => m.isLeader() && m.current()), 'one manager leads');
  const follower = managers.find((m) => m !== leader)!;
  t.notOk(follower.isLeader(), 'the other does not lead');
  t.equal(follower.current(), undefined, 'and runs no reconciler');
  await eventually(
    () => k.core.readNamespacedService({ name: 'mysql-master', namespace: NS }).catch(() => undefined),
    'the leader reconciles',
  );
  await leader.stop();
  t.equal(leader.current(), undefined, 'a stopped leader runs no reconciler');
  await eventually(() => follower.isLeader() && follower.current(), 'the survivor takes over', 30_000);
  await k.core.deleteNamespacedService({ name: 'mysql-master', namespace: NS });
  await eventually(
    () => k.core.readNamespacedService({ name: 'mysql-master', namespace: NS }).catch(() => undefined),
    'the new leader restores a deleted Service',
  );
  const lease = await k.direct
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ name: 'test-leader', namespace: NS });
  t.equal(
    lease.spec?.holderIdentity,
    follower === a ? 'manager-a' : 'manager-b',
    `the Lease names the new leader of ${NAME}`,
  );
});
