// MicroTime on the wire: what client-node's typed serializer sends for a Lease built with our helpers
// has six fractional digits (a real API server refuses three), whatever form the times came in.
import t from 'tap';
import type { V1Lease } from '@kubernetes/client-node';
import { leaseTimes, microTime, MicroTime } from '../../src/kube/microtime.ts';

const SIX = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

t.test('a MicroTime prints six digits where client-node and JSON.stringify read a Date', async (t) => {
  const at = microTime(Date.UTC(2026, 10, 30, 3, 38, 27, 605));
  t.ok(at instanceof Date && at instanceof MicroTime);
  t.equal(at.toISOString(), '2026-11-30T03:38:27.605000Z');
  t.equal(JSON.stringify({ at }), '{"at":"2026-11-30T03:38:27.605000Z"}');
  const lease: V1Lease = { metadata: { name: 'l' }, spec: leaseTimes({ renewTime: new Date(0), acquireTime: at }) };
  // client-node's serializer writes a Date field as `value.toISOString()`.
  t.match(lease.spec!.renewTime!.toISOString(), SIX);
  t.equal(lease.spec!.acquireTime!.toISOString(), '2026-11-30T03:38:27.605000Z');
  t.notMatch(
    new Date(0).toISOString(),
    SIX,
    'a plain Date is what the real server refuses (the reason for this module)',
  );
});

t.test('times read back as strings are kept when already MicroTime, re-printed otherwise', async (t) => {
  const spec = leaseTimes({
    acquireTime: '2026-11-30T03:38:27.605123Z' as unknown as Date,
    renewTime: '2026-11-30T03:38:27.605Z' as unknown as Date,
  });
  t.equal(String(spec.acquireTime), '2026-11-30T03:38:27.605123Z', 'microseconds preserved');
  t.equal((spec.renewTime as Date).toISOString(), '2026-11-30T03:38:27.605000Z');
});
