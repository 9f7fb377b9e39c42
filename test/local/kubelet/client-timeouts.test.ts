// The pod runner's API client gives up on a server that stops answering (partition, paused process):
// a request fails instead of hanging a pod's status forever, and a silent watch ends so it is resumed.
import t from 'tap';
import { createServer, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../../../src/local/kubelet/client.ts';

// A TCP server that accepts connections and never answers: what a blackholed API server looks like.
const sockets: Socket[] = [];
const silent = createServer((s) => sockets.push(s));
await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
t.teardown(() => {
  sockets.forEach((s) => s.destroy());
  silent.close();
});
const port = (silent.address() as { port: number }).port;
const kc = new KubeConfig();
kc.loadFromOptions({
  clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
  users: [{ name: 'u' }],
  contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
  currentContext: 'x',
});
const client = new KubeClient(kc, { requestMs: 300, watchIdleMs: 300 });

t.test('a request to a silent server fails with a message naming it', async (t) => {
  await t.rejects(client.get('/api/v1/pods'), /GET \/api\/v1\/pods: no answer within 300 ms/);
});

t.test('a silent watch ends instead of hanging', async (t) => {
  const events: unknown[] = [];
  await client.watch('/api/v1/pods?watch=true', (e) => events.push(e), new AbortController().signal);
  t.same(events, [], 'nothing arrived; the watch ended so the caller resumes');
});
