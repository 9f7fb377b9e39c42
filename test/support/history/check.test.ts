// The history checker on hand-made histories: one that must pass, one per rule that must fail, and a
// fast-check property: a history generated from a serial execution (so it is correct by construction)
// always passes, and losing any acknowledged value from it always fails.
import t from 'tap';
import fc from 'fast-check';
import { checkHistory, faultWindows, writableIntervals, type Rule } from './check.ts';
import type { History, Op, ProbeSample } from './types.ts';

let nextId = 1;
function append(key: string, value: number, invokeMs: number, completeMs: number, more: Partial<Op> = {}): Op {
  return {
    id: nextId++,
    client: 0,
    kind: 'append',
    key,
    value,
    invokeMs,
    completeMs,
    type: 'ok',
    term: 2,
    serverUuid: 'uuid-a',
    ...more,
  };
}
function read(key: string, list: number[], invokeMs: number, completeMs: number, more: Partial<Op> = {}): Op {
  return { id: nextId++, client: 1, kind: 'read', key, list, invokeMs, completeMs, type: 'ok', ...more };
}
function probe(node: string, atMs: number, writable: boolean | null): ProbeSample {
  return { node, atMs, writable };
}

/** A correct history: two keys, reads that are prefixes, a failover from uuid-a (term 2) to uuid-b
 * (term 3), an unknown-outcome append that did land and one that did not, a failed append. */
function good(): History {
  return {
    ops: [
      append('k1', 1, 0, 10),
      append('k2', 2, 5, 12),
      read('k1', [1], 11, 14),
      append('k1', 3, 15, 20),
      append('k1', 4, 16, 300, { type: 'info', term: undefined, serverUuid: undefined, error: 'connection lost' }),
      append('k2', 5, 17, 300, { type: 'info', term: undefined, serverUuid: undefined, error: 'timeout' }),
      append('k1', 6, 18, 19, { type: 'fail', term: undefined, serverUuid: undefined, error: 'read-only' }),
      append('k1', 7, 310, 330, { term: 3, serverUuid: 'uuid-b' }),
      read('k1', [1, 3, 4, 7], 331, 340),
      read('k2', [2], 331, 340),
    ],
    probes: [
      probe('n1', 0, true),
      probe('n2', 0, false),
      probe('n1', 50, true),
      probe('n2', 50, false),
      probe('n1', 100, false),
      probe('n2', 100, false),
      probe('n1', 150, false),
      probe('n2', 150, true),
    ],
    faults: [{ name: 'kill -9 mysqld', atMs: 25 }],
    final: { k1: [1, 3, 4, 7], k2: [2] },
  };
}

t.test('a correct history passes, with its fault window', async (t) => {
  const r = checkHistory(good());
  t.same(r.violations, []);
  t.ok(r.valid);
  t.equal(r.lostAcked, 0);
  t.equal(r.doubleWritableMs, 0);
  t.same(
    r.intervals.map((i) => [i.node, i.fromMs, i.toMs]),
    [
      ['n1', 0, 50],
      ['n2', 150, 150],
    ],
  );
  t.equal(r.faults.length, 1);
  t.equal(r.faults[0]!.unavailableMs, 330 - 25, 'from the fault to the first write acknowledged by the new primary');
  t.equal(r.faults[0]!.servedBy, 'uuid-b');
  t.ok(r.faults[0]!.primaryChanged);
});

/** Each mutation of the good history must break exactly the named rule (at least). */
const broken: [string, Rule, (h: History) => void][] = [
  ['an acknowledged append missing from the final list', 'lost-ack', (h) => (h.final['k1'] = [1, 3, 4])],
  ['a value twice in the final list', 'duplicate', (h) => (h.final['k2'] = [2, 2])],
  ['a value twice in a read', 'duplicate', (h) => h.ops.push(read('k2', [2, 2], 400, 401))],
  ['a value nobody appended', 'phantom', (h) => (h.final['k2'] = [2, 99])],
  ['a value whose append failed', 'phantom', (h) => (h.final['k1'] = [1, 3, 4, 6, 7])],
  ['a value in the list of another key', 'phantom', (h) => (h.final['k2'] = [2, 1])],
  ['a read that is not a prefix', 'read-not-prefix', (h) => h.ops.push(read('k1', [1, 4], 400, 401))],
  [
    'an append ordered before one that completed before it began',
    'realtime-order',
    (h) => {
      // 3 was acknowledged at 20; 8 began at 25 but sits before 3.
      h.ops.push(append('k1', 8, 25, 26));
      h.final['k1'] = [1, 8, 3, 4, 7];
      for (const o of h.ops) if (o.kind === 'read' && o.key === 'k1' && o.list!.length === 4) o.list = [1, 8, 3, 4, 7];
    },
  ],
  [
    'a read that misses an append acknowledged before it began',
    'realtime-order',
    (h) => h.ops.push(read('k1', [1], 21, 22)),
  ],
  [
    'a read shorter than a read that completed before it began',
    'realtime-order',
    (h) => h.ops.push(read('k2', [], 341, 342)),
  ],
  [
    'two servers acknowledging writes in one term',
    'split-term',
    (h) => h.ops.push(append('k2', 9, 5, 6, { term: 2, serverUuid: 'uuid-c' })),
  ],
  [
    'a write seeing an older term than one acknowledged before it began',
    'term-regressed',
    (h) => {
      h.ops.push(append('k2', 10, 341, 345, { term: 2, serverUuid: 'uuid-a' }));
      h.final['k2'] = [2, 10];
    },
  ],
  [
    'two nodes writable at overlapping probed instants',
    'double-writable',
    (h) => h.probes.push(probe('n2', 25, true), probe('n2', 60, false)),
  ],
  [
    'a single writable sample of one node inside the interval of another',
    'double-writable',
    (h) => (h.probes.find((p) => p.node === 'n2' && p.atMs === 50)!.writable = true),
  ],
  [
    'two writable runs of one node split by a miss still overlap another node',
    'double-writable',
    (h) => h.probes.push(probe('n1', 160, null), probe('n1', 170, true), probe('n2', 200, true)),
  ],
];

