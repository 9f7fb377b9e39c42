// The pod runner with real mariadbd pods from a hand-written StatefulSet, driven with kubectl as a user
// would: pods Running and Ready with their own loopback IPs, PVCs bound, logs and exec, a Service that
// follows a role label from pod to pod, a deleted pod recreated with its data, an image that cannot run
// waiting with ErrImagePull, a crashing container restarted. Every process is stopped in teardown.
import '../../support/apiserver/node20-shim.ts';
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { startApiServer } from '../../../src/local/apiserver/server.ts';
import { startPodRunner } from '../../../src/local/kubelet/index.ts';
import { kubectlRunner, kubectlVersion } from '../../support/apiserver/kubectl.ts';
import { eventually } from '../../support/eventually.ts';
import { processesUnder } from '../../support/processes.ts';

// Several starts of whole systems with real processes: on a busy 2-core machine that can take minutes.
t.setTimeout(900_000);

const version = kubectlVersion();
if (!version) {
  t.test('pod runner driven by kubectl', { skip: 'kubectl not found on PATH (hack/install-kubectl.sh)' }, () => {});
} else {
  const dir = mkdtempSync(join(tmpdir(), 'mro-runner-'));
  const api = await startApiServer({});
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, api.kubeconfig());
  const runner = await startPodRunner({ kubeconfigPath, dataDir: dir, podIpPrefix: '127.245', backoffMs: 500 });
  t.teardown(async () => {
    await runner.stop(5000);
    await api.close();
    const left = processesUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    if (left.length) throw new Error(`processes left behind: ${left.join('\n')}`);
  });
  const kubectl = kubectlRunner(kubeconfigPath);
  const k = async (args: string[], stdin?: string) => {
    const r = await kubectl.run(args, stdin);
    return r;
  };
  const json = async (args: string[]) => {
    const r = await k([...args, '-o', 'json']);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  // For polling: a kubectl that fails now and then on a busy machine is "not yet", not a failure.
  const poll = (args: string[]) => json(args).catch(() => undefined);
  const manifest = readFileSync(join(import.meta.dirname, 'fixtures', 'mariadb-statefulset.yaml'), 'utf8');

  t.test('a StatefulSet of mariadb:10.11 runs as Ready pods with their own loopback IPs', async (t) => {
    const applied = await k(['apply', '-f', '-'], manifest);
    t.equal(applied.code, 0, applied.stderr);
    await eventually(
      async () => (await poll(['get', 'sts', 'db']))?.status?.readyReplicas === 2,
      'db 2/2 ready',
      90_000,
      250,
    );
    const pods = await k(['get', 'pods', '-l', 'app=db', '-o', 'wide']);
    const rows = pods.stdout.trim().split('\n').slice(1);
    t.equal(rows.length, 2);
    for (const row of rows) {
      const ok = t.match(row, /^db-[01]\s+1\/1\s+Running\s+0\s+\S+\s+127\.245\.\d+\.\d+\s+local/);
      if (!ok) {
        // Say why a container restarted: its previous log and the pod's events.
        const name = row.split(/\s+/)[0]!;
        t.comment((await k(['logs', name, '--previous', '--tail=30'])).stdout);
        t.comment((await k(['get', 'events', '--field-selector', `involvedObject.name=${name}`])).stdout);
      }
    }
    const pvcs = await json(['get', 'pvc']);
    t.same(pvcs.items.map((p: any) => [p.metadata.name, p.status.phase]).sort(), [
      ['data-db-0', 'Bound'],
      ['data-db-1', 'Bound'],
    ]);
    const db0 = await json(['get', 'pod', 'db-0']);
    const c = await createConnection({ host: db0.status.podIP, port: 3306, user: 'root', password: 's3cret' });
    const [rows2] = await c.query('SELECT @@bind_address AS b');
    await c.end();
    t.equal((rows2 as any)[0].b, db0.status.podIP, 'mysqld listens on the pod IP with the Secret password');
  });

  t.test('kubectl logs and exec reach the containers', async (t) => {
    const logs = await k(['logs', 'db-0']);
    t.equal(logs.code, 0, logs.stderr);
    t.match(logs.stdout, /ready for connections/);
    const tail = await k(['logs', 'db-0', '--tail=1']);
    t.equal(tail.stdout.trim().split('\n').length, 1);
    const q = await k(['exec', 'db-0', '--', 'mysql', '-uroot', '-ps3cret', '-N', '-e', 'SELECT 6*7']);
    t.equal(q.code, 0, q.stderr);
    t.equal(q.stdout.trim(), '42', 'mysql in the pod reaches the pod own mysqld');
    const fail = await k(['exec', 'db-0', '--', 'sh', '-c', 'echo oops >&2; exit 3']);
    t.equal(fail.code, 3, 'exit code comes back');
    t.match(fail.stderr, /oops/);
    const stdin = await k(['exec', '-i', 'db-1', '--', 'mysql', '-uroot', '-ps3cret', '-N'], 'SELECT 1+1;\n');
    t.equal(stdin.stdout.trim(), '2', 'stdin is streamed');
    const prev = await k(['logs', 'db-0', '--previous']);
    t.equal(prev.code, 1);
    t.match(prev.stderr, /previous terminated container "mysqld" in pod "db-0" not found/);
  });

  t.test('a Service follows the role label from pod to pod', async (t) => {
    const svc = await json(['get', 'svc', 'db-primary']);
    const ip = svc.spec.clusterIP as string;
    t.match(ip, /^127\./, 'clusterIP is a loopback address');
    const whoAnswers = async (): Promise<string | undefined> => {
      try {
        const c = await createConnection({
          host: ip,
          port: 3306,
          user: 'root',
          password: 's3cret',
          connectTimeout: 2000,
        });
        const [r] = await c.query('SELECT @@bind_address AS b');
        await c.end();
        return (r as any)[0].b as string;
      } catch {
        return undefined;
      }
    };
    const ips = Object.fromEntries(
      (await json(['get', 'pods', '-l', 'app=db'])).items.map((p: any) => [p.metadata.name, p.status.podIP]),
    );
    t.equal((await k(['label', 'pod', 'db-1', 'role=primary'])).code, 0);
    await eventually(async () => (await whoAnswers()) === ips['db-1'], 'service routes to db-1', 30_000, 200);
    t.pass('routes to db-1');
    await k(['label', 'pod', 'db-1', 'role-']);
    await k(['label', 'pod', 'db-0', 'role=primary']);
    await eventually(async () => (await whoAnswers()) === ips['db-0'], 'service routes to db-0', 30_000, 200);
    const ep = await json(['get', 'endpoints', 'db-primary']);
    t.same(
      ep.subsets[0].addresses.map((a: any) => a.ip),
      [ips['db-0']],
    );
    const slices = await json(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=db-primary']);
    t.same(
      slices.items[0].endpoints.filter((e: any) => e.conditions.ready).map((e: any) => e.addresses[0]),
      [ips['db-0']],
      'the EndpointSlice says the same',
    );
  });

  t.test('a deleted pod stops gracefully and comes back with its data', async (t) => {
    const before = await json(['get', 'pod', 'db-0']);
    const c = await createConnection({ host: before.status.podIP, port: 3306, user: 'root', password: 's3cret' });
    await c.query('CREATE DATABASE kept');
    await c.end();
    const del = await k(['delete', 'pod', 'db-0']);
    t.equal(del.code, 0, del.stderr);
    t.equal(del.stdout.trim(), 'pod "db-0" deleted');
    const after = await eventually(
      async () => {
        const p = await poll(['get', 'pod', 'db-0']);
        return (
          p &&
          p.metadata.uid !== before.metadata.uid &&
          p.status?.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True') &&
          p
        );
      },
      'db-0 recreated and ready',
      90_000,
      250,
    );
    const c2 = await createConnection({ host: after.status.podIP, port: 3306, user: 'root', password: 's3cret' });
    const [dbs] = await c2.query("SHOW DATABASES LIKE 'kept'");
    await c2.end();
    t.equal((dbs as unknown[]).length, 1, 'the PVC directory kept the data');
    const logs = await k(['logs', 'db-0']);
    t.notMatch(logs.stdout, /\[ERROR\]/, 'a clean start (the old server shut down on SIGTERM)');
  });

  t.test(
    'template changes roll (RollingUpdate) or wait for a delete (OnDelete); scale-down keeps claims',
    async (t) => {
      const revision = async (pod: string) =>
        (await k(['get', 'pod', pod, '-o', "jsonpath={.metadata.labels['controller-revision-hash']}"])).stdout;
      const updateRevision = async () =>
        (await k(['get', 'sts', 'db', '-o', 'jsonpath={.status.updateRevision}'])).stdout;
      const setEnv = (value: string) =>
        k(['set', 'env', 'statefulset/db', '-c', 'mysqld', `ROLL=${value}`]).then((r) => t.equal(r.code, 0, r.stderr));
      await setEnv('1');
      await eventually(
        async () => {
          const want = await updateRevision();
          return (
            (await revision('db-0')) === want &&
            (await revision('db-1')) === want &&
            (await poll(['get', 'sts', 'db']))?.status?.readyReplicas === 2
          );
        },
        'both pods rolled to the new template',
        180_000,
        500,
      );
      t.pass('rolled');
      const patched = await k([
        'patch',
        'sts',
        'db',
        '--type=merge',
        '-p',
        '{"spec":{"updateStrategy":{"type":"OnDelete","rollingUpdate":null}}}',
      ]);
      t.equal(patched.code, 0, patched.stderr);
      const before = await revision('db-1');
      await setEnv('2');
      await eventually(async () => (await updateRevision()) !== before, 'new update revision', 30_000, 200);
      t.equal(await revision('db-1'), before, 'OnDelete: the running pod keeps its template');
      await k(['delete', 'pod', 'db-1']);
      await eventually(
        async () => (await revision('db-1')) === (await updateRevision()),
        'db-1 recreated on the new template',
        90_000,
        300,
      );
      t.equal((await k(['scale', 'sts', 'db', '--replicas=1'])).code, 0);
      await eventually(
        async () => (await k(['get', 'pod', 'db-1'])).code !== 0,
        'db-1 removed by scale-down',
        90_000,
        300,
      );
      t.equal((await k(['get', 'pvc', 'data-db-1'])).code, 0, 'its claim is kept');
      t.equal((await k(['scale', 'sts', 'db', '--replicas=2'])).code, 0);
      await eventually(
        async () => (await poll(['get', 'sts', 'db']))?.status?.readyReplicas === 2,
        'scaled back up',
        90_000,
        300,
      );
    },
  );

  t.test('kubectl logs -c picks the container and -f follows it', async (t) => {
    const chatty = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'chatty' },
      spec: {
        containers: [
          {
            name: 'a',
            image: 'busybox:1.36',
            command: ['sh', '-c', 'i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done'],
          },
          { name: 'b', image: 'busybox:1.36', command: ['sh', '-c', 'echo only b; exec sleep 3600'] },
        ],
      },
    });
    t.equal((await k(['apply', '-f', '-'], chatty)).code, 0);
    await eventually(
      async () => (await k(['logs', 'chatty', '-c', 'b'])).stdout === 'only b\n',
      'logs of b',
      60_000,
      200,
    );
    const follow = kubectl.spawn(['logs', '-f', 'chatty', '-c', 'a']);
    let seen = '';
    follow.stdout!.on('data', (d: Buffer) => (seen += d.toString()));
    const exited = new Promise((r) => follow.once('exit', r));
    try {
      await eventually(() => /line 0\n[\s\S]*line 20\n/.test(seen), 'follow to stream new lines', 60_000, 100);
    } finally {
      follow.kill();
      await exited;
    }
    t.pass('followed');
    t.equal((await k(['delete', 'pod', 'chatty', '--grace-period=1'])).code, 0);
  });

  t.test('an image that cannot run waits with ErrImagePull; a crashing container restarts', async (t) => {
    const pod = (name: string, image: string, command: string[]) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: { containers: [{ name: 'c', image, command }] },
      });
    await k(['apply', '-f', '-'], pod('nope', 'registry.example.com/nope:1', []));
    const waiting = await eventually(
      async () => (await poll(['get', 'pod', 'nope']))?.status?.containerStatuses?.[0]?.state?.waiting,
      'nope waiting',
      30_000,
      200,
    );
    t.equal(waiting.reason, 'ErrImagePull');
    t.match(waiting.message, /cannot run on the local pod runner/);
    await k(['apply', '-f', '-'], pod('crash', 'busybox:1.36', ['sh', '-c', 'echo attempt; exit 2']));
    const st = await eventually(
      async () => {
        const s = (await poll(['get', 'pod', 'crash']))?.status?.containerStatuses?.[0];
        return s && s.restartCount >= 2 && s;
      },
      'crash restarted twice',
      60_000,
      200,
    );
    t.equal(st.lastState.terminated.exitCode, 2);
    const prev = await k(['logs', 'crash', '--previous']);
    t.equal(prev.stdout.trim(), 'attempt');
    const got = await k(['get', 'pod', 'crash']);
    t.match(got.stdout, /crash\s+0\/1\s+(CrashLoopBackOff|Error|Running)\s+\d+/);
    t.equal((await k(['delete', 'pod', 'nope', 'crash', '--wait=true'])).code, 0);
  });
}
