// The run's picture: well-formed SVG whose shapes say what happened (faults shaded where they were,
// writable lanes per node, throughput dropping during a fault).
import t from 'tap';
import { buckets, bucketMs, renderTimeline, type Timeline } from './timeline.ts';

/** Tags left open or closed out of order, by a stack walk over the markup. */
function unbalanced(svg: string): string[] {
  const stack: string[] = [];
  const bad: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-z]+)\b[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (!closing) stack.push(name!);
    else if (stack.pop() !== name) bad.push(name!);
  }
  return [...bad, ...stack];
}

function run(): Timeline {
  const ops = [];
  for (let at = 0; at < 20_000; at += 50) {
    const inFault = at >= 8_000 && at < 10_000;
    ops.push({ at, latencyMs: inFault ? 900 : 5, outcome: inFault ? ('fail' as const) : ('ok' as const) });
  }
  return {
    title: 'seed 42 <test>',
    durationMs: 20_000,
    nodes: ['c-0', 'c-1', 'c-2'],
    ops,
    faults: [{ kind: 'kill-mysqld', start: 8_000, end: 8_100 }],
    writable: [
      { node: 'c-0', start: 0, end: 8_000 },
      { node: 'c-1', start: 9_900, end: 20_000 },
    ],
  };
}

t.test('buckets count acknowledged and failed operations per second', async (t) => {
  const b = buckets(run());
  t.equal(bucketMs(20_000), 1000);
  t.equal(b.length, 20);
  t.equal(b[0]!.ok, 20, '20 ops per second before the fault');
  t.equal(b[8]!.ok, 0, 'none acknowledged during the fault');
  t.equal(b[8]!.failed, 20);
  t.equal(b[12]!.p99, 5);
});

t.test('long runs keep about 300 buckets', async (t) => {
  t.equal(bucketMs(30 * 60_000), 6000);
});

t.test('the SVG shades each fault, draws writable lanes and escapes text', async (t) => {
  const svg = renderTimeline(run());
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  t.ok(svg.trimEnd().endsWith('</svg>'));
  t.match(svg, /seed 42 &lt;test&gt;/, 'title escaped');
  t.equal((svg.match(/<title>kill-mysqld 8000-8100 ms<\/title>/g) ?? []).length, 1, 'one fault window');
  t.equal((svg.match(/class="writable"/g) ?? []).length, 2, 'two writable stretches');
  t.match(svg, /c-1 writable 9900-20000 ms/);
  t.same(unbalanced(svg), [], 'every element closed, in order');
});
