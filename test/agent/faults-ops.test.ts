// Graceful stop and an errant node on three real mariadbd and three agent processes with the history
// writer and the 50 ms read_only probe (docs/chaos.md): SIGTERM of the primary's agent hands over; a
// node rejoining with an errant transaction is not re-attached, never promoted, and says so in
// /status, also when the primary then stops gracefully. After each: every acknowledged write is on
// the primary and no two nodes were writable at any probed instant.
import t, { type Test } from 'tap';
import { FaultRun } from '../support/agent/faultrun.ts';
import type { CheckResult } from '../support/history/check.ts';

t.setTimeout(900_000);

function clean(t: Test, r: CheckResult, what: string): void {
  t.same(r.violations.slice(0, 10), [], `${what}: the history checks (${r.acked} acknowledged of ${r.ops})`);
  t.equal(r.lostAcked, 0, `${what}: every acknowledged write is on the primary`);
  t.equal(r.doubleWritableMs, 0, `${what}: never two writable nodes at a probed instant`);
}

t.test('graceful stop, then an errant node rejoining', async (t) => {
  const run = await FaultRun.start({ say: (m) => t.comment(m) });
  t.teardown(async () => {
    if (!t.passing()) t.comment(run.logs());
    await run.stop();
  });
  // Graceful stop: SIGTERM makes the primary's agent fence itself, hand over and exit 0.
  let { l } = await run.settle();
  const exited = new Promise<number | null>((r) => run.env.agents[l]!.proc!.once('exit', (code) => r(code)));
  run.mark(`SIGTERM agent of ${run.env.agents[l]!.pod}`);
  run.env.signal(l, 'SIGTERM');
  const { l: next } = await run.settle([l]);
  t.not(next, l, `${run.env.agents[next]!.pod} took over`);
  t.equal(await exited, 0, 'the stopped agent exited 0 after handing over');
  await run.acksOn(next, 10);
  clean(t, await run.checkNow(next), 'after the graceful stop');
  run.env.launch(l);
  t.comment(`the stopped node came back as ${await run.rejoin(l)}`);
  ({ l } = await run.settle([], 300_000));

  // An errant node: a replica's agent dies, a transaction is written on its mysqld directly (root may
  // write on a read-only MariaDB), the agent comes back.
  const e = [0, 1, 2].find((i) => i !== l)!;
  const epod = run.env.agents[e]!.pod;
  const st = await run.makeErrant(e);
  t.ok(st.mysql.errant, `${epod} says errant in /status (action: ${st.action.kind}: ${st.action.reason})`);
  t.notOk(st.mysql.replicatingFrom, `${epod} is not re-attached`);
  t.notOk(st.mysql.writable, `${epod} is read-only`);
  // Now the primary stops gracefully: the errant node must not be the one promoted.
  const third = [0, 1, 2].find((i) => i !== l && i !== e)!;
  run.mark(`SIGTERM agent of ${run.env.agents[l]!.pod} with ${epod} errant`);
  const stopped = new Promise((r) => run.env.agents[l]!.proc!.once('exit', r));
  run.env.signal(l, 'SIGTERM');
  await stopped;
  // Its pod restarts, as Kubernetes restarts it. With the errant node detached, only this node can
  // acknowledge the new primary's term row (semi-sync, no fallback): the new primary stays read-only
  // until it is back, rather than taking writes nobody can acknowledge.
  run.env.launch(l);
  const { l: after } = await run.settle([e], 300_000);
  t.equal(after, third, `${run.env.agents[third]!.pod}, not the errant ${epod}, became primary`);
  const still = await run.env.status(e);
  t.ok(
    still?.mysql.errant && !still.mysql.replicatingFrom && !still.mysql.writable,
    `${epod} still detached and errant`,
  );
  const errantAt = run.faults.find((f) => f.name.includes('errant'))!.atMs;
  t.same(
    run.leaderSightings.filter((x) => x.pod === epod && x.atMs > errantAt),
    [],
    `${epod} was never leader after it became errant`,
  );
  const { result } = await run.finish([e]);
  clean(t, result, 'graceful stop and errant rejoin');
  t.notOk(
    result.intervals.some((i) => i.node === epod && i.toMs > errantAt),
    `${epod} was never writable after it became errant`,
  );
  t.same(run.splitTerms(), [], 'one leader per term');
});
