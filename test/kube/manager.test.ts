// The manager framework: probes wait for every runnable; ?verbose answers like Kubernetes components.
import t from 'tap';
import { get } from 'node:http';
import { startManager, type Runnable } from '../../src/kube/manager.ts';
import { silentLogger } from '../../src/util/log.ts';

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

t.test('/readyz waits for every plugged-in runnable', async (t) => {
  let ready = false;
  const slow: Runnable = { name: 'mysqlcluster-reconciler', ready: () => ready, stop: async () => {} };
  const fast: Runnable = { name: 'webhooks', ready: () => true, stop: async () => {} };
  const m = await startManager({ healthPort: 0, metricsPort: 0, bindAddress: '127.0.0.1' }, silentLogger(), [
    async () => fast,
    async () => slow,
  ]);
  t.teardown(() => m.stop());
  t.same(await httpGet(m.ports.health, '/readyz'), { status: 503, body: 'not ready: mysqlcluster-reconciler\n' });
  t.same(await httpGet(m.ports.health, '/readyz?verbose'), {
    status: 503,
    body: '[+]webhooks ok\n[-]mysqlcluster-reconciler failed: reason withheld\nreadyz check failed\n',
  });
  ready = true;
  t.same(await httpGet(m.ports.health, '/readyz'), { status: 200, body: 'ok\n' });
  t.same(await httpGet(m.ports.health, '/readyz?verbose'), {
    status: 200,
    body: '[+]webhooks ok\n[+]mysqlcluster-reconciler ok\nreadyz check passed\n',
  });
  t.same(await httpGet(m.ports.health, '/healthz'), { status: 200, body: 'ok\n' });
  t.equal((await httpGet(m.ports.health, '/nope')).status, 404);
});

t.test('a factory that fails stops what was started before it', async (t) => {
  let stopped = false;
  const first: Runnable = { name: 'first', ready: () => true, stop: async () => void (stopped = true) };
  await t.rejects(
    startManager({ healthPort: 0, metricsPort: 0, bindAddress: '127.0.0.1' }, silentLogger(), [
      async () => first,
      async () => Promise.reject(new Error('boom')),
    ]),
    /boom/,
  );
  t.ok(stopped, 'the first runnable was stopped');
});
