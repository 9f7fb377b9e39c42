// Scripted simulator runs: each fault kind the issue lists, on 3, 5 and 7 voters, under proposal
// load. The simulator checks every invariant after every event (it throws on a violation); the
// tests add what each fault must leave behind: progress, recovery, the fault actually happening.
import t from 'tap';
import type { Test } from 'tap';
import { Simulator } from '../support/raft/sim.ts';

const SIZES = [3, 5, 7] as const;
const baseSeed = Number(process.env['SEED'] ?? 20261126);

async function cluster(
  voters: number,
  seed: number,
  opts: Partial<Parameters<typeof Simulator.create>[0]> = {},
): Promise<Simulator> {
  const sim = await Simulator.create({ seed, voters, spares: 2, compactAfter: 16, ...opts });
  const ok = await sim.runUntil(() => sim.leader() !== undefined, 10_000);
  if (!ok) throw new Error('no initial leader');
  return sim;
}

/** Proposals to whoever leads, `ms` long, a few every 50 ms. */
async function load(sim: Simulator, ms: number): Promise<number> {
  let ok = 0;
  for (let left = ms; left > 0; left -= 50) {
    const r = await sim.propose();
    if (r?.ok) ok++;
    await sim.run(Math.min(50, left));
  }
  return ok;
}

async function recovers(t: Test, sim: Simulator): Promise<void> {
  const live = await sim.healAndCommit(30 * 1000);
  sim.finalCheck();
  t.ok(live.ok, `recovered and committed ${live.elapsedMs} ms after healing`);
}

