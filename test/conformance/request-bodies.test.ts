// Malformed create/update/patch bodies: each is a 400 BadRequest (or, for a patch whose result the
// types cannot hold, a 422) with the wording kube-apiserver's decoder and handlers use.
import '../support/apiserver/node20-shim.ts';
import t, { type Test } from 'tap';
import { startTarget } from '../support/apiserver/target.ts';

const target = await startTarget();
t.teardown(() => target.close());
const ns = await target.namespace('bodies');
const cms = `/api/v1/namespaces/${ns}/configmaps`;
const cm = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...extra },
});

function isStatus(t: Test, r: { status: number; json: any }, code: number, reason: string): void {
  t.equal(r.status, code, `HTTP ${code}`);
  t.match(r.json, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason }, `a ${reason} Status`);
}

const cannotHandle = 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal';

t.test('metadata that is not an object', async (t) => {
  const r = await target.raw('POST', cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: 'x' });
  isStatus(t, r, 400, 'BadRequest');
  t.equal(r.json.message, `${cannotHandle} string into Go struct field ConfigMap.metadata of type v1.ObjectMeta`);
});

t.test('a name that is not a string', async (t) => {
  const r = await target.raw('POST', cms, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 5 } });
  isStatus(t, r, 400, 'BadRequest');
  t.equal(r.json.message, `${cannotHandle} number into Go struct field ObjectMeta.metadata.name of type string`);
});

t.test('labels with a non-string value, and labels that are not a map', async (t) => {
  const num = await target.raw('POST', cms, cm('lab', { labels: { a: 'ok', b: 1 } }));
  isStatus(t, num, 400, 'BadRequest');
  t.equal(num.json.message, `${cannotHandle} number into Go struct field ObjectMeta.metadata.labels of type string`);
  const list = await target.raw('POST', cms, cm('lab', { labels: ['a'] }));
  isStatus(t, list, 400, 'BadRequest');
  t.equal(
    list.json.message,
    `${cannotHandle} array into Go struct field ObjectMeta.metadata.labels of type map[string]string`,
  );
  const bool = await target.raw('POST', cms, cm('lab', { annotations: { a: true } }));
  t.equal(
    bool.json.message,
    `${cannotHandle} bool into Go struct field ObjectMeta.metadata.annotations of type string`,
  );
});

t.test('ConfigMap data values must be strings', async (t) => {
  const r = await target.raw('POST', cms, { ...cm('data'), data: { port: 3306 } });
  isStatus(t, r, 400, 'BadRequest');
  t.equal(r.json.message, `${cannotHandle} number into Go struct field ConfigMap.data of type string`);
});

t.test('a body that is not an object, or empty', async (t) => {
  const arr = await target.raw('POST', cms, [1, 2]);
  isStatus(t, arr, 400, 'BadRequest');
  t.match(
    arr.json.message,
    /^the object provided is unrecognized \(must be of type ConfigMap\): couldn't get version\/kind; json parse error: json: cannot unmarshal array into Go value of type struct \{ APIVersion string/,
  );
  t.match(arr.json.message, / \(5b312c325d\)$/, 'the body summarised in hex');
  const empty = await target.raw('POST', cms, '');
  isStatus(t, empty, 400, 'BadRequest');
  t.match(
    empty.json.message,
    /^the object provided is unrecognized \(must be of type ConfigMap\): couldn't get version\/kind; json parse error: unexpected end of JSON input \(<empty>\)$/,
  );
});

t.test('kind or apiVersion that is not a string', async (t) => {
  const r = await target.raw('POST', cms, { apiVersion: 'v1', kind: 7, metadata: { name: 'k' } });
  isStatus(t, r, 400, 'BadRequest');
  t.match(
    r.json.message,
    /^the object provided is unrecognized \(must be of type ConfigMap\): couldn't get version\/kind; json parse error: json: cannot unmarshal number into Go struct field \.kind of type string \(\{"apiVersion":"v1","kind":7,"m \.\.\.\)$/,
  );
});

t.test('a body whose kind or apiVersion disagrees with the URL', async (t) => {
  const kind = await target.raw('POST', cms, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k' } });
  isStatus(t, kind, 400, 'BadRequest');
  t.equal(
    kind.json.message,
    'Secret in version "v1" cannot be handled as a ConfigMap: converting (v1.Secret) to (core.ConfigMap): unknown conversion',
  );
  const version = await target.raw('POST', cms, { apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'k' } });
  isStatus(t, version, 400, 'BadRequest');
  t.match(
    version.json.message,
    /^ConfigMap in version "v1" cannot be handled as a ConfigMap: no kind "ConfigMap" is registered for version "apps\/v1" in scheme /,
  );
});

