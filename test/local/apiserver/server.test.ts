// Embedded-server behaviour that the shared conformance suite cannot force on a real server: history
// compaction, bookmark cadence, file persistence across restarts, plain HTTP mode, hostile input.
import '../../support/apiserver/node20-shim.ts';
import t from 'tap';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startApiServer, type EmbeddedApiServer } from '../../../src/local/apiserver/server.ts';
import { Store } from '../../../src/local/apiserver/store.ts';
import { raw, rawWatch, type Credentials } from '../../support/apiserver/raw.ts';

const creds = (s: EmbeddedApiServer): Credentials => ({
  server: s.url,
  token: s.token,
  ...(s.caPem ? { caPem: s.caPem } : {}),
});
const cm = (name: string, data: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data,
});

t.test('a watch from a resourceVersion older than the retained history is 410; a recent one resumes', async (t) => {
  const s = await startApiServer({ historyLimit: 5, tls: false });
  t.teardown(() => s.close());
  const c = creds(s);
  const first = await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', cm('h0'));
  for (let i = 1; i <= 10; i++)
    await raw(c, 'PUT', '/api/v1/namespaces/default/configmaps/h0', cm('h0', { i: String(i) }));
  const old = rawWatch(
    c,
    `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${first.json.metadata.resourceVersion}`,
  );
  const [gone] = await old.waitFor(1);
  t.equal(gone!.type, 'ERROR');
  t.equal(gone!.object.code, 410);
  await old.ended;
  const latest = (await raw(c, 'GET', '/api/v1/namespaces/default/configmaps/h0')).json.metadata.resourceVersion;
  const recent = rawWatch(c, `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${Number(latest) - 2}`);
  t.teardown(() => recent.close());
  const evs = await recent.waitFor(2);
  t.same(
    evs.map((e) => e.object.data.i),
    ['9', '10'],
  );
  const cont = await raw(c, 'GET', '/api/v1/namespaces/default/configmaps?limit=1');
  t.equal(cont.status, 200);
});

t.test('bookmarks arrive at the configured cadence and never run ahead of delivered events', async (t) => {
  const s = await startApiServer({ bookmarkIntervalMs: 100, tls: false });
  t.teardown(() => s.close());
  const c = creds(s);
  const created = await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', cm('bm'));
  const w = rawWatch(
    c,
    `/api/v1/namespaces/default/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion=${created.json.metadata.resourceVersion}`,
  );
  t.teardown(() => w.close());
  await raw(c, 'PUT', '/api/v1/namespaces/default/configmaps/bm', cm('bm', { x: '1' }));
  const evs = await w.waitFor(3);
  const modified = evs.find((e) => e.type === 'MODIFIED');
  t.ok(modified, 'the change arrived');
  const bookmarks = w.events.filter((e) => e.type === 'BOOKMARK');
  t.ok(bookmarks.length >= 1, 'bookmarks arrived');
  const lastIdx = w.events.lastIndexOf(bookmarks.at(-1)!);
  const before = w.events.slice(0, lastIdx).filter((e) => e.type !== 'BOOKMARK');
  for (const e of before)
    t.ok(Number(bookmarks.at(-1)!.object.metadata.resourceVersion) >= Number(e.object.metadata.resourceVersion));
  t.same(Object.keys(bookmarks[0]!.object.metadata), ['resourceVersion']);
});

