// Seeded request fuzzing of the embedded server: thousands of random and malformed bodies, paths,
// query strings and patch documents. Every answer must be a 2xx with a JSON object or a 4xx with a
// well-formed Status (or the real server's plain `404 page not found`), never a 5xx, and the server
// must still serve valid requests afterwards. The seed is printed; FUZZ_SEED=<n> replays a run and
// FUZZ_REQUESTS=<n> changes its length.
import '../../support/apiserver/node20-shim.ts';
import t from 'tap';
import { startApiServer } from '../../../src/local/apiserver/server.ts';
import { raw, type Credentials, type RawResponse } from '../../support/apiserver/raw.ts';
import { Rng } from '../../support/rng.ts';

const seed = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const REQUESTS = Number(process.env['FUZZ_REQUESTS'] ?? 3000);

const rng = new Rng(seed);
const int = (n: number) => Math.floor(rng.next() * n);
const pick = <T>(xs: readonly T[]): T => rng.pick(xs);
const chance = (p: number) => rng.chance(p);

const WEIRD_STRINGS = [
  '',
  ' ',
  'a',
  'A_B',
  'x'.repeat(300),
  '-',
  '.',
  '..',
  '%',
  '%ZZ',
  '%2F',
  'é',
  '\u0000',
  '\ud800',
  '/',
  '?',
  '#',
  'a=b',
  '(',
  ')',
  ',',
  '!',
  'in',
  'notin',
  'null',
  '0',
  '-1',
  '1e9',
  'true',
  'default',
  'kube-system',
  'cm-1',
  'v1',
  'apps/v1',
  'ConfigMap',
  'Secret',
];
const randomString = (): string =>
  chance(0.6) ? pick(WEIRD_STRINGS) : Array.from({ length: int(12) }, () => String.fromCharCode(32 + int(95))).join('');

function randomValue(depth = 0): unknown {
  switch (int(depth > 3 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return chance(0.5);
    case 2:
      return pick([0, -1, 1.5, 2 ** 53, 1e308, 3306, -0]);
    case 3:
    case 4:
      return randomString();
    case 5:
      return Array.from({ length: int(4) }, () => randomValue(depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: int(5) }, () => [
          pick([
            randomString(),
            'metadata',
            'name',
            'labels',
            'data',
            'spec',
            'status',
            'kind',
            'apiVersion',
            'ownerReferences',
            'finalizers',
          ]),
          randomValue(depth + 1),
        ]),
      );
  }
}

const validCm = () => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: `cm-${int(5)}`, labels: { a: 'b' }, ownerReferences: [] as unknown[] },
  data: { k: 'v' },
});
const validSts = () => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: `sts-${int(3)}`, labels: { a: 'b' } },
  spec: {
    replicas: 1,
    serviceName: 's',
    selector: { matchLabels: { app: 's' } },
    template: { metadata: { labels: { app: 's' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
  },
});

/** A valid object with one random spot replaced by a random value (or removed). */
function mutated(): unknown {
  const o: any = chance(0.7) ? validCm() : validSts();
  const spots: ((v: unknown) => void)[] = [
    (v) => (o.metadata = v),
    (v) => (o.metadata.name = v),
    (v) => (o.metadata.labels = v),
    (v) => (o.metadata.labels.a = v),
    (v) => (o.metadata.ownerReferences = v),
    (v) => (o.metadata.ownerReferences = [v]),
    (v) => (o.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'u', controller: v }]),
    (v) => (o.metadata.finalizers = v),
    (v) => (o.metadata.annotations = v),
    (v) => (o.metadata.namespace = v),
    (v) => (o.metadata.resourceVersion = v),
    (v) => (o.metadata.generateName = v),
    (v) => (o.metadata.creationTimestamp = v),
    (v) => (o.kind = v),
    (v) => (o.apiVersion = v),
    (v) => (o.data = v),
    (v) => (o.spec = v),
    (v) => (o.status = v),
  ];
  if (chance(0.25)) return o; // left valid, so that creates, updates and patches also succeed
  pick(spots)(chance(0.1) ? undefined : randomValue());
  return o;
}

function randomJsonPatch(): unknown {
  if (chance(0.1)) return randomValue();
  return Array.from({ length: 1 + int(3) }, () => {
    const op: Record<string, unknown> = {
      op: pick(['add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus', randomString()]),
    };
    if (chance(0.9))
      op['path'] = pick([
        '',
        '/',
        '/metadata',
        '/metadata/labels',
        '/metadata/labels/a',
        '/metadata/name',
        '/data/k',
        '/data/-',
        '/spec/replicas',
        '/a/b/c',
        '/metadata/ownerReferences/0',
        '/metadata/finalizers/-',
        `/${randomString()}`,
        randomString(),
      ]);
    if (chance(0.3)) op['from'] = pick(['/data/k', '/metadata', '/nope', randomString()]);
    if (chance(0.8)) op['value'] = randomValue(1);
    return op;
  });
}