t.test('PUT: the name in the body must be the name in the URL', async (t) => {
  const made = await target.raw('POST', cms, cm('put-me'));
  t.equal(made.status, 201);
  const other = await target.raw('PUT', `${cms}/put-me`, {
    ...made.json,
    metadata: { ...made.json.metadata, name: 'someone-else' },
  });
  isStatus(t, other, 400, 'BadRequest');
  t.equal(other.json.message, 'the name of the object (someone-else) does not match the name on the URL (put-me)');
  const none = await target.raw('PUT', `${cms}/put-me`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} });
  isStatus(t, none, 400, 'BadRequest');
  t.equal(none.json.message, 'the name of the object (put-me based on URL) was undeterminable: name must be provided');
  const wrongNs = await target.raw('PUT', `${cms}/put-me`, {
    ...made.json,
    metadata: { ...made.json.metadata, namespace: 'default' },
  });
  isStatus(t, wrongNs, 400, 'BadRequest');
  t.equal(
    wrongNs.json.message,
    'the namespace of the provided object does not match the namespace sent on the request',
  );
  const badLabels = await target.raw('PUT', `${cms}/put-me`, {
    ...made.json,
    metadata: { ...made.json.metadata, labels: { a: 1 } },
  });
  isStatus(t, badLabels, 400, 'BadRequest');
  t.equal(
    badLabels.json.message,
    `${cannotHandle} number into Go struct field ObjectMeta.metadata.labels of type string`,
  );
});

t.test('a merge patch that leaves a label non-string is a 422 on the patch', async (t) => {
  t.equal((await target.raw('POST', cms, cm('patch-me'))).status, 201);
  const r = await target.raw(
    'PATCH',
    `${cms}/patch-me`,
    { metadata: { labels: { a: 1 } } },
    { 'content-type': 'application/merge-patch+json' },
  );
  isStatus(t, r, 422, 'Invalid');
  t.match(
    r.json.message,
    /^ "" is invalid: patch: Invalid value: ".*": json: cannot unmarshal number into Go struct field ObjectMeta\.metadata\.labels of type string$/,
  );
  t.equal(r.json.details.causes[0].field, 'patch');
  const after = await target.raw('GET', `${cms}/patch-me`);
  t.equal(after.json.metadata.labels, undefined, 'nothing was stored');
});

t.test('MicroTime fields (Lease renewTime, Event eventTime) need exactly six fractional digits', async (t) => {
  const leases = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`;
  const lease = (name: string, renewTime: unknown) => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name },
    spec: { holderIdentity: 'a', leaseDurationSeconds: 10, renewTime },
  });
  const layout = '"2006-01-02T15:04:05.000000Z07:00"';
  const prefix = 'Lease in version "v1" cannot be handled as a Lease: ';
  const cases: [unknown, string][] = [
    [
      '2026-11-30T03:38:27.605Z',
      `parsing time "2026-11-30T03:38:27.605Z" as ${layout}: cannot parse ".605Z" as ".000000"`,
    ],
    ['2026-11-30T03:38:27Z', `parsing time "2026-11-30T03:38:27Z" as ${layout}: cannot parse "Z" as ".000000"`],
    [
      '2026-11-30T03:38:27.605000123Z',
      `parsing time "2026-11-30T03:38:27.605000123Z" as ${layout}: cannot parse "123Z" as "Z07:00"`,
    ],
    ['yesterday', `parsing time "yesterday" as ${layout}: cannot parse "yesterday" as "2006"`],
    ['2026-13-01T00:00:00.000000Z', 'parsing time "2026-13-01T00:00:00.000000Z": month out of range'],
  ];
  for (const [i, [value, why]] of cases.entries()) {
    const r = await target.raw('POST', leases, lease(`bad-${i}`, value));
    isStatus(t, r, 400, 'BadRequest');
    t.equal(r.json.message, prefix + why, String(value));
  }
  const ok = await target.raw('POST', leases, lease('micro', '2026-11-30T03:38:27.605000Z'));
  t.equal(ok.status, 201, ok.text);
  t.equal(ok.json.spec.renewTime, '2026-11-30T03:38:27.605000Z');
  const offset = await target.raw('POST', leases, lease('offset', '2026-11-30T05:38:27.605000+02:00'));
  t.equal(offset.status, 201, offset.text);
  t.equal(offset.json.spec.renewTime, '2026-11-30T03:38:27.605000Z', 'stored in UTC');
  const ev = await target.raw('POST', `/api/v1/namespaces/${ns}/events`, {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'ev' },
    involvedObject: { kind: 'Lease', name: 'micro', namespace: ns },
    eventTime: '2026-11-30T03:38:27.605Z',
  });
  isStatus(t, ev, 400, 'BadRequest');
  t.equal(
    ev.json.message,
    `Event in version "v1" cannot be handled as a Event: parsing time "2026-11-30T03:38:27.605Z" as ${layout}: cannot parse ".605Z" as ".000000"`,
  );
});
