// Switchover by annotation (mysql.ryansu.com/switchover-to) on three real mariadbd and three agent
// processes with the history writer and the 50 ms read_only probe (docs/chaos.md): to a named
// replica, then to `any`. Every acknowledged write is on the new primary; never two writable nodes.
import t, { type Test } from 'tap';
import { FaultRun } from '../support/agent/faultrun.ts';
import type { CheckResult } from '../support/history/check.ts';
import { eventually } from '../support/eventually.ts';
import { Annotations } from '../../src/api/names.ts';

t.setTimeout(900_000);

function clean(t: Test, r: CheckResult, what: string): void {
  t.same(r.violations.slice(0, 10), [], `${what}: the history checks (${r.acked} acknowledged of ${r.ops})`);
  t.equal(r.lostAcked, 0, `${what}: every acknowledged write is on the primary`);
  t.equal(r.doubleWritableMs, 0, `${what}: never two writable nodes at a probed instant`);
}

t.test('switchover by annotation to a named replica, then to any', async (t) => {
  const run = await FaultRun.start({ say: (m) => t.comment(m) });
  t.teardown(async () => {
    if (!t.passing()) t.comment(run.logs());
    await run.stop();
  });
  for (const ask of ['named', 'any'] as const) {
    const { l } = await run.settle();
    const target = ask === 'named' ? run.env.agents[(l + 1) % 3]!.pod : 'any';
    run.mark(`switchover from ${run.env.agents[l]!.pod} to ${target}`);
    // A leader refuses (Event, annotation removed) when a check of the target times out, as happens on
    // a loaded machine: ask again, a few times.
    let next = l;
    for (let attempt = 1; attempt <= 5 && next === l; attempt++) {
      const refusals = (await run.env.clusterEvents('SwitchoverRefused')).length;
      await run.env.annotateCluster(Annotations.switchoverTo, target);
      const outcome = await eventually(
        async () => {
          const refused = await run.env.clusterEvents('SwitchoverRefused');
          if (refused.length > refusals) return { refused: refused.at(-1)! };
          const m = run.settledIn(await run.sample(), [l]);
          return m ? { l: m.l } : undefined;
        },
        'the switchover done or refused',
        120_000,
        100,
      );
      if (outcome.l !== undefined) next = outcome.l;
      else {
        t.comment(`attempt ${attempt} refused: ${outcome.refused}`);
        // No node is errant here: a replica receiving our newest writes must not be taken for one.
        t.notMatch(outcome.refused, /errant/, 'not refused for errant transactions');
      }
    }
    await eventually(
      async () => (await run.env.clusterAnnotations())[Annotations.switchoverTo] === undefined,
      'the annotation removed',
    );
    t.not(next, l, `${run.env.agents[next]!.pod} took over on request (${target})`);
    if (ask === 'named') t.equal(run.env.agents[next]!.pod, target, 'the named replica');
    await run.acksOn(next, 10);
    clean(t, await run.checkNow(next), `after the switchover to ${target}`);
    await run.settle([], 300_000);
  }
  const { result } = await run.finish();
  clean(t, result, 'two switchovers');
  for (const f of result.faults)
    t.comment(`${f.name}: writes resumed on the new primary after ${f.unavailableMs?.toFixed(0)} ms`);
  t.same(run.splitTerms(), [], 'one leader per term');
});
