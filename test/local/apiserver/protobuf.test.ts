// Protobuf request bodies: the `k8s\0` + runtime.Unknown envelope, hand-encoded here with the field
// numbers of Kubernetes' generated.proto (independently of src/local/apiserver/protobuf/messages.ts),
// decoded to the JSON the Go types print; unknown kinds and fields are refused, never dropped, and
// garbage is a 400, never a 5xx. test/conformance/kubectl.test.ts drives the real kubectl's encoder.
import '../../support/apiserver/node20-shim.ts';
import t from 'tap';
import protobuf from 'protobufjs';
import { decodeProtobufBody, ProtobufBodyError } from '../../../src/local/apiserver/protobuf/decode.ts';
import { startApiServer, type EmbeddedApiServer } from '../../../src/local/apiserver/server.ts';
import { raw, type Credentials } from '../../support/apiserver/raw.ts';

type Enc = (w: protobuf.Writer) => void;
const LEN = 2;
const VARINT = 0;
/** A length-delimited field holding a nested message. */
const msg =
  (n: number, body: Enc): Enc =>
  (w) => {
    w.uint32((n << 3) | LEN).fork();
    body(w);
    w.ldelim();
  };
const str =
  (n: number, s: string): Enc =>
  (w) =>
    void w.uint32((n << 3) | LEN).string(s);
const bytes =
  (n: number, b: Uint8Array): Enc =>
  (w) =>
    void w.uint32((n << 3) | LEN).bytes(b);
const int =
  (n: number, v: number): Enc =>
  (w) =>
    void w.uint32((n << 3) | VARINT).int64(v);
const entry = (n: number, k: string, v: Enc): Enc => msg(n, (w) => [str(1, k), v].forEach((f) => f(w)));
const all =
  (...fs: Enc[]): Enc =>
  (w) =>
    fs.forEach((f) => f(w));
const encode = (e: Enc): Buffer => {
  const w = protobuf.Writer.create();
  e(w);
  return Buffer.from(w.finish());
};
/** The envelope: magic, then Unknown{typeMeta=1{apiVersion=1, kind=2}, raw=2, contentEncoding=3, contentType=4}. */
const envelope = (apiVersion: string, kind: string, object: Enc): Buffer =>
  Buffer.concat([
    Buffer.from('k8s\0', 'latin1'),
    encode(all(msg(1, all(str(1, apiVersion), str(2, kind))), bytes(2, encode(object)), str(3, ''), str(4, ''))),
  ]);
// ObjectMeta as Go's marshaller writes it: every non-pointer field, even empty; creationTimestamp=8 empty.
const meta = (name: string, extra: Enc = () => {}): Enc =>
  msg(
    1,
    all(
      str(1, name),
      str(2, ''),
      str(3, ''),
      str(4, ''),
      str(5, ''),
      str(6, ''),
      int(7, 0),
      msg(8, () => {}),
      extra,
    ),
  );

t.test('Namespace and ConfigMap as kubectl create sends them', async (t) => {
  const ns = envelope(
    'v1',
    'Namespace',
    all(
      meta('x', entry(11, 'team', str(2, 'db'))),
      msg(2, () => {}),
      msg(3, str(1, '')),
    ),
  );
  t.same(decodeProtobufBody(ns), {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'x', labels: { team: 'db' } },
    spec: {},
  });
  const cm = envelope('v1', 'ConfigMap', all(meta('c'), entry(2, 'a', str(2, '1')), entry(2, 'b', str(2, ''))));
  t.same(decodeProtobufBody(cm), {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c' },
    data: { a: '1', b: '' },
  });
});

