import t from 'tap';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { controllerRef, recordEvent, setFinalizer } from '../../src/kube/objects.ts';
import { statusOf } from '../../src/kube/api-errors.ts';
import { startKube } from '../support/kube.ts';

t.test('finalizers are added and removed, and a stale read answers 409 instead of overwriting', async (t) => {
  const k = await startKube();
  t.teardown(() => k.close());
  const cm = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    ...(await k.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'f' } } })),
  } as V1ConfigMap;
  const withF = await setFinalizer(k.kc, cm, 'apps.ryansu.com/cleanup', true);
  t.same(withF.metadata?.finalizers, ['apps.ryansu.com/cleanup']);
  t.equal(
    await setFinalizer(k.kc, withF, 'apps.ryansu.com/cleanup', true),
    withF,
    'idempotent: no write when already present',
  );
  try {
    await setFinalizer(k.kc, cm, 'other/x', true);
    t.fail('a patch from a stale read must not succeed');
  } catch (err) {
    t.equal(statusOf(err), 409, 'stale resourceVersion is a conflict');
  }
  const without = await setFinalizer(
    k.kc,
    { apiVersion: 'v1', kind: 'ConfigMap', ...withF } as V1ConfigMap,
    'apps.ryansu.com/cleanup',
    false,
  );
  t.same(without.metadata?.finalizers ?? [], []);
});

t.test('an owner reference from an owner, and an Event about it', async (t) => {
  const k = await startKube();
  t.teardown(() => k.close());
  const owner = await k.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'owner' } } });
  const ref = controllerRef({ apiVersion: 'v1', kind: 'ConfigMap', ...owner });
  t.match(ref, { kind: 'ConfigMap', name: 'owner', controller: true, blockOwnerDeletion: true });
  t.throws(() => controllerRef({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }), /metadata.uid/);
  await recordEvent(
    k.kc,
    { apiVersion: 'v1', kind: 'ConfigMap', ...owner },
    { type: 'Warning', reason: 'Failover', message: 'primary db-0 lost; promoting db-1' },
  );
  const events = await k.core.listNamespacedEvent({ namespace: 'default' });
  const e = events.items.find((x) => x.involvedObject.name === 'owner');
  t.equal(e?.reason, 'Failover');
  t.equal(e?.type, 'Warning');
});
