import t from 'tap';
import { setCondition, findCondition, isConditionTrue, rfc3339, rfc3339Micro } from '../../src/kube/conditions.ts';

const t0 = new Date('2026-01-01T00:00:00.123Z');
const t1 = new Date('2026-01-01T00:05:00.000Z');

t.test('lastTransitionTime changes only when status changes', async (t) => {
  let list = setCondition(
    [],
    { type: 'Ready', status: 'False', reason: 'Starting', message: 'a', observedGeneration: 1 },
    t0,
  );
  t.equal(list[0]?.lastTransitionTime, '2026-01-01T00:00:00Z');
  list = setCondition(
    list,
    { type: 'Ready', status: 'False', reason: 'StillStarting', message: 'b', observedGeneration: 2 },
    t1,
  );
  t.equal(list[0]?.lastTransitionTime, '2026-01-01T00:00:00Z', 'same status keeps the time');
  t.equal(list[0]?.reason, 'StillStarting');
  t.equal(list[0]?.observedGeneration, 2);
  list = setCondition(list, { type: 'Ready', status: 'True', reason: 'Ready', message: '', observedGeneration: 2 }, t1);
  t.equal(list[0]?.lastTransitionTime, '2026-01-01T00:05:00Z');
  t.ok(isConditionTrue(list, 'Ready'));
});

t.test('conditions are keyed by type and order is kept', async (t) => {
  let list = setCondition([], { type: 'Ready', status: 'True', reason: 'Ok', message: '' }, t0);
  list = setCondition(list, { type: 'Degraded', status: 'False', reason: 'Ok', message: '' }, t0);
  list = setCondition(list, { type: 'Ready', status: 'False', reason: 'Lost', message: '' }, t1);
  t.same(
    list.map((c) => c.type),
    ['Ready', 'Degraded'],
  );
  t.equal(findCondition(list, 'Ready')?.reason, 'Lost');
  t.equal(findCondition(list, 'Missing'), undefined);
});

t.test('a reason that the API server would reject is refused with the allowed form', async (t) => {
  t.throws(() => setCondition([], { type: 'Ready', status: 'True', reason: 'not ok', message: '' }, t0), /CamelCase/);
});

t.test('time formats match metav1.Time and MicroTime', async (t) => {
  t.equal(rfc3339(t0), '2026-01-01T00:00:00Z');
  t.equal(rfc3339Micro(t0), '2026-01-01T00:00:00.123000Z');
});
