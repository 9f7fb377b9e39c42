// What the reconciler's StatefulSet (src/operator/desired/) relies on from a node, checked on the pod
// runner with small stand-in containers: the `apps.kubernetes.io/pod-index` and
// `controller-revision-hash` labels, `$(VAR)` expansion in command and args, subPath mounts (a file
// of a ConfigMap, a directory of a claim), downward-API env and files (following a label change), a
// readiness probe over HTTP on another container's port, a preStop httpGet that runs before SIGTERM,
// and the termination grace period ending in SIGKILL.
import '../../support/apiserver/node20-shim.ts';
import t from 'tap';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startApiServer } from '../../../src/local/apiserver/server.ts';
import { startPodRunner } from '../../../src/local/kubelet/index.ts';
import { kubectlRunner, kubectlVersion } from '../../support/apiserver/kubectl.ts';
import { eventually } from '../../support/eventually.ts';
import { processesUnder } from '../../support/processes.ts';

t.setTimeout(600_000);

// The "agent": /readyz is 200 once READY_FILE exists; /prestop records itself, answers after 300 ms;
// SIGTERM is recorded and the server keeps answering for a second (as the real agent's handover does).
const agentScript = `
const fs = require('node:fs'); const http = require('node:http');
const log = (s) => fs.appendFileSync(process.env.EVENTS, s + '\\n');
http.createServer((req, res) => {
  if (req.url === '/readyz') { res.statusCode = fs.existsSync(process.env.READY_FILE) ? 200 : 503; return res.end(); }
  if (req.url === '/prestop') { log('agent:prestop'); return setTimeout(() => res.end('ok'), 300); }
  res.statusCode = 404; res.end();
}).listen(8301, process.env.POD_IP);
process.on('SIGTERM', () => { log('agent:term'); setTimeout(() => process.exit(0), 1000); });
`;

