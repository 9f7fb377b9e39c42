// fast-check over random fault schedules: every schedule runs in the simulator with all invariants
// checked after every event, then heals and must elect a leader and commit within a bound.
//   RAFT_SCHEDULES=50000 npx tap test/raft/sim-property.test.ts   (long run)
//   SEED=1234 ...                                                  (replay a run)
//   RAFT_SCHEDULE='{"seed":..,"voters":3,"actions":[..]}' ...     (replay one printed schedule)
import t from 'tap';
import fc from 'fast-check';
import { runSchedule, scheduleArb } from '../support/raft/schedule.ts';
import type { Schedule } from '../support/raft/schedule.ts';

function envInt(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`${name}=${v} must be an integer`);
  return n;
}

const numRuns = envInt('RAFT_SCHEDULES', 2000);
const seed = envInt('SEED', Date.now() % 2 ** 31);

t.test(`random fault schedules keep every invariant and recover (runs=${numRuns}, SEED=${seed})`, async (t) => {
  const one = process.env['RAFT_SCHEDULE'];
  if (one) {
    const s = JSON.parse(one) as Schedule;
    const r = await runSchedule(s);
    t.ok(r.applied > 0, `replayed schedule committed ${r.applied} entries`);
    return;
  }
  let runs = 0;
  let applied = 0;
  let leaders = 0;
  const res = await fc.check(
    fc.asyncProperty(scheduleArb, async (s) => {
      runs++;
      const r = await runSchedule(s);
      applied += r.applied;
      leaders += r.leaders;
    }),
    { numRuns, seed, endOnFailure: false },
  );
  if (res.failed) {
    const shrunk = res.counterexample?.[0];
    t.fail(
      [
        `schedule failed: ${String(res.errorInstance instanceof Error ? res.errorInstance.message : res.errorInstance)}`,
        `replay the run: SEED=${seed} npx tap test/raft/sim-property.test.ts`,
        `replay the shrunk schedule: RAFT_SCHEDULE='${JSON.stringify(shrunk)}' npx tap test/raft/sim-property.test.ts`,
      ].join('\n'),
    );
    return;
  }
  t.comment(`${runs} schedules, ${applied} entries applied, ${leaders} leaders elected; SEED=${seed}`);
  t.ok(runs >= numRuns, `ran ${runs} schedules`);
  t.ok(leaders >= runs, 'every schedule elected at least one leader');
  t.ok(applied > runs, 'schedules committed entries');
});