t.test('sendInitialEvents ends the initial list with an annotated bookmark', async (t) => {
  const s = await startApiServer({ tls: false });
  t.teardown(() => s.close());
  const c = creds(s);
  await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', cm('i1'));
  const w = rawWatch(
    c,
    '/api/v1/namespaces/default/configmaps?watch=1&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan',
  );
  t.teardown(() => w.close());
  const evs = await w.waitFor(2);
  t.same(
    evs.map((e) => e.type),
    ['ADDED', 'BOOKMARK'],
  );
  t.equal(evs[1]!.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
});

t.test('--data: objects, resourceVersions and CRD kinds survive a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mro-data-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const dataFile = join(dir, 'state.json');
  const a = await startApiServer({ dataFile, tls: false });
  const ca = creds(a);
  await raw(ca, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kept' } });
  const made = await raw(ca, 'POST', '/api/v1/namespaces/kept/configmaps', cm('survivor', { k: 'v' }));
  await raw(ca, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'things.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'things', kind: 'Thing' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  });
  await a.idle();
  t.equal(
    (
      await raw(ca, 'POST', '/apis/example.com/v1/namespaces/kept/things', {
        apiVersion: 'example.com/v1',
        kind: 'Thing',
        metadata: { name: 't1' },
        spec: { any: 1 },
      })
    ).status,
    201,
  );
  await a.close();
  t.ok(existsSync(dataFile));
  t.notOk(readFileSync(dataFile, 'utf8').includes(a.token), 'the token is not stored in the data file');
  const b = await startApiServer({ dataFile, tls: false });
  t.teardown(() => b.close());
  const cb = creds(b);
  const got = await raw(cb, 'GET', '/api/v1/namespaces/kept/configmaps/survivor');
  t.equal(got.status, 200);
  t.same(got.json.data, { k: 'v' });
  t.equal(got.json.metadata.uid, made.json.metadata.uid);
  const thing = await raw(cb, 'GET', '/apis/example.com/v1/namespaces/kept/things/t1');
  t.equal(thing.status, 200, 'the CRD kind is served right after restart');
  t.same(thing.json.spec, { any: 1 });
  const next = await raw(cb, 'POST', '/api/v1/namespaces/kept/configmaps', cm('after'));
  t.ok(
    Number(next.json.metadata.resourceVersion) > Number(thing.json.metadata.resourceVersion),
    'resourceVersions keep increasing',
  );
});

t.test('plain HTTP mode with a kubeconfig client-node accepts', async (t) => {
  const s = await startApiServer({ tls: false });
  t.teardown(() => s.close());
  t.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const kc = new KubeConfig();
  kc.loadFromString(s.kubeconfig());
  const list = await kc.makeApiClient(CoreV1Api).listNamespace();
  t.same(list.items.map((n) => n.metadata?.name).sort(), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
});

t.test('hostile input gets a clear Status, never a crash', async (t) => {
  const s = await startApiServer({ tls: false });
  t.teardown(() => s.close());
  const c = creds(s);
  const badJson = await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', '{not json');
  t.equal(badJson.status, 400);
  t.equal(badJson.json.reason, 'BadRequest');
  const wrongKind = await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'x' },
  });
  t.equal(wrongKind.status, 400);
  t.match(wrongKind.json.message, /^Secret in version "v1" cannot be handled as a ConfigMap: /);
  const proto = await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', 'k8s\u0000', {
    headers: { 'content-type': 'application/vnd.kubernetes.protobuf' },
  });
  t.equal(proto.status, 415);
  t.match(proto.json.message, /does not decode this kind from protobuf/);
  const patchType = await raw(
    c,
    'PATCH',
    '/api/v1/namespaces/default/configmaps/x',
    {},
    { headers: { 'content-type': 'text/plain' } },
  );
  t.equal(patchType.status, 415);
  const huge = await raw(
    c,
    'POST',
    '/api/v1/namespaces/default/configmaps',
    cm('huge', { k: 'x'.repeat(3 * 1024 * 1024 + 10) }),
  );
  t.equal(huge.status, 413);
  const badSel = await raw(c, 'GET', '/api/v1/namespaces/default/configmaps?labelSelector=a%3D%3D%3Db');
  t.equal(badSel.status, 400);
  const badCont = await raw(c, 'GET', '/api/v1/namespaces/default/configmaps?limit=1&continue=%%%');
  t.equal(badCont.status, 400);
  const nsScoped = await raw(c, 'GET', '/api/v1/namespaces/default/namespaces');
  t.equal(nsScoped.status, 404);
  const method = await raw(c, 'POST', '/api/v1/namespaces/default/configmaps/x');
  t.equal(method.status, 405);
  t.equal((await raw(c, 'GET', '/healthz', undefined, { auth: false })).status, 200, 'still healthy');
});

t.test('concurrent updates from one read: exactly one wins, the rest conflict', async (t) => {
  const s = await startApiServer({ tls: false });
  t.teardown(() => s.close());
  const c = creds(s);
  const made = await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', cm('race'));
  const results = await Promise.all(
    Array.from({ length: 8 }, (_v, i) =>
      raw(c, 'PUT', '/api/v1/namespaces/default/configmaps/race', { ...made.json, data: { writer: String(i) } }),
    ),
  );
  t.equal(results.filter((r) => r.status === 200).length, 1);
  t.equal(results.filter((r) => r.status === 409).length, 7);
});

t.test('history is bounded by bytes as well as count', async (t) => {
  const small = new Store({ historyLimit: 1000, historyBytes: 10_000 });
  const o = (i: number) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `c${i}`, namespace: 'd' },
    data: { k: 'x'.repeat(3000) },
  });
  for (let i = 0; i < 10; i++) small.create({ group: '', resource: 'configmaps' }, 'd', o(i));
  t.equal(small.eventsSince(0), 'gone', 'early events dropped by the byte budget');
  const kept = small.eventsSince(small.oldestResumableRv());
  t.ok(Array.isArray(kept) && kept.length >= 2 && kept.length <= 4, 'a few recent events remain');
});

t.test('an update without resourceVersion is unconditional and wins over a concurrent write', async (t) => {
  const s = await startApiServer({ tls: false });
  t.teardown(() => s.close());
  const c = creds(s);
  await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', cm('uncond'));
  const results = await Promise.all(
    Array.from({ length: 5 }, (_v, i) =>
      raw(c, 'PUT', '/api/v1/namespaces/default/configmaps/uncond', cm('uncond', { i: String(i) })),
    ),
  );
  t.same(
    results.map((r) => r.status),
    [200, 200, 200, 200, 200],
  );
});
