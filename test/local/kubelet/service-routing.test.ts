// How fast and how safely a Service follows a moving role label on the pod runner, with small stand-in
// containers (a node process answering its pod name): the proxy stops sending new connections to a pod
// whose label no longer matches the Service even while the Endpoints still list it; a label change runs
// the readiness probe again at once; and two status writes of one pod never land in the wrong order,
// so a pod whose container is ready does not stay NotReady in the API (seen once after an API server
// outage: all three pods NotReady while every /readyz answered 200). The runner talks to the API server
// through a gate, an HTTP proxy that can hold back the pod status writes.
import '../../support/apiserver/node20-shim.ts';
import t from 'tap';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startApiServer } from '../../../src/local/apiserver/server.ts';
import { KubeClient, restPath, type Obj } from '../../../src/local/kubelet/client.ts';
import { startPodRunner } from '../../../src/local/kubelet/index.ts';
import { eventually } from '../../support/eventually.ts';
import { processesUnder } from '../../support/processes.ts';

t.setTimeout(300_000);

// Answers every connection with its pod's name.
const answerName = `require('node:net').createServer((s) => s.end(process.env.POD_NAME)).listen(3306, process.env.POD_IP);`;

const dir = mkdtempSync(join(tmpdir(), 'mro-routing-'));
const api = await startApiServer({ tls: false });

/** Pod status writes of `gate.pod` are held while `holding`; `held` releases them, one by one. */
const gate = { holding: false, pod: 'gated', held: [] as (() => Promise<void>)[] };
function forward(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const up = httpRequest(
      { host: api.host, port: api.port, method: req.method, path: req.url, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
        r.on('end', () => resolve());
        r.on('error', () => resolve());
      },
    );
    up.on('error', () => (res.destroy(), resolve()));
    up.end(body);
  });
}
const gateServer = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const send = () => forward(req, res, Buffer.concat(chunks));
    const statusWrite = req.method === 'PATCH' && req.url?.endsWith(`/pods/${gate.pod}/status`);
    if (gate.holding && statusWrite) gate.held.push(send);
    else void send();
  });
});
await new Promise<void>((r) => gateServer.listen(0, '127.0.0.1', () => r()));
const gateUrl = `http://127.0.0.1:${(gateServer.address() as AddressInfo).port}`;

const kubeconfigPath = join(dir, 'kubeconfig');
writeFileSync(kubeconfigPath, api.kubeconfig().replace(api.url, gateUrl));
// No controllers: the Endpoints below are written by hand, so that what the proxy does with them is
// seen apart from how fast the Endpoints controller rewrites them.
const runner = await startPodRunner({
  kubeconfigPath,
  dataDir: dir,
  podIpPrefix: '127.249',
  backoffMs: 500,
  controllers: false,
});
t.teardown(async () => {
  await runner.stop(5000);
  gateServer.closeAllConnections();
  gateServer.close();
  await api.close();
  const left = processesUnder(dir);
  rmSync(dir, { recursive: true, force: true });
  if (left.length) throw new Error(`processes left behind: ${left.join('\n')}`);
});

const direct = new KubeConfig();
direct.loadFromString(api.kubeconfig());
const client = new KubeClient(direct);
const podPath = (name: string, sub?: string) => restPath('v1', 'pods', { namespace: 'default', name, sub });

function pod(name: string, labels: Record<string, string>, readinessProbe?: Obj): Obj {
  const field = (n: string, path: string) => ({ name: n, valueFrom: { fieldRef: { fieldPath: path } } });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: {
      nodeName: 'local',
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'c',
          image: 'busybox',
          command: ['node', '-e', answerName],
          env: [field('POD_NAME', 'metadata.name'), field('POD_IP', 'status.podIP')],
          ports: [{ name: 'db', containerPort: 3306 }],
          ...(readinessProbe ? { readinessProbe } : {}),
        },
      ],
    },
  };
}

const readyInApi = async (name: string): Promise<boolean> => {
  const p = await client.get(podPath(name)).catch(() => undefined);
  return p?.['status']?.['conditions']?.find((c: Obj) => c['type'] === 'Ready')?.['status'] === 'True';
};

/** The pod name answering one new connection to ip:3306, or undefined. */
function whoAnswers(ip: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port: 3306 });
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('end', () => resolve(got || undefined));
    s.on('error', () => resolve(undefined));
    s.setTimeout(5000, () => (s.destroy(), resolve(undefined)));
  });
}