for (const [name, rule, mutate] of broken)
  t.test(`must fail: ${name} (${rule})`, async (t) => {
    const h = good();
    mutate(h);
    const r = checkHistory(h);
    t.notOk(r.valid);
    t.ok(
      r.violations.some((v) => v.rule === rule),
      `${rule} reported: ${JSON.stringify(r.violations)}`,
    );
  });

t.test('double-writable time is the length of the overlap', async (t) => {
  const r = checkHistory({
    ops: [],
    final: {},
    faults: [],
    probes: [
      probe('a', 0, true),
      probe('b', 30, true),
      probe('a', 80, true),
      probe('a', 90, false),
      probe('b', 200, true),
    ],
  });
  t.equal(r.doubleWritableMs, 50);
  t.equal(r.doubleWritableSamples, 2, "b's sample at 30 inside a's interval, a's at 80 inside b's");
  t.same(
    writableIntervals([probe('a', 10, true), probe('a', 0, true)]).map((i) => [i.fromMs, i.toMs]),
    [[0, 10]],
    'samples are ordered by instant first',
  );
});

t.test('a sample without an answer ends a writable run', async (t) => {
  const r = checkHistory({
    ops: [],
    final: {},
    faults: [],
    probes: [
      probe('a', 0, true),
      probe('a', 40, null),
      probe('b', 50, true),
      probe('a', 100, null),
      probe('b', 150, true),
    ],
  });
  t.ok(r.valid, 'a (stopped, not answering) is not taken as writable while b is');
  t.same(
    r.intervals.map((i) => [i.node, i.fromMs, i.toMs]),
    [
      ['a', 0, 0],
      ['b', 50, 150],
    ],
  );
});

t.test('fault window without a change of primary: to the first acknowledged append invoked after it', async (t) => {
  const ops = [append('k', 1, 0, 5), append('k', 2, 6, 40), append('k', 3, 45, 60)];
  const [w] = faultWindows(ops, [{ name: 'api down', atMs: 10 }]);
  t.equal(w!.unavailableMs, 50);
  t.notOk(w!.primaryChanged);
  const [none] = faultWindows(ops, [{ name: 'late', atMs: 100 }]);
  t.equal(none!.unavailableMs, null);
});

t.test('property: serial executions pass; dropping an acknowledged value fails', async (t) => {
  const seed = Number(process.env['SEED'] ?? Date.now() % 2 ** 31);
  t.comment(`fast-check seed ${seed} (SEED=${seed} replays)`);
  const step = fc.record({
    key: fc.constantFrom('x', 'y', 'z'),
    read: fc.boolean(),
    outcome: fc.constantFrom('ok', 'ok', 'ok', 'fail', 'info-landed', 'info-lost'),
    gap: fc.integer({ min: 0, max: 5 }),
    dur: fc.integer({ min: 0, max: 5 }),
  });
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), fc.nat(), (steps, drop) => {
      // Execute serially: each operation takes effect at its completion instant.
      const lists: Record<string, number[]> = { x: [], y: [], z: [] };
      const ops: Op[] = [];
      let now = 0;
      steps.forEach((s, i) => {
        const invokeMs = now + s.gap;
        const completeMs = invokeMs + s.dur;
        now = completeMs;
        if (s.read) ops.push(read(s.key, [...lists[s.key]!], invokeMs, completeMs));
        else {
          const landed = s.outcome === 'ok' || s.outcome === 'info-landed';
          if (landed) lists[s.key]!.push(i + 1);
          const type = s.outcome === 'ok' ? 'ok' : s.outcome === 'fail' ? 'fail' : 'info';
          ops.push(append(s.key, i + 1, invokeMs, completeMs, { type, term: 1 }));
        }
      });
      const h: History = { ops, probes: [], faults: [], final: lists };
      const r = checkHistory(h);
      if (!r.valid) throw new Error(JSON.stringify(r.violations));
      const acked = ops.filter((o) => o.kind === 'append' && o.type === 'ok');
      if (acked.length === 0) return;
      const victim = acked[drop % acked.length]!;
      const lossy = { ...h, final: { ...lists, [victim.key]: lists[victim.key]!.filter((v) => v !== victim.value) } };
      if (checkHistory(lossy).valid) throw new Error(`losing ${victim.value} went unnoticed`);
    }),
    { seed, numRuns: 300 },
  );
  t.pass('300 serial histories');
});
