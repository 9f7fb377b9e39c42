// An errant node does not veto elections (src/agent/vote-check.ts), on three real mariadbd and three
// agent processes with the history writer and the read_only probe (docs/chaos.md). One replica
// rejoins holding an errant transaction, then the primary's agent and mysqld are killed: the caught-up
// replica must still be elected with the errant node's vote (before, the errant node refused every
// candidate for lacking its errant GTID, and with the primary gone no election completed). Then the
// old primary comes back and the history checks: every acknowledged write is on the new primary.
import t from 'tap';
import { FaultRun } from '../support/agent/faultrun.ts';
import { eventually } from '../support/eventually.ts';

t.setTimeout(900_000);

t.test('one node errant, the primary gone: the caught-up node is elected', async (t) => {
  const run = await FaultRun.start({ say: (m) => t.comment(m) });
  t.teardown(async () => {
    if (!t.passing()) t.comment(run.logs(40));
    await run.stop();
  });
  const h = run.env.harness!;
  const { l } = await run.settle();
  const [e, f] = [0, 1, 2].filter((i) => i !== l) as [number, number];
  const [lpod, epod, fpod] = [l, e, f].map((i) => run.env.agents[i]!.pod) as [string, string, string];

  // The errant node: its agent dies, a transaction is written on its mysqld directly, the agent comes back.
  await run.makeErrant(e);
  await eventually(
    () => run.env.agents[e]!.log.some((x) => x.includes('votes check only what the primary held')),
    `${epod} read the primary's GTIDs it was found errant against`,
    60_000,
    100,
  );
  await run.acksOn(l, 10);

  // The primary is gone: agent and mysqld killed. Only fpod can be elected, and only with epod's vote.
  const before = (await run.env.status(f))!.raft.term;
  run.mark(`kill -9 agent and mysqld of ${lpod} with ${epod} errant`);
  run.env.signal(l, 'SIGKILL');
  await h.kill9(h.instances[l]!);
  const st = await eventually(
    async () => {
      const s = await run.env.status(f);
      return s?.raft.role === 'leader' && s.state.primary?.pod === fpod ? s : undefined;
    },
    `${fpod} elected and its primary record committed (with ${epod}'s vote)`,
    120_000,
    100,
  );
  t.ok(st.raft.term > before, `${fpod} leads term ${st.raft.term} (was ${before})`);
  // Once the new record commits, the errant node checks itself against the new primary, and is
  // errant there too (for a moment in between it is merely "not checked yet").
  const es = await eventually(
    async () => {
      const s = await run.env.status(e);
      return s?.mysql.errant && s.state.primary?.pod === fpod ? s : undefined;
    },
    `${epod} errant against ${fpod} too`,
    60_000,
    100,
  );
  t.ok(!es.mysql.replicatingFrom && !es.mysql.writable, `${epod} still detached and read-only`);
  t.same(
    run.leaderSightings.filter((x) => x.pod === epod),
    [],
    `${epod} was never leader`,
  );

  // The old primary comes back (a fresh node if its crash recovery left it errant): with a replica to
  // acknowledge its term row, the new primary becomes writable.
  await h.restart(h.instances[l]!);
  run.env.launch(l);
  t.comment(`${lpod} came back as ${await run.rejoin(l)}`);
  const { l: after } = await run.settle([e], 300_000);
  t.equal(after, f, `${fpod} is the writable primary`);
  const { result } = await run.finish([e]);
  t.same(result.violations.slice(0, 10), [], `the history checks (${result.acked} acknowledged of ${result.ops})`);
  t.equal(result.lostAcked, 0, 'every acknowledged write is on the new primary');
  t.equal(result.doubleWritableMs, 0, 'never two writable nodes at a probed instant');
  t.same(run.splitTerms(), [], 'one leader per term');
});
