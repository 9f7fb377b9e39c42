import t from 'tap';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { LeaderElector } from '../../src/kube/leader-election.ts';
import { startKube, eventually } from '../support/kube.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { KubeConfig } from '@kubernetes/client-node';
import { renderKubeconfig } from '../../src/local/apiserver/kubeconfig.ts';

const timing = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 200 };
// Where the test needs the holder to keep its lease however slow the machine is: only a release
// (or a 30 s stall) lets another manager in, so "b waits while a renews" cannot depend on speed.
const patient = { leaseDurationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 200 };

t.test('options are checked: renewDeadline < leaseDuration and retryPeriod < renewDeadline', async (t) => {
  const kc = new KubeConfig();
  kc.loadFromString(renderKubeconfig({ server: 'http://127.0.0.1:1', token: 'x' }));
  t.throws(
    () =>
      new LeaderElector(kc, {
        namespace: 'd',
        name: 'l',
        identity: 'a',
        leaseDurationMs: 1000,
        renewDeadlineMs: 1000,
        onStartedLeading: () => {},
      }),
    /renewDeadlineMs \(1000\) must be less than leaseDurationMs \(1000\)/,
  );
});

t.test('two managers: one leads, the other takes over after release, and they never lead at once', async (t) => {
  const k = await startKube();
  t.teardown(() => k.close());
  const log: string[] = [];
  let leaders = 0;
  let maxLeaders = 0;
  const make = (id: string) =>
    new LeaderElector(k.kc, {
      namespace: 'default',
      name: 'mgr',
      identity: id,
      ...patient,
      onStartedLeading: () => {
        leaders++;
        maxLeaders = Math.max(maxLeaders, leaders);
        log.push(`start:${id}`);
      },
      onStoppedLeading: () => {
        leaders--;
        log.push(`stop:${id}`);
      },
    });
  const a = make('a');
  const b = make('b');
  const runA = a.run();
  await eventually(() => a.isLeader, 'a leads');
  const runB = b.run();
  await new Promise((r) => setTimeout(r, 800));
  t.notOk(b.isLeader, 'b waits while a renews');
  await a.stop();
  await runA;
  await eventually(() => b.isLeader, 'b leads after a released', 5000);
  const lease = await k.direct
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ name: 'mgr', namespace: 'default' });
  t.equal(lease.spec?.holderIdentity, 'b');
  t.equal(lease.spec?.leaseTransitions, 1);
  await b.stop();
  await runB;
  t.equal(maxLeaders, 1, 'never two leaders at once');
  t.same(log, ['start:a', 'stop:a', 'start:b', 'stop:b']);
});

t.test('a leader cut off from the API server steps down before another acquires', async (t) => {
  const k = await startKube();
  t.teardown(() => k.close());
  const proxyA = new TcpProxy(k.server.host, k.server.port);
  await proxyA.start();
  t.teardown(() => proxyA.close());
  const kcA = new KubeConfig();
  kcA.loadFromString(
    renderKubeconfig({ server: `https://127.0.0.1:${proxyA.port}`, token: k.server.token, caPem: k.server.caPem! }),
  );
  const events: Array<[string, number]> = [];
  const a = new LeaderElector(kcA, {
    namespace: 'default',
    name: 'mgr',
    identity: 'a',
    ...timing,
    onStartedLeading: () => {
      events.push(['start:a', Date.now()]);
    },
    onStoppedLeading: () => {
      events.push(['stop:a', Date.now()]);
    },
  });
  const b = new LeaderElector(k.kc, {
    namespace: 'default',
    name: 'mgr',
    identity: 'b',
    ...timing,
    onStartedLeading: () => {
      events.push(['start:b', Date.now()]);
    },
  });
  const runs = [a.run()];
  await eventually(() => a.isLeader, 'a leads');
  runs.push(b.run());
  proxyA.mode = 'refuse';
  proxyA.cut();
  await eventually(() => b.isLeader, 'b acquires after a lease expiry', 10_000);
  t.notOk(a.isLeader, 'a is no longer leading');
  t.same(
    events.map(([e]) => e),
    ['start:a', 'stop:a', 'start:b'],
    'a stopped before b started',
  );
  await a.stop();
  await b.stop();
  await Promise.all(runs);
});

t.test('a leader whose renewal hangs (stalled connection) still steps down at the renew deadline', async (t) => {
  const k = await startKube();
  t.teardown(() => k.close());
  const events: string[] = [];
  const a = new LeaderElector(k.kc, {
    namespace: 'default',
    name: 'mgr',
    identity: 'a',
    ...timing,
    onStartedLeading: () => {
      events.push('start:a');
    },
    onStoppedLeading: () => {
      events.push('stop:a');
    },
  });
  const run = a.run();
  await eventually(() => a.isLeader, 'a leads');
  k.proxy.mode = 'stall';
  await eventually(() => !a.isLeader, 'a steps down although its request never returns', 8000);
  t.same(events, ['start:a', 'stop:a']);
  k.proxy.mode = 'forward';
  k.proxy.cut();
  await a.stop();
  await run;
});
