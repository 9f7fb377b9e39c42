// metadata.ownerReferences validation (apimachinery ValidateOwnerReferences): apiVersion, kind, name
// and uid are required, at most one reference is the controller, and an Event owns nothing.
// Older kube-apiserver releases print these paths without the index (`metadata.ownerReferences.uid`),
// newer ones with it (`metadata.ownerReferences[0].uid`): a real server may answer either; the embedded
// server must answer the indexed form.
import '../support/apiserver/node20-shim.ts';
import t from 'tap';
import { CoreV1Api } from '@kubernetes/client-node';
import { startTarget } from '../support/apiserver/target.ts';
import { failure } from '../support/apiserver/errors.ts';

const target = await startTarget();
t.teardown(() => target.close());
const core = target.kc.makeApiClient(CoreV1Api);
const ns = await target.namespace('owners');

const owner = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'owner' } } });
const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! };
const idx = (i: number) => (target.kind === 'embedded' ? `\\[${i}\\]` : `(\\[${i}\\])?`);
const at = (i: number, f: string) => new RegExp(`^metadata\\.ownerReferences${idx(i)}\\.${f}$`);

t.test('a complete reference is accepted and read back', async (t) => {
  const dep = await core.createNamespacedConfigMap({
    namespace: ns,
    body: { metadata: { name: 'dep-ok', ownerReferences: [{ ...ref, controller: true, blockOwnerDeletion: true }] } },
  });
  t.same(
    dep.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]),
    [['ConfigMap', 'owner', ref.uid, true]],
  );
});

t.test('each missing field is a 422 Invalid naming its path', async (t) => {
  for (const [field, detail] of [
    ['uid', 'uid must not be empty'],
    ['name', 'name must not be empty'],
    ['kind', 'kind must not be empty'],
    ['apiVersion', 'version must not be empty'],
  ] as const) {
    const bad: Record<string, string> = { ...ref };
    delete bad[field];
    const r = await failure(
      core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: `dep-no-${field.toLowerCase()}`, ownerReferences: [bad as never] } },
      }),
    );
    t.equal(r.code, 422, `without ${field}`);
    t.equal(r.status.reason, 'Invalid');
    t.equal(r.status.details.causes.length, 1, 'one cause');
    t.match(r.status.details.causes[0], { reason: 'FieldValueInvalid', message: `Invalid value: "": ${detail}` });
    t.match(r.status.details.causes[0].field, at(0, field));
    t.match(
      r.status.message,
      new RegExp(
        `^ConfigMap "dep-no-${field.toLowerCase()}" is invalid: metadata\\.ownerReferences${idx(0)}\\.${field}: Invalid value: "": ${detail}$`,
      ),
    );
  }
});

t.test('the second reference gets index 1; several errors are listed together', async (t) => {
  const r = await failure(
    core.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: {
          name: 'dep-two',
          ownerReferences: [ref, { apiVersion: 'v1', kind: 'ConfigMap', name: '', uid: '' }],
        },
      },
    }),
  );
  t.equal(r.code, 422);
  t.same(
    r.status.details.causes.map((c: { field: string }) => c.field.replace('[1]', '')),
    ['metadata.ownerReferences.name', 'metadata.ownerReferences.uid'],
  );
  t.match(r.status.details.causes[0].field, at(1, 'name'));
  t.match(
    r.status.message,
    /^ConfigMap "dep-two" is invalid: \[metadata\.ownerReferences(\[1\])?\.name: Invalid value: "": name must not be empty, metadata\.ownerReferences(\[1\])?\.uid: Invalid value: "": uid must not be empty\]$/,
  );
});

t.test('two controller references are refused', async (t) => {
  const second = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name: 'other',
    uid: '00000000-0000-0000-0000-000000000001',
    controller: true,
  };
  const r = await failure(
    core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'dep-ctl', ownerReferences: [{ ...ref, controller: true }, second] } },
    }),
  );
  t.equal(r.code, 422);
  t.equal(r.status.details.causes[0].field, 'metadata.ownerReferences');
  t.match(
    r.status.message,
    /^ConfigMap "dep-ctl" is invalid: metadata\.ownerReferences: Invalid value: .*: Only one reference can have Controller set to true\. Found "true" in references for ConfigMap\/owner and ConfigMap\/other$/,
  );
  const oneController = await core.createNamespacedConfigMap({
    namespace: ns,
    body: {
      metadata: {
        name: 'dep-one-ctl',
        ownerReferences: [
          { ...ref, controller: true },
          { ...second, controller: false },
        ],
      },
    },
  });
  t.equal(oneController.metadata?.ownerReferences?.length, 2, 'one controller among several owners is fine');
});

t.test('an Event cannot be an owner', async (t) => {
  const r = await failure(
    core.createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: {
          name: 'dep-ev',
          ownerReferences: [
            { apiVersion: 'v1', kind: 'Event', name: 'e', uid: '00000000-0000-0000-0000-000000000002' },
          ],
        },
      },
    }),
  );
  t.equal(r.code, 422);
  t.match(
    r.status.message,
    /^ConfigMap "dep-ev" is invalid: metadata\.ownerReferences(\[0\])?: Invalid value: .*: \/v1, Kind=Event is disallowed from being an owner$/,
  );
});

t.test('updates are validated too', async (t) => {
  const cm = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'dep-upd' } } });
  const r = await failure(
    core.replaceNamespacedConfigMap({
      name: 'dep-upd',
      namespace: ns,
      body: { ...cm, metadata: { ...cm.metadata, ownerReferences: [{ ...ref, uid: '' }] } },
    }),
  );
  t.equal(r.code, 422);
  t.match(r.status.details.causes[0].field, at(0, 'uid'));
});

t.test('a reference field of the wrong JSON type is a decode error, not a validation error', async (t) => {
  const r = await target.raw('POST', `/api/v1/namespaces/${ns}/configmaps`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'dep-type', ownerReferences: [{ ...ref, controller: 'yes' }] },
  });
  t.equal(r.status, 400);
  t.equal(
    r.json.message,
    'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal string into Go struct field OwnerReference.metadata.ownerReferences.controller of type bool',
  );
  const notList = await target.raw('POST', `/api/v1/namespaces/${ns}/configmaps`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'dep-type', ownerReferences: ref },
  });
  t.equal(notList.status, 400);
  t.equal(
    notList.json.message,
    'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal object into Go struct field ObjectMeta.metadata.ownerReferences of type []v1.OwnerReference',
  );
});
