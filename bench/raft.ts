// Raft core figures (printed, never asserted):
//  (a) committed entries per second, in-memory 3-node cluster, batched proposals;
//  (b) leader crash -> new leader, in ticks and ms, p50/p99 over simulated failovers, with
//      1 tick = 100 ms, electionTick = 30 (3 s election timeout), heartbeatTick = 3 (300 ms);
//  (c) messages per committed entry;
//  and the number of random fault schedules run through the invariant-checking simulator.
// Last stdout line: one JSON object.
//   RAFT_BENCH_ENTRIES, RAFT_FAILOVERS, RAFT_SCHEDULES override the sizes.
import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { RawNode } from '../src/raft/rawnode.ts';
import { MemoryStorage } from '../src/raft/memory-storage.ts';
import { drainReady } from '../src/agent/loop.ts';
import type { Message } from '../src/raft/messages.ts';
import { Simulator } from '../test/support/raft/sim.ts';
import { runSchedule, scheduleArb } from '../test/support/raft/schedule.ts';

const TICK_MS = 100;
const ELECTION_TICK = 30;
const HEARTBEAT_TICK = 3;

function envInt(name: string, dflt: number): number {
  const v = process.env[name];
  return v && Number.isSafeInteger(Number(v)) ? Number(v) : dflt;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

interface Member {
  id: string;
  node: RawNode;
  storage: MemoryStorage;
}

/** (a) and (c): a leader proposing `batch` entries per loop turn; messages delivered in memory. */
async function throughput(total: number, batch: number): Promise<{ perSec: number; msgsPerEntry: number }> {
  const ids = ['a', 'b', 'c'];
  const clock = { now: 0 };
  const members: Member[] = [];
  for (const id of ids) {
    const storage = new MemoryStorage({ voters: ids, learners: [] });
    const node = await RawNode.start(storage, {
      id,
      electionTick: ELECTION_TICK,
      heartbeatTick: HEARTBEAT_TICK,
      maxBatchEntries: 1024,
      maxInflight: 64,
      preVote: true,
      checkQuorum: true,
      tickMs: TICK_MS,
      leaseDriftMs: 300,
      now: () => clock.now,
      random: () => (id === 'a' ? 0 : 0.99),
    });
    members.push({ id, node, storage });
  }
  const byId = new Map(members.map((m) => [m.id, m]));
  const queue: Message[] = [];
  let messages = 0;
  let applied = 0;
  const pump = async (): Promise<void> => {
    for (;;) {
      let moved = false;
      for (const m of members) {
        if (!m.node.hasReady()) continue;
        moved = true;
        await drainReady(m.node, {
          persist: (rd) => m.storage.persist(rd),
          send: (msgs) => queue.push(...msgs),
          apply: (rd) => {
            if (m.id === 'a') applied += rd.committedEntries.length;
          },
        });
      }
      const batchOut = queue.splice(0);
      messages += batchOut.length;
      for (const msg of batchOut) byId.get(msg.to)!.node.step(msg);
      if (!moved && batchOut.length === 0) return;
    }
  };
  const a = byId.get('a')!.node;
  for (let i = 0; i < ELECTION_TICK * 2 && a.status().role !== 'leader'; i++) {
    clock.now += TICK_MS;
    for (const m of members) m.node.tick();
    await pump();
  }
  if (a.status().role !== 'leader') throw new Error('bench: no leader');
  const base = applied;
  messages = 0;
  const start = performance.now();
  let proposed = 0;
  while (applied - base < total) {
    for (let i = 0; i < batch && proposed < total; i++, proposed++) a.propose({ k: proposed });
    await pump();
    // Keep the log small as the agent will (ConfigMap budget).
    const s = a.status();
    if (s.applied - s.firstIndex > 4096)
      for (const m of members) {
        const ms = m.node.status();
        if (ms.applied > ms.firstIndex) m.node.compact(ms.applied, null);
      }
  }
  const secs = (performance.now() - start) / 1000;
  const committed = applied - base;
  return { perSec: committed / secs, msgsPerEntry: messages / committed };
}

/** (b): crash the leader of a settled 3-node cluster; time until a new leader exists. */
async function failovers(n: number): Promise<{ ticks: number[]; ms: number[] }> {
  const ticks: number[] = [];
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const sim = await Simulator.create({
      seed: 7_000_000 + i,
      voters: 3,
      electionTick: ELECTION_TICK,
      heartbeatTick: HEARTBEAT_TICK,
      tickMs: TICK_MS,
      maxClockSkew: 0.01,
      serialize: false,
    });
    sim.net = { loss: 0, dup: 0, minDelayMs: 1, maxDelayMs: 5 };
    if (!(await sim.runUntil(() => sim.leader() !== undefined, 60_000))) throw new Error('bench: no initial leader');
    await sim.run(1000 + sim.rng.int(0, 5000)); // crash at a random point of the heartbeat cycle
    const old = sim.leader()!;
    sim.crash(old.id);
    const t0 = sim.now;
    if (!(await sim.runUntil(() => sim.leader() !== undefined, 120_000)))
      throw new Error(`bench: no new leader (seed ${7_000_000 + i})`);
    const dt = sim.now - t0;
    ms.push(dt);
    ticks.push(dt / TICK_MS);
  }
  return { ticks, ms };
}

async function schedules(n: number): Promise<number> {
  const samples = fc.sample(scheduleArb, { numRuns: n, seed: 424242 });
  for (const s of samples) await runSchedule(s);
  return samples.length;
}

const entries = envInt('RAFT_BENCH_ENTRIES', 300_000);
const nFail = envInt('RAFT_FAILOVERS', 1000);
const nSched = envInt('RAFT_SCHEDULES', 2000);

await throughput(20_000, 512); // warm up the JIT
const batched = await throughput(entries, 512);
console.log(`(a) committed entries/s, 3 nodes in memory, 512 proposals per batch: ${Math.round(batched.perSec)}`);
const single = await throughput(Math.min(entries, 20_000), 1);
console.log(
  `    one proposal per Ready (no batching): ${Math.round(single.perSec)} entries/s, ${single.msgsPerEntry.toFixed(2)} messages per entry`,
);
const f = await failovers(nFail);
console.log(
  `(b) leader crash -> new leader over ${nFail} failovers, 1 tick = ${TICK_MS} ms, electionTick = ${ELECTION_TICK}:`,
);
console.log(
  `    p50 ${pct(f.ticks, 50).toFixed(1)} ticks = ${Math.round(pct(f.ms, 50))} ms, p99 ${pct(f.ticks, 99).toFixed(1)} ticks = ${Math.round(pct(f.ms, 99))} ms, max ${Math.round(Math.max(...f.ms))} ms`,
);
console.log(`(c) messages per committed entry (batched): ${batched.msgsPerEntry.toFixed(4)}`);
const sched = await schedules(nSched);
console.log(`    random fault schedules run with all invariants checked: ${sched}`);
console.log(
  JSON.stringify({
    entries_per_s: Math.round(batched.perSec),
    failover_p50_ms: Math.round(pct(f.ms, 50)),
    failover_p99_ms: Math.round(pct(f.ms, 99)),
    election_timeout_ms: ELECTION_TICK * TICK_MS,
    msgs_per_entry: Number(batched.msgsPerEntry.toFixed(4)),
    schedules: sched,
  }),
);