function randomBody(method: string, contentType: string): unknown {
  if (method === 'PATCH' && contentType === 'application/json-patch+json') return randomJsonPatch();
  switch (int(6)) {
    case 0:
      return randomValue();
    case 1:
      return pick([
        '{',
        '{"a":',
        '[',
        'null',
        '"x"',
        '\u0000\u0001',
        '{"kind":',
        'k8s\u0000protobuf',
        'a: b\n- c',
        '{}',
        '[]',
      ]);
    default:
      return mutated();
  }
}

/** encodeURIComponent, except that a lone surrogate becomes the invalid UTF-8 it would be on the wire. */
const enc = (v: string): string => {
  try {
    return encodeURIComponent(v);
  } catch {
    return '%ED%A0%80';
  }
};

const NAMES = ['cm-0', 'cm-1', 'sts-0', 'default', 'kube-system', 'nope', '%ZZ', '..', 'a%2Fb', 'x'.repeat(260), 'é'];
function randomPath(): string {
  const ns = chance(0.5) ? 'default' : pick(['kube-system', 'no-such-ns', '%ZZ', '', 'UPPER']);
  const bases = [
    `/api/v1/namespaces/${ns}/configmaps`,
    `/api/v1/namespaces/${ns}/secrets`,
    `/api/v1/namespaces/${ns}/pods`,
    '/api/v1/configmaps',
    '/api/v1/namespaces',
    `/apis/apps/v1/namespaces/${ns}/statefulsets`,
    `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`,
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
    '/api',
    '/apis',
    '/api/v1',
    '/apis/apps',
    '/apis/nope/v1/things',
    '/version',
    '/openapi/v2',
    '/openapi/v3',
  ];
  let p = pick(bases);
  if (chance(0.6)) p += `/${enc(pick(NAMES))}`;
  if (chance(0.2)) p += `/${pick(['status', 'scale', 'finalize', 'bogus', '%ZZ'])}`;
  if (chance(0.05)) p += `/${randomString()}`;
  if (chance(0.05))
    p = `/${Array.from({ length: int(5) }, () => pick(['api', 'apis', 'v1', '%', '%ZZ', '..', '', randomString()])).join('/')}`;
  // Node refuses to send unescaped non-ASCII in a request line; everything else goes out as is.
  // (and a leading `//` would make the test client read the next segment as a host name).
  return `/${p.replace(/^\/+/, '')}`.replace(/[^\x21-\x7e]|[#?]/gu, (ch) => enc(ch));
}

const QUERY_KEYS = [
  'labelSelector',
  'fieldSelector',
  'limit',
  'continue',
  'resourceVersion',
  'resourceVersionMatch',
  'dryRun',
  'fieldValidation',
  'propagationPolicy',
  'gracePeriodSeconds',
  'orphanDependents',
  'timeoutSeconds',
  'includeObject',
  'fieldManager',
  'force',
  'pretty',
];
function randomQuery(): string {
  if (chance(0.4)) return '';
  const parts = Array.from({ length: 1 + int(3) }, () => {
    const k = chance(0.9) ? pick(QUERY_KEYS) : randomString();
    const v = pick([
      '',
      'All',
      'Strict',
      'Foreground',
      'Bogus',
      '-1',
      '0',
      '1',
      '2',
      'a=b',
      'a==b',
      'a in (b',
      '!a',
      'metadata.name=cm-0',
      'data.x=1',
      'true',
      '%%%',
      'eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwic3RhcnQiOiIifQ==',
      randomString(),
    ]);
    return `${enc(k)}=${chance(0.9) ? enc(v) : v.replace(/[^\x21-\x7e]/gu, (ch) => enc(ch))}`;
  });
  return `?${parts.join('&')}`;
}

const CONTENT_TYPES = [
  'application/json',
  'application/json',
  'application/yaml',
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
  'text/plain',
  'application/vnd.kubernetes.protobuf',
  '',
];

/** What every answer must look like; returns a problem or undefined. */
function problem(r: RawResponse): string | undefined {
  if (r.status >= 500 || r.status < 200 || (r.status >= 300 && r.status < 400)) return `HTTP ${r.status}`;
  if (r.status === 404 && r.text === '404 page not found\n') return undefined;
  // Go's net/http answers a malformed %-escape in the path itself, in plain text.
  if (r.status === 400 && r.text === '400 Bad Request') return undefined;
  const b = r.json;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return `not a JSON object: ${r.text.slice(0, 120)}`;
  return r.status >= 400 ? failureProblem(r) : successProblem(r);
}

/** A 4xx answer must be a complete failure Status whose code matches the HTTP status. */
function failureProblem(r: RawResponse): string | undefined {
  const b = r.json;
  if (b.kind !== 'Status' || b.apiVersion !== 'v1' || b.status !== 'Failure')
    return `not a failure Status: ${r.text.slice(0, 200)}`;
  if (b.code !== r.status) return `Status code ${b.code} on HTTP ${r.status}`;
  if (typeof b.message !== 'string' || !b.message) return 'Status without a message';
  if (typeof b.reason !== 'string' || typeof b.metadata !== 'object') return 'Status without reason or metadata';
  return undefined;
}

/** A 2xx answer is an object with a kind, or one of the discovery documents that have none. */
function successProblem(r: RawResponse): string | undefined {
  const b = r.json;
  if (
    typeof b.kind !== 'string' &&
    typeof b.paths !== 'object' &&
    typeof b.swagger !== 'string' &&
    typeof b.major !== 'string' &&
    typeof b.openapi !== 'string'
  )
    return `2xx without a kind: ${r.text.slice(0, 120)}`;
  return undefined;
}

/** One random request. The draws happen in a fixed order, so a seed replays the same requests. */
function randomRequest(): { method: string; path: string; ct: string; body: unknown } {
  // One request in ten is a create on a real collection with a (possibly mutated) valid body, so that
  // every seed reaches the write paths rather than only their refusals.
  const nearValid = chance(0.1);
  const method = nearValid
    ? 'POST'
    : pick(['GET', 'GET', 'POST', 'POST', 'PUT', 'PUT', 'PATCH', 'PATCH', 'DELETE', 'OPTIONS']);
  const path = nearValid
    ? pick(['/api/v1/namespaces/default/configmaps', '/apis/apps/v1/namespaces/default/statefulsets'])
    : randomPath() + randomQuery();
  const ct = nearValid ? 'application/json' : method === 'PATCH' ? pick(CONTENT_TYPES.slice(3)) : pick(CONTENT_TYPES);
  const body = nearValid ? mutated() : method === 'GET' || method === 'OPTIONS' ? undefined : randomBody(method, ct);
  return { method, path, ct, body };
}

t.test(`fuzzed requests never get a 5xx or a malformed answer (FUZZ_SEED=${seed})`, async (t) => {
  t.comment(`fuzz seed ${seed}: replay with FUZZ_SEED=${seed}`);
  const s = await startApiServer({ tls: false });
  t.teardown(() => s.close());
  const c: Credentials = { server: s.url, token: s.token };
  const failures: string[] = [];
  const codes = new Map<number, number>();
  for (let i = 0; i < REQUESTS && failures.length < 10; i++) {
    const { method, path, ct, body } = randomRequest();
    const r = await raw(c, method, path, body, { headers: ct ? { 'content-type': ct } : {} });
    codes.set(r.status, (codes.get(r.status) ?? 0) + 1);
    const p = problem(r);
    if (p) failures.push(`#${i} ${method} ${path} [${ct}] ${JSON.stringify(body)?.slice(0, 200)} -> ${p}`);
  }
  t.comment(`answers by code: ${JSON.stringify(Object.fromEntries([...codes].sort((a, b) => a[0] - b[0])))}`);
  t.same(failures, [], `every answer well-formed, none 5xx (seed ${seed})`);
  t.ok((codes.get(201) ?? 0) > 0, 'some creates succeeded (the fuzzer reaches the write paths)');
  t.ok(
    (codes.get(400) ?? 0) > 0 && (codes.get(422) ?? 0) > 0,
    'both decode (400) and validation (422) failures were exercised',
  );

  // FUZZ_SEED=2047195845 found this: a backslash path once made the test client dial host "f".
  const backslash = await raw(c, 'GET', '/\\f');
  t.equal(problem(backslash), undefined, 'a path with a backslash reaches the server and gets a well-formed answer');

  const ok = await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'after-fuzz' },
    data: { a: '1' },
  });
  t.equal(ok.status, 201, 'a valid create still works afterwards');
  const back = await raw(c, 'GET', '/api/v1/namespaces/default/configmaps/after-fuzz');
  t.same(back.json.data, { a: '1' });
  t.equal((await raw(c, 'GET', '/healthz', undefined, { auth: false })).status, 200);
});