const scenarios: [string, (sim: Simulator, t: Test) => Promise<void>][] = [
  [
    'minority partition holding the old leader',
    async (sim, t) => {
      const old = sim.leader()!;
      const others = sim.ids.filter((x) => x !== old.id);
      sim.split(
        [old.id, ...others.slice(0, Math.floor(sim.o.voters / 2) - 1)],
        others.slice(Math.floor(sim.o.voters / 2) - 1),
      );
      await load(sim, 4000);
      const l = sim.leader();
      t.ok(l && l.id !== old.id, 'the majority side elected a new leader');
      t.not(old.node?.status().role, 'leader', 'CheckQuorum made the cut-off leader step down');
    },
  ],
  [
    'majority partition without the leader side',
    async (sim, t) => {
      const ids = sim.ids.slice(0, sim.o.voters);
      sim.split(ids.slice(0, Math.ceil(ids.length / 2)), [
        ...ids.slice(Math.ceil(ids.length / 2)),
        ...sim.ids.slice(sim.o.voters),
      ]);
      t.ok((await load(sim, 4000)) > 0, 'the majority side kept committing');
    },
  ],
  [
    'one node isolated (the leader)',
    async (sim, t) => {
      const old = sim.leader()!;
      sim.isolate(old.id);
      await load(sim, 4000);
      t.not(sim.leader()?.id, old.id);
    },
  ],
  [
    'asymmetric: the leader can send but not receive',
    async (sim, t) => {
      const old = sim.leader()!;
      for (const x of sim.ids) if (x !== old.id) sim.blocked.add(`${x}>${old.id}`);
      await load(sim, 5000);
      t.not(old.node?.status().role, 'leader', 'a leader that hears no acknowledgements steps down');
    },
  ],
  [
    'ring: every node reaches only its neighbours',
    async (sim, t) => {
      sim.ring();
      await load(sim, 5000);
      t.pass('no invariant broke');
    },
  ],
  [
    'bridge: one follower loses only the leader',
    async (sim, t) => {
      const l = sim.leader()!;
      const f = sim.ids.find((x) => x !== l.id)!;
      sim.split([l.id], [f]);
      const termBefore = l.node!.status().term;
      await load(sim, 5000);
      t.equal(sim.leader()?.id, l.id, 'PreVote and stickiness kept the leader');
      t.equal(sim.leader()?.node!.status().term, termBefore, 'no term inflation');
    },
  ],
  [
    'message loss 20%',
    async (sim, t) => {
      sim.net = { loss: 0.2, dup: 0, minDelayMs: 1, maxDelayMs: 20 };
      t.ok((await load(sim, 5000)) > 0);
      t.ok(sim.stats.dropped > 0, `${sim.stats.dropped} messages dropped`);
    },
  ],
  [
    'delay and reordering: 1..400 ms per message',
    async (sim, t) => {
      sim.net = { loss: 0, dup: 0, minDelayMs: 1, maxDelayMs: 400 };
      await load(sim, 6000);
      t.pass('no invariant broke');
    },
  ],
  [
    'duplication 30%',
    async (sim, t) => {
      sim.net = { loss: 0, dup: 0.3, minDelayMs: 1, maxDelayMs: 50 };
      t.ok((await load(sim, 4000)) > 0);
    },
  ],
  [
    'crash and restart from persisted state, leader first',
    async (sim, t) => {
      for (let round = 0; round < 3; round++) {
        const l = sim.leader();
        if (l) sim.crash(l.id);
        await load(sim, 2500);
        if (l) await sim.restart(l.id);
        await load(sim, 500);
      }
      t.ok(sim.leader(), 'a leader after repeated leader crashes');
    },
  ],
  [
    'crash between persist and send',
    async (sim, t) => {
      for (const id of sim.ids.slice(0, sim.o.voters)) sim.get(id).crashAfterPersist = true;
      await load(sim, 1500);
      const down = sim.ids.filter((x) => sim.get(x).node === null).length;
      t.ok(down > 0, `${down} nodes crashed after persisting and before sending`);
      for (const id of sim.ids) {
        sim.get(id).crashAfterPersist = false;
        await sim.restart(id);
      }
      await load(sim, 2000);
    },
  ],
  [
    'paused leader (a long GC pause) resumes',
    async (sim, t) => {
      const l = sim.leader()!;
      sim.pause(l.id);
      await load(sim, 4000);
      sim.resume(l.id);
      await load(sim, 1000);
      t.not(sim.leader()?.id, undefined);
      t.notOk(l.node!.hasLease(sim.localNow(l)) && sim.leader()?.id !== l.id, 'the resumed old leader holds no lease');
    },
  ],
  [
    'clock drift at the bound (rates 1 +- 5%)',
    async (sim, t) => {
      await load(sim, 3000);
      const l = sim.leader()!;
      sim.isolate(l.id);
      await load(sim, 3000);
      t.pass('no two leases overlapped');
    },
  ],
  [
    'membership: add a learner, catch it up, promote it, remove an old voter',
    async (sim, t) => {
      await load(sim, 500);
      const spare = sim.ids[sim.o.voters]!;
      t.ok((await sim.confChange({ type: 'addLearner', node: spare }))?.ok, 'learner added');
      await load(sim, 1500);
      const p = await sim.confChange({ type: 'promote', node: spare });
      t.ok(p?.ok, `promoted (${JSON.stringify(p)})`);
      await load(sim, 1500);
      const victim = sim.ids.find((x) => x !== sim.leader()!.id && x !== spare)!;
      t.ok((await sim.confChange({ type: 'remove', node: victim }))?.ok, 'removed an old voter');
      await load(sim, 2000);
      const conf = sim.leader()!.node!.status().conf;
      t.ok(conf.voters.includes(spare) && !conf.voters.includes(victim), `final voters ${conf.voters.join(',')}`);
    },
  ],
  [
    'membership: the leader removes itself and steps down',
    async (sim, t) => {
      await load(sim, 300);
      const l = sim.leader()!;
      t.ok((await sim.confChange({ type: 'remove', node: l.id }))?.ok);
      await load(sim, 3000);
      t.not(sim.leader()?.id, l.id, 'the removed leader stepped down and another took over');
    },
  ],
  [
    'leadership transfer mid-run, under loss',
    async (sim, t) => {
      sim.net = { loss: 0.05, dup: 0.05, minDelayMs: 1, maxDelayMs: 40 };
      let moved = 0;
      for (let i = 0; i < 4; i++) {
        const l = sim.leader();
        const to = sim.ids.slice(0, sim.o.voters).find((x) => x !== l?.id)!;
        await sim.transfer(to);
        await load(sim, 1500);
        if (sim.leader()?.id === to) moved++;
      }
      t.ok(moved > 0, `${moved} of 4 transfers landed`);
    },
  ],
];

for (const size of SIZES) {
  t.test(`${size} voters`, async (t) => {
    let k = 0;
    for (const [name, run] of scenarios) {
      const seed = baseSeed + size * 1000 + k++;
      await t.test(`${name} (SEED=${seed})`, async (t) => {
        const sim = await cluster(size, seed, name.startsWith('clock drift') ? { maxClockSkew: 0.05 } : {});
        await run(sim, t);
        await recovers(t, sim);
      });
    }
  });
}
