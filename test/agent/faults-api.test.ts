// The API server unreachable for the agents for 30 s (iptables: TCP reset), with three real mariadbd,
// three agent processes, the history writer and the 50 ms read_only probe (docs/chaos.md): the primary
// keeps serving, no election completes, and the history checks.
import t, { type Test } from 'tap';
import { FaultRun } from '../support/agent/faultrun.ts';
import type { CheckResult } from '../support/history/check.ts';
import { NetFault, iptablesMissing } from '../support/netfault.ts';

t.setTimeout(900_000);

function clean(t: Test, r: CheckResult, what: string): void {
  t.same(r.violations.slice(0, 10), [], `${what}: the history checks (${r.acked} acknowledged of ${r.ops})`);
  t.equal(r.lostAcked, 0, `${what}: every acknowledged write is on the primary`);
  t.equal(r.doubleWritableMs, 0, `${what}: never two writable nodes at a probed instant`);
}

const API_DOWN_MS = 30_000;

t.test(
  'the API server unreachable for 30 s: the primary keeps serving, no election completes',
  { skip: iptablesMissing() ?? false },
  async (t) => {
    const net = new NetFault();
    const run = await FaultRun.start({ say: (m) => t.comment(m) });
    t.teardown(async () => {
      net.removeSync();
      if (!t.passing()) t.comment(run.logs());
      await run.stop();
    });
    net.install();
    const { l } = await run.settle();
    const before = (await run.sample())[l]!.term;
    const fault = run.mark('API server unreachable for the agents');
    net.refuse(
      [0, 1, 2].map((i) => run.node(i)),
      run.env.apiPort,
    );
    await new Promise((r) => setTimeout(r, API_DOWN_MS));
    const during = run.writer.ops.filter(
      (o) =>
        o.kind === 'append' &&
        o.type === 'ok' &&
        o.invokeMs > fault.atMs + 1000 &&
        o.completeMs < fault.atMs + API_DOWN_MS,
    );
    const s = await run.sample();
    const refused = net.packets();
    net.heal();
    fault.healedMs = performance.now();
    t.ok(refused > 0, `the agents' API connections were refused (${refused} packets)`);
    t.ok(during.length > 0, `the primary acknowledged ${during.length} writes while the API server was unreachable`);
    t.equal(s[l]?.role, 'leader', `${run.env.agents[l]!.pod} still leads`);
    t.equal(s[l]?.term, before, 'in the same term: no election completed');
    t.same([...new Set(during.map((o) => o.term))], [during[0]?.term], 'every write during the outage in one term');
    const { result } = await run.finish();
    clean(t, result, 'API server outage');
    t.same(run.splitTerms(), [], 'one leader per term');
  },
);