t.test('the proxy skips an address whose pod no longer carries the selected label', async (t) => {
  const clusterIP = '127.96.231.7';
  await client.create(
    restPath('v1', 'pods', { namespace: 'default' }),
    pod('route-a', { app: 'route', role: 'primary' }),
  );
  await client.create(
    restPath('v1', 'pods', { namespace: 'default' }),
    pod('route-b', { app: 'route', role: 'replica' }),
  );
  await eventually(async () => (await readyInApi('route-a')) && readyInApi('route-b'), 'both pods Ready', 60_000);
  await client.create(restPath('v1', 'services', { namespace: 'default' }), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'route-primary', namespace: 'default' },
    spec: { clusterIP, selector: { app: 'route', role: 'primary' }, ports: [{ port: 3306, targetPort: 3306 }] },
  });
  // Stale on purpose, as between a label move and the Endpoints controller's rewrite: both pods listed.
  const addresses = [];
  for (const name of ['route-a', 'route-b']) {
    const p = await client.get(podPath(name));
    addresses.push({
      ip: p['status']['podIP'],
      targetRef: { kind: 'Pod', namespace: 'default', name, uid: p['metadata']['uid'] },
    });
  }
  await client.create(restPath('v1', 'endpoints', { namespace: 'default' }), {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'route-primary', namespace: 'default' },
    subsets: [{ addresses, ports: [{ port: 3306, protocol: 'TCP' }] }],
  });
  await eventually(() => whoAnswers(clusterIP), 'the Service answering', 30_000);
  const answers = [];
  for (let i = 0; i < 4; i++) answers.push(await whoAnswers(clusterIP));
  t.same(answers, ['route-a', 'route-a', 'route-a', 'route-a'], 'only the pod labelled primary gets connections');

  await client.mergePatch(podPath('route-a'), { metadata: { labels: { role: 'replica' } } });
  await client.mergePatch(podPath('route-b'), { metadata: { labels: { role: 'primary' } } });
  const all = await eventually(
    async () => {
      const got = [];
      for (let i = 0; i < 4; i++) got.push(await whoAnswers(clusterIP));
      return got.every((x) => x === 'route-b') && got;
    },
    'every connection on route-b',
    30_000,
  );
  t.same(all, ['route-b', 'route-b', 'route-b', 'route-b'], 'the label moved: so did the connections');
  const ep = await client.get(restPath('v1', 'endpoints', { namespace: 'default', name: 'route-primary' }));
  t.equal(ep['subsets'][0]['addresses'].length, 2, 'the Endpoints were not rewritten meanwhile');
});

t.test('a label change runs the readiness probe at once', async (t) => {
  const runs = join(dir, 'probes-relabelled');
  const ok = join(dir, 'ok-relabelled');
  // An hour between probes: only a probe run because of the label change can make the pod Ready.
  const probe = {
    exec: { command: ['sh', '-c', `echo run >> ${runs}; test -f ${ok}`] },
    periodSeconds: 3600,
    failureThreshold: 1,
  };
  await client.create(
    restPath('v1', 'pods', { namespace: 'default' }),
    pod('relabelled', { app: 'relabel', role: 'replica' }, probe),
  );
  await eventually(() => existsSync(runs), 'the first probe (failing)', 60_000);
  t.notOk(await readyInApi('relabelled'), 'not Ready after a failed probe');
  writeFileSync(ok, '');
  await client.mergePatch(podPath('relabelled'), { metadata: { labels: { role: 'primary' } } });
  await eventually(() => readyInApi('relabelled'), 'Ready after the label moved', 60_000);
  t.equal(readFileSync(runs, 'utf8').trim().split('\n').length, 2, 'probed twice: at start and on the label change');
});

t.test('a status write that lands late does not leave a ready pod NotReady', async (t) => {
  const ok = join(dir, 'ok-gated');
  writeFileSync(ok, '');
  const probe = { exec: { command: ['test', '-f', ok] }, periodSeconds: 1, failureThreshold: 1 };
  await client.create(restPath('v1', 'pods', { namespace: 'default' }), pod('gated', { app: 'gated' }, probe));
  await eventually(() => readyInApi('gated'), 'gated Ready', 60_000);
  const container = () => runner.kubelet.pods().find((w) => w.pod['metadata']['name'] === 'gated')?.containers[0];

  gate.holding = true;
  rmSync(ok);
  await eventually(() => gate.held.length >= 1, 'the NotReady status write held at the gate', 30_000);
  appendFileSync(ok, '');
  await eventually(() => container()?.ready === true, 'the container ready again (in the kubelet)', 30_000);
  // Time for a second, newer status write to go out if the kubelet sends one while the first is held
  // (it must not): released first, it would be overwritten by the older one below.
  await new Promise((r) => setTimeout(r, 1500));
  gate.holding = false;
  const held = gate.held.splice(0).reverse();
  t.comment(`${held.length} status write(s) were held`);
  for (const send of held) await send();
  await eventually(() => readyInApi('gated'), 'gated Ready again in the API', 30_000);
  t.equal(container()?.ready, true);
  t.equal(held.length, 1, 'one status write at a time');
});