t.test('bytes maps are base64; IntOrString, Quantity and MicroTime become their JSON scalars', async (t) => {
  const secret = envelope(
    'v1',
    'Secret',
    all(meta('s'), entry(2, 'pw', bytes(2, Buffer.from('s3cret'))), str(3, 'Opaque')),
  );
  t.same(decodeProtobufBody(secret)['data'], { pw: Buffer.from('s3cret').toString('base64') });
  t.equal(decodeProtobufBody(secret)['type'], 'Opaque');
  // ServicePort{name=1, protocol=2, port=3, targetPort=4 IntOrString{type=1, intVal=2, strVal=3}}
  const port = (target: Enc) => msg(1, all(str(1, 'p'), str(2, 'TCP'), int(3, 80), msg(4, target)));
  const svc = envelope(
    'v1',
    'Service',
    all(meta('svc'), msg(2, all(port(all(int(1, 1), str(3, 'http'))), str(3, '')))),
  );
  t.same((decodeProtobufBody(svc)['spec'] as any).ports, [
    { name: 'p', protocol: 'TCP', port: 80, targetPort: 'http' },
  ]);
  const lease = envelope(
    'coordination.k8s.io/v1',
    'Lease',
    all(meta('l'), msg(2, all(str(1, 'me'), int(2, 10), msg(4, all(int(1, 1_800_000_000), int(2, 605_123_000)))))),
  );
  t.same(decodeProtobufBody(lease)['spec'], {
    holderIdentity: 'me',
    leaseDurationSeconds: 10,
    renewTime: '2027-01-15T08:00:00.605123Z',
  });
});

t.test('pointer fields keep their zero; embedded structs are inlined', async (t) => {
  // DeploymentSpec{replicas=1 (*int32), template=3 PodTemplateSpec{spec=2 PodSpec{containers=2}}}
  const container = msg(
    2,
    all(str(1, 'c'), str(2, 'busybox'), msg(10, all(msg(1, msg(1, str(1, 'true'))), int(4, 5)))),
  );
  const d = envelope(
    'apps/v1',
    'Deployment',
    all(meta('d'), msg(2, all(int(1, 0), msg(3, all(meta(''), msg(2, container)))))),
  );
  const spec = decodeProtobufBody(d)['spec'] as any;
  t.equal(spec.replicas, 0);
  t.same(spec.template.spec.containers, [
    { name: 'c', image: 'busybox', livenessProbe: { exec: { command: ['true'] }, periodSeconds: 5 } },
  ]);
});

t.test('unknown kinds and fields are refused by name; malformed bodies are errors, not crashes', async (t) => {
  const unknownField = envelope('v1', 'ConfigMap', all(meta('c'), str(99, 'surprise')));
  t.throws(() => decodeProtobufBody(unknownField), {
    name: 'ProtobufBodyError',
    unsupported: true,
    message: 'field 99 of ConfigMap (the object) is not decoded by the embedded API server',
  });
  t.throws(() => decodeProtobufBody(envelope('batch/v1', 'Job', meta('j'))), { unsupported: true, message: /Job/ });
  t.throws(() => decodeProtobufBody(Buffer.from('{"kind":"ConfigMap"}')), {
    name: 'ProtobufBodyError',
    message: /does not appear to be a protobuf message/,
  });
  const cm = envelope('v1', 'ConfigMap', all(meta('c'), entry(2, 'a', str(2, '1'))));
  for (let cut = 5; cut < cm.length; cut += 3) {
    try {
      decodeProtobufBody(cm.subarray(0, cut));
    } catch (e) {
      t.ok(e instanceof ProtobufBodyError, `cut at ${cut}: ${String(e)}`);
    }
  }
});

t.test('over HTTP: a protobuf create works, an undecodable kind is 415, garbage is 400', async (t) => {
  const s: EmbeddedApiServer = await startApiServer({ tls: false });
  t.teardown(() => s.close());
  const c: Credentials = { server: s.url, token: s.token };
  const pb = { 'content-type': 'application/vnd.kubernetes.protobuf', accept: 'application/json' };
  const cm = envelope('v1', 'ConfigMap', all(meta('from-pb'), entry(2, 'k', str(2, 'v'))));
  const made = await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', cm, { headers: pb });
  t.equal(made.status, 201, made.text);
  t.same(made.json.data, { k: 'v' });
  const job = await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', envelope('v1', 'Job', meta('j')), {
    headers: pb,
  });
  t.equal(job.status, 415);
  t.equal(job.json.reason, 'UnsupportedMediaType');
  const garbage = Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x0a, 0xff, 0xff, 0x01])]);
  const bad = await raw(c, 'POST', '/api/v1/namespaces/default/configmaps', garbage, { headers: pb });
  t.equal(bad.status, 400, bad.text);
  t.equal(bad.json.reason, 'BadRequest');
});
