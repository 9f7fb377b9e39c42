// Switchover on request: the annotation `mysql.ryansu.com/switchover-to=<pod>|any` on the MysqlCluster.
// The leader checks the target (a member, its mysqld answering, replicating from us with both threads
// running, no transaction we lack), removes the annotation (so the next leader never acts on it
// again, and a refused request is not retried forever), waits until the target has caught up while
// still writable, fences itself, waits for the last transactions, and hands leadership over with its
// lease waived. A refusal is a `SwitchoverRefused` Warning Event saying why; success `SwitchedOver`.
import { contains, errantAgainst, status, union, waitApplied, type GtidSet } from '../mysql/index.ts';
import { fenceSelf, type ActContext } from './act.ts';

/** The keyword asking for the best caught-up replica. */
export const ANY = 'any';

/** What the leader learnt about one candidate target. */
export interface TargetFacts {
  pod: string;
  /** The target's mysqld answered. */
  up: boolean;
  /** The pod its replication source address belongs to. */
  replicatingFrom: string | null;
  ioRunning: 'yes' | 'no' | 'connecting';
  sqlRunning: boolean;
  /** Its GTIDs the leader lacks (errant), formatted; empty when none. */
  errant: string;
  /** Everything it received (for choosing among several with `any`). */
  received: GtidSet | null;
}

/** A verdict on a switchover request. */
export type SwitchoverVerdict = { ok: true; to: string } | { ok: false; why: string };

/** Why `t` may not take over from `self`, or null when it may. */
export function targetProblem(self: string, t: TargetFacts): string | null {
  if (!t.up) return `the mysqld of ${t.pod} does not answer`;
  if (t.errant) return `${t.pod} holds errant transactions (${t.errant})`;
  if (t.replicatingFrom !== self)
    return `${t.pod} does not replicate from the primary ${self} (source: ${t.replicatingFrom ?? 'none'})`;
  if (t.ioRunning !== 'yes') return `the IO thread of ${t.pod} is ${t.ioRunning === 'no' ? 'stopped' : 'connecting'}`;
  if (!t.sqlRunning) return `the SQL thread of ${t.pod} is stopped`;
  return null;
}

/** Pure: where a request for `target` goes, given the members and what the leader saw of the others. */
export function switchoverVerdict(
  target: string,
  self: string,
  members: readonly string[],
  seen: readonly TargetFacts[],
): SwitchoverVerdict {
  if (target === self) return { ok: true, to: self };
  if (target === ANY) {
    const healthy = seen.filter((t) => t.pod !== self && targetProblem(self, t) === null);
    if (healthy.length === 0)
      return {
        ok: false,
        why: `no healthy replica: ${seen.map((t) => targetProblem(self, t)).join('; ') || 'none seen'}`,
      };
    const best = healthy.find((a) =>
      healthy.every((b) => !b.received || (a.received && contains(a.received, b.received))),
    );
    return { ok: true, to: (best ?? healthy[0]!).pod };
  }
  if (!members.includes(target))
    return { ok: false, why: `${target} is not a member of this cluster (members: ${members.join(', ')})` };
  const t = seen.find((x) => x.pod === target);
  if (!t) return { ok: false, why: `nothing known of ${target} (no pod IP)` };
  const problem = targetProblem(self, t);
  return problem ? { ok: false, why: problem } : { ok: true, to: target };
}

/** Reads one target's mysqld and compares it with ours. */
async function targetFacts(c: ActContext, pod: string): Promise<TargetFacts> {
  const node = c.side.peer(pod);
  const none: TargetFacts = {
    pod,
    up: false,
    replicatingFrom: null,
    ioRunning: 'no',
    sqlRunning: false,
    errant: '',
    received: null,
  };
  if (!node) return none;
  try {
    const s = await status(node, Math.min(c.timeoutMs, 1000));
    // Ours read after theirs: a transaction we committed meanwhile that they already received is not
    // errant (read before, it made every busy replica look errant and refused the switchover).
    const ours = await status(c.side.own, Math.min(c.timeoutMs, 1000));
    const r = s.replica;
    return {
      pod,
      up: true,
      replicatingFrom: r ? (c.podAt(r.sourceHost, r.sourcePort) ?? null) : null,
      ioRunning: r?.ioRunning ?? 'no',
      sqlRunning: r?.sqlRunning ?? false,
      errant: errantAgainst(s.executed, ours.executed).gtids,
      received: union(s.executed, s.retrieved),
    };
  } catch {
    return none;
  }
}

function refuse(c: ActContext, target: string, why: string): void {
  c.event('Warning', 'SwitchoverRefused', `switchover to ${target} refused: ${why}`);
  c.log.warn({ target, why }, 'switchover refused');
}

/** Carries out a switchover request (decide.ts says when: the healthy primary with the annotation set). */
export async function switchover(c: ActContext, target: string): Promise<void> {
  const ours = await status(c.side.own, c.timeoutMs);
  const members = [c.self, ...c.peers()];
  const seen = await Promise.all(c.peers().map((p) => targetFacts(c, p)));
  const v = switchoverVerdict(target, c.self, members, seen);
  // Removed before anything else: the next leader must not act on it again, and a refusal must not
  // be retried forever. If the removal fails we do nothing now and see the annotation next round.
  await c.clearSwitchover();
  if (!v.ok) return refuse(c, target, v.why);
  if (v.to === c.self) {
    c.event('Normal', 'SwitchedOver', `${c.self} is already the primary: nothing to do`);
    return;
  }
  const to = c.side.peer(v.to);
  if (!to) return refuse(c, target, `no address known for ${v.to}`);
  const wait = c.timeoutMs * 5;
  try {
    // Catch up while still writable, so the read-only window below is short.
    await waitApplied(to, ours.executed, wait);
  } catch (err) {
    return refuse(c, target, `${v.to} did not catch up within ${wait} ms: ${(err as Error).message}`);
  }
  await fenceSelf(c, `switchover to ${v.to}`);
  const last = (await status(c.side.own, c.timeoutMs)).executed;
  try {
    await waitApplied(to, last, wait);
  } catch (err) {
    // Still leader with our record: the next round makes us writable again.
    return refuse(
      c,
      target,
      `${v.to} did not apply our last transactions within ${wait} ms: ${(err as Error).message}`,
    );
  }
  const r = c.raft.do((n) => n.transferLeadership(v.to, { fenced: true }));
  if (!r?.ok) return refuse(c, target, `transfer refused by Raft: ${r ? r.reason : 'stopped'}`);
  c.event('Normal', 'SwitchedOver', `${c.self} handed leadership to ${v.to} (switchover requested: ${target})`);
  c.log.info({ to: v.to, target }, 'switchover: handing over');
}