const version = kubectlVersion();
if (!version) {
  t.fail('kubectl not found on PATH: run hack/install-kubectl.sh (npm test does)');
} else {
  const dir = mkdtempSync(join(tmpdir(), 'mro-contract-'));
  const shared = join(dir, 'shared');
  mkdirSync(shared);
  const api = await startApiServer({});
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, api.kubeconfig());
  const runner = await startPodRunner({ kubeconfigPath, dataDir: dir, podIpPrefix: '127.247', backoffMs: 500 });
  t.teardown(async () => {
    await runner.stop(5000);
    await api.close();
    const left = processesUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    if (left.length) throw new Error(`processes left behind: ${left.join('\n')}`);
  });
  const kubectl = kubectlRunner(kubeconfigPath);
  const json = async (args: string[]) => {
    const r = await kubectl.run([...args, '-o', 'json']);
    return r.code === 0 ? JSON.parse(r.stdout) : undefined;
  };
  const field = (name: string, path: string) => ({ name, valueFrom: { fieldRef: { fieldPath: path } } });
  const objects = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'conf' }, data: { 'my.cnf': '[mysqld]\nserver_id=7\n' } },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'ct' },
      spec: {
        replicas: 2,
        serviceName: 'ct',
        podManagementPolicy: 'Parallel',
        updateStrategy: { type: 'OnDelete' },
        selector: { matchLabels: { app: 'ct' } },
        template: {
          metadata: { labels: { app: 'ct' } },
          spec: {
            terminationGracePeriodSeconds: 4,
            containers: [
              {
                name: 'main',
                image: 'busybox:1.36',
                command: ['sh', '-c'],
                // Single quotes: what the shell prints is exactly what the kubelet expanded.
                args: [
                  "echo 'server-id=1$(POD_INDEX) rev=$(REV) escaped=$$(POD_INDEX) unknown=$(NOPE_X)'; " +
                    'echo marker-$(POD_NAME) > /var/lib/mysql/marker; ' +
                    'trap "echo main:term-$(POD_NAME) >> $EVENTS; exit 0" TERM; ' +
                    'while true; do sleep 0.2; done',
                ],
                env: [
                  field('POD_NAME', 'metadata.name'),
                  field('POD_INDEX', "metadata.labels['apps.kubernetes.io/pod-index']"),
                  field('REV', "metadata.labels['controller-revision-hash']"),
                  { name: 'EVENTS', value: '/shared/events' },
                ],
                readinessProbe: { httpGet: { path: '/readyz', port: 8301 }, periodSeconds: 1 },
                lifecycle: { preStop: { httpGet: { path: '/prestop', port: 8301 } } },
                volumeMounts: [
                  { name: 'data', mountPath: '/var/lib/mysql', subPath: 'mysql' },
                  { name: 'conf', mountPath: '/etc/mysql/conf.d/zz.cnf', subPath: 'my.cnf', readOnly: true },
                  { name: 'podinfo', mountPath: '/etc/podinfo' },
                  { name: 'shared', mountPath: '/shared' },
                ],
              },
              {
                name: 'agent',
                image: 'busybox:1.36',
                command: ['node', '-e', agentScript],
                env: [
                  field('POD_IP', 'status.podIP'),
                  { name: 'EVENTS', value: '/shared/events' },
                  { name: 'READY_FILE', value: '/shared/ready' },
                ],
                volumeMounts: [
                  { name: 'shared', mountPath: '/shared' },
                  { name: 'data', mountPath: '/whole' },
                ],
              },
              {
                // Ignores SIGTERM: only the end of the grace period (SIGKILL) stops it.
                name: 'stubborn',
                image: 'busybox:1.36',
                command: ['sh', '-c', 'trap "" TERM; while true; do sleep 0.2; done'],
              },
            ],
            volumes: [
              { name: 'conf', configMap: { name: 'conf' } },
              { name: 'shared', hostPath: { path: shared } },
              {
                name: 'podinfo',
                downwardAPI: {
                  items: [
                    { path: 'index', fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } },
                    { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                    { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
                  ],
                },
              },
            ],
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        ],
      },
    },
  ];

  t.test('labels, $(VAR) expansion, subPath and downward API as the StatefulSet builder uses them', async (t) => {
    const r = await kubectl.run(['apply', '-f', '-'], objects.map((o) => stringify(o)).join('---\n'));
    t.equal(r.code, 0, r.stderr);
    const running = async (name: string) =>
      (await json(['get', 'pod', name]))?.status?.containerStatuses?.every((c: any) => c.state.running) === true;
    await eventually(async () => (await running('ct-0')) && (await running('ct-1')), 'pods running', 120_000, 300);
    const sts = await eventually(
      async () => {
        const s = await json(['get', 'sts', 'ct']);
        return s?.status?.updateRevision && s;
      },
      'sts status',
      30_000,
      200,
    );
    for (const i of [0, 1]) {
      const pod = await json(['get', 'pod', `ct-${i}`]);
      t.equal(pod.metadata.labels['apps.kubernetes.io/pod-index'], String(i), 'pod-index label');
      t.equal(pod.metadata.labels['controller-revision-hash'], sts.status.updateRevision, 'revision label');
      const line = await eventually(
        async () => (await kubectl.run(['logs', `ct-${i}`, '-c', 'main'])).stdout.split('\n')[0],
        'main logged',
        30_000,
        200,
      );
      t.equal(
        line,
        `server-id=1${i} rev=${sts.status.updateRevision} escaped=$(POD_INDEX) unknown=$(NOPE_X)`,
        'known $(VAR) expand in args, $$ escapes, an unknown one stays literal',
      );
      const cnf = await kubectl.run(['exec', `ct-${i}`, '-c', 'main', '--', 'cat', '/etc/mysql/conf.d/zz.cnf']);
      t.equal(cnf.stdout, '[mysqld]\nserver_id=7\n', 'a subPath mount of one ConfigMap key is that file');
      const whole = await eventually(
        async () => {
          const x = await kubectl.run(['exec', `ct-${i}`, '-c', 'agent', '--', 'cat', '/whole/mysql/marker']);
          return x.code === 0 && x.stdout;
        },
        'marker visible through the whole claim',
        30_000,
        200,
      );
      t.equal(whole, `marker-ct-${i}\n`, 'a subPath mount of a claim is a directory inside that claim');
      const idx = await kubectl.run(['exec', `ct-${i}`, '-c', 'main', '--', 'cat', '/etc/podinfo/index']);
      t.equal(idx.stdout, String(i), 'downward file of one label');
      const nm = await kubectl.run(['exec', `ct-${i}`, '-c', 'main', '--', 'cat', '/etc/podinfo/name']);
      t.equal(nm.stdout, `ct-${i}`);
    }
    t.equal((await kubectl.run(['label', 'pod', 'ct-1', 'mysql.ryansu.com/role=primary'])).code, 0);
    await eventually(
      async () =>
        (await kubectl.run(['exec', 'ct-1', '-c', 'main', '--', 'cat', '/etc/podinfo/labels'])).stdout.includes(
          'mysql.ryansu.com/role="primary"',
        ),
      'the labels file follows a label change',
      30_000,
      300,
    );
  });

  t.test('readiness over HTTP on the agent port; preStop runs before SIGTERM; grace ends in SIGKILL', async (t) => {
    const ready = async (name: string) =>
      (await json(['get', 'pod', name]))?.status?.conditions?.some(
        (c: any) => c.type === 'Ready' && c.status === 'True',
      ) === true;
    t.notOk(await ready('ct-0'), 'not ready while /readyz answers 503');
    writeFileSync(join(shared, 'ready'), '');
    await eventually(async () => (await ready('ct-0')) && (await ready('ct-1')), 'pods ready', 60_000, 300);
    const before = await json(['get', 'pod', 'ct-0']);
    const del = await kubectl.run(['delete', 'pod', 'ct-0', '--wait=true', '--timeout=120s']);
    t.equal(del.code, 0, del.stderr);
    const events = readFileSync(join(shared, 'events'), 'utf8').trim().split('\n');
    t.ok(events.includes('agent:prestop'), `the preStop httpGet reached the agent: ${events.join(', ')}`);
    t.ok(events.includes('main:term-ct-0'), 'main got SIGTERM');
    t.ok(
      events.indexOf('agent:prestop') < events.indexOf('main:term-ct-0'),
      'the hook returned before its container got SIGTERM',
    );
    const evs = await json(['get', 'events', '--field-selector', 'involvedObject.name=ct-0']);
    t.notOk(
      evs.items.some((e: any) => e.reason === 'FailedPreStopHook'),
      'no FailedPreStopHook event',
    );
    t.equal(processesUnder(join(dir, 'pods', `default_ct-0_${before.metadata.uid}`)).length, 0, 'stubborn killed');
    t.notOk(existsSync(join(dir, 'pods', `default_ct-0_${before.metadata.uid}`)), 'pod directory removed');
    await eventually(
      async () => (await json(['get', 'pod', 'ct-0']))?.metadata?.uid !== before.metadata.uid && (await running0()),
      'ct-0 recreated',
      60_000,
      300,
    );
    const marker = await kubectl.run(['exec', 'ct-0', '-c', 'agent', '--', 'cat', '/whole/mysql/marker']);
    t.equal(marker.stdout, 'marker-ct-0\n', 'the claim came back with the new pod');
    async function running0(): Promise<boolean> {
      return (await json(['get', 'pod', 'ct-0']))?.status?.phase === 'Running';
    }
  });
}
