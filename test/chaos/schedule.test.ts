// The nemesis schedule replays from its seed and covers every kind early.
import t from 'tap';
import { FAULT_KINDS, parseFaultKinds, planFaults } from './schedule.ts';

t.test('the same seed gives the same schedule; another seed another one', async (t) => {
  t.same(planFaults(7, 20, 3000), planFaults(7, 20, 3000));
  t.notSame(planFaults(7, 20, 3000), planFaults(8, 20, 3000));
});

t.test('the first faults cover every kind once', async (t) => {
  const kinds = planFaults(123, FAULT_KINDS.length, 3000).map((f) => f.kind);
  t.same([...kinds].sort(), [...FAULT_KINDS].sort());
});

t.test('silent faults outlast the election timeout; quiet pauses stay in range', async (t) => {
  for (const f of planFaults(99, 200, 3000)) {
    if (f.kind === 'stop-primary' || f.kind === 'partition-primary') t.ok(f.holdMs > 3000, `${f.kind} ${f.holdMs}`);
    t.ok(f.quietMs >= 2000 && f.quietMs <= 6000);
  }
});

t.test('only the chosen kinds are drawn', async (t) => {
  const kinds = new Set(planFaults(5, 50, 3000, ['kill-agent', 'kill-mysqld']).map((f) => f.kind));
  t.same([...kinds].sort(), ['kill-agent', 'kill-mysqld']);
  t.throws(() => planFaults(5, 3, 3000, []), /no fault kinds/);
});

t.test('--faults names are checked against the catalogue', async (t) => {
  t.same(parseFaultKinds('kill-pod, kill-agent'), ['kill-pod', 'kill-agent']);
  t.throws(() => parseFaultKinds('kill-pod,unplug'), /unknown fault "unplug"; allowed: kill-mysqld/);
});
