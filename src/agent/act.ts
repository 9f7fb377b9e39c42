// act: carries out the one action decide() chose, with the src/mysql primitives. Each step of the
// new-leader sequence is a named function; docs/failover.md gives the safety argument step by step.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../util/log.ts';
import {
  fence,
  promote,
  pointAt,
  stopIo,
  waitApplied,
  configureSemiSync,
  ackWaiters,
  status,
  type StatusSnapshot,
  detectErrant,
  contains,
  union,
  type GtidSet,
  MysqlError,
  type ErrantReport,
  POSITION_REFUSED,
  type MysqlNode,
} from '../mysql/index.ts';
import type { Action, Observation } from './decide.ts';
import type { MysqlSide } from './mysql-side.ts';
import type { RaftHost } from './raft-host.ts';
import type { AppState } from './state-machine.ts';
import type { FailoverRecord } from './publication.ts';
import { switchover } from './switchover.ts';
import type { CrashOutcome } from './crash-fence.ts';
import type { IoStopper } from './io-stop.ts';
import { catchUpFromFenced } from './catch-up.ts';
import { advanceTermRow, discardableTermRow, prepareSource, rejoinFacts, rewindTermRow } from './term-row.ts';

/** What the agent remembers between rounds. */
export interface AgentMemory {
  /** The term in which this node made itself primary and proposed its record. */
  promotedTerm: number;
  /** `pod@term` of the primary this node found itself errant against. */
  errantAgainst: string;
  /** The last failover this node carried out, for status. */
  lastFailover?: FailoverRecord;
  /** When this node last became leader (ms, for the failover duration). */
  leaderSince?: number;
  /** Why this node started to take over, and when (ms): the failover's reason and its start. */
  cause?: FailoverCause;
  /** A promotion under way: its term, the previous primary, when it started (ms). */
  promoting?: { term: number; from: string; started: number };
  /** The term whose term row this node wrote, and the one whose row a replica has received. */
  termRowWritten?: number;
  termRowAcked?: number;
}

/** How a failover began, as the node that takes over saw it. */
export interface FailoverCause {
  kind: 'transfer' | 'agent-gone' | 'election-timeout';
  /** Date.now() when it began. */
  at: number;
  detail: string;
}

/** Everything an action needs. */
export interface ActContext {
  self: string;
  side: MysqlSide;
  raft: RaftHost;
  state: () => AppState;
  /** The other voters. */
  peers: () => string[];
  timeoutMs: number;
  /** spec.semiSync: wait count, fallback, and whether it is on at all (`enabled: false`). */
  semiSync: { waitCount: number; fallbackAfterMs: 'never' | number; enabled?: boolean };
  memory: AgentMemory;
  log: Logger;
  /** A Kubernetes Event on the MysqlCluster (best effort). */
  event: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
  /** The pod behind a mysqld address (replication source host and port). */
  podAt: (host: string, port: number) => string | undefined;
  /** The MysqlCluster's switchover annotation (a pod or `any`), or null. */
  switchoverRequest: () => string | null;
  /** Removes the switchover annotation from the MysqlCluster; throws when that fails. */
  clearSwitchover: () => Promise<void>;
  /** Moves another pod's role label to `replica` after this node fenced its mysqld (best effort). */
  relabelFenced?: (pod: string) => void;
  /** A failover this node completed (metrics). */
  failedOver?: (cause: FailoverCause['kind'], durationMs: number) => void;
  /** Our IO thread's one stopper (io-stop.ts): the drain joins a STOP the vote guard or the early stop began. */
  io?: IoStopper;
  /** SIGKILL of own mysqld (crash-fence.ts); absent when the agent was given no pid file. */
  crashMysqld?: () => Promise<CrashOutcome>;
  /** The pod's address gave no answer at all lately (leader-watch.ts's probe of its peer port timed
   * out: a partition or a lost node, not a stopped process, whose kernel still answers). */
  addressSilent?: (pod: string) => boolean;
}

/** How long step 3 tries to fence an old primary: its address answered nothing lately, so its mysqld
 * most likely will not either, and each ms waited here is a ms of the failover's write gap (the full
 * timeout was ~1 s of every silent-loss failover). */
export const FENCE_SILENT_ADDRESS_MS = 250;

/** Whether an error means "that mysqld cannot be reached or did not answer in time". */
export function unreachable(err: unknown): boolean {
  return err instanceof MysqlError && ['unreachable', 'timeout', 'connection-lost'].includes(err.kind);
}

/** Carries out `a`. Errors propagate: the controller logs them and observes again. */
export async function act(a: Action, c: ActContext, o: Observation): Promise<void> {
  switch (a.kind) {
    case 'none':
      return;
    case 'fence-self':
      return fenceOrCrash(c, a.reason);
    case 'promote':
      return becomePrimary(c, o);
    case 'repoint':
      return repoint(c, a.to, o.term);
    case 'step-down':
      return stepDown(c, o.mysql.up ? false : o.mysql.gone, a.reason);
    case 'handover':
      return handover(c);
    case 'switchover':
      return switchover(c, a.to);
    default: {
      const never: never = a;
      return never;
    }
  }
}

/** read_only, clients killed, semi-sync source side off (a demoted source would stall its applier). */
export async function fenceSelf(c: ActContext, reason: string): Promise<void> {
  const r = await fence(c.side.own, {}, c.timeoutMs);
  await configureSemiSync(c.side.own, { role: 'replica' }, c.timeoutMs);
  c.log.warn({ reason, killed: r.killed }, 'fenced own mysqld (read-only, clients killed)');
}

/**
 * decide()'s fence: this node must stop writing and is not handing over. Sessions waiting for an
 * acknowledgement that will not come (no replica follows this node any more) would commit if killed, so
 * when the server's crash recovery cuts them instead, crash it (crash-fence.ts); otherwise fence.
 */
export async function fenceOrCrash(c: ActContext, reason: string): Promise<void> {
  if (c.crashMysqld) {
    const why = await crashReason(c);
    if (why) {
      const r = await c.crashMysqld();
      if (r.crashed) {
        c.log.warn({ reason, pid: r.pid, why }, 'crashed own mysqld: it restarts read-only');
        c.event('Warning', 'FencedByCrash', `${c.self}: ${reason}; ${why}: mysqld killed, it restarts read-only`);
        return;
      }
      c.log.warn({ reason, why: r.why }, 'cannot crash own mysqld: fencing it');
    }
  }
  return fenceSelf(c, reason);
}

/** Why a crash fences better than fence(), or null: sessions wait for acks recovery would cut, or
 * mysqld does not answer at all (hung or frozen: only a kill stops it writing when it wakes up). */
async function crashReason(c: ActContext): Promise<string | null> {
  try {
    const w = await ackWaiters(c.side.own, c.timeoutMs);
    return w.waiting > 0 && w.crashCuts ? `${w.waiting} sessions wait for acknowledgements that will not come` : null;
  } catch (err) {
    if (err instanceof MysqlError && err.kind === 'timeout') return 'mysqld does not answer';
    throw err;
  }
}

/** Step 3: fence the old primary when it can be reached (its own agent fenced it before its lease
 * ended; this covers an agent that is gone while its mysqld lives), then take all it holds (3b,
 * catch-up.ts). */
async function fenceOldPrimary(c: ActContext): Promise<void> {
  const old = c.state().primary;
  if (!old || old.pod === c.self) return;
  const node = c.side.peer(old.pod);
  if (!node) return;
  try {
    const r = await fence(node, {}, c.addressSilent?.(old.pod) ? FENCE_SILENT_ADDRESS_MS : Math.min(c.timeoutMs, 1000));
    c.event('Normal', 'Fenced', `${c.self} fenced old primary ${old.pod} (read-only, ${r.killed} sessions killed)`);
    c.relabelFenced?.(old.pod);
    await catchUpFromFenced(c, old.pod, node);
  } catch (err) {
    if (!unreachable(err)) throw err;
    // A refused connection: that mysqld is not running, so it cannot write (it restarts read-only).
    if ((err as Error).message.includes('ECONNREFUSED')) c.relabelFenced?.(old.pod);
    c.log.info({ old: old.pod, err: (err as Error).message }, 'old primary unreachable: not fenced remotely');
  }
}

/** Stops our IO thread through the controller's one stopper (joining a STOP under way), or directly
 * where there is none. */
export async function stopOwnIo(c: ActContext): Promise<void> {
  await (c.io ? c.io.stop(c.timeoutMs) : stopIo(c.side.own, c.timeoutMs));
}

/** Step 4: stop receiving and apply everything the relay log holds. Returns what was received. */
async function drainRelayLog(c: ActContext): Promise<{ received: GtidSet; mariadb: boolean }> {
  try {
    await stopOwnIo(c);
  } catch (err) {
    if (unreachable(err)) throw err; // not configured as a replica is fine; an unreachable mysqld is not
  }
  const s = await status(c.side.own, c.timeoutMs);
  await waitApplied(c.side.own, s.retrieved, c.timeoutMs * 5);
  return { received: s.retrieved, mariadb: s.flavor === 'mariadb' };
}

/** How long one round polls the promotion's waiting steps, and how often. */
const PROMOTION_POLL_MS = 3000;
const PROMOTION_POLL_INTERVAL_MS = 40;

/** The new-leader sequence: (1) an entry of our term is committed and (2) the old leader's lease has
 * passed (both guaranteed before decide() says promote: the core elects no one inside a lease and
 * holds a transfer until promises pass), (3) fence the old primary, (4) drain the relay log, (5)
 * semi-sync source side on, still read-only, (6) propose `primary = self @ term` with our GTID set,
 * (7) once it is committed and a replica attached, the term row, acknowledged (term-row.ts), (8)
 * writable. Steps 7-8 run over as many rounds as they need. */
export async function becomePrimary(c: ActContext, o: Observation): Promise<void> {
  const term = o.term;
  if (c.memory.promotedTerm !== term) await proposeSelf(c, o);
  // Steps 6-7 wait on others (the record's commit, a replica repointing, its acknowledgement): poll
  // them here for a while rather than once per 200 ms round (2-4 rounds were ~0.5 s of every failover).
  const until = Date.now() + PROMOTION_POLL_MS;
  let progress = await advanceTermRow(c, term);
  while (progress !== 'acknowledged' && Date.now() < until && c.raft.hasLeaseWithMargin()) {
    await sleep(PROMOTION_POLL_INTERVAL_MS);
    progress = await advanceTermRow(c, term);
  }
  if (progress !== 'acknowledged') {
    c.log.debug({ term, progress }, 'promotion: term row not acknowledged yet, still read-only');
    return;
  }
  await rewritable(c, term);
  const p = c.memory.promoting;
  if (p?.term !== term) return;
  c.memory.promoting = undefined;
  recordFailover(c, p.from, term, p.started);
}

/** Steps 3-6. */
async function proposeSelf(c: ActContext, o: Observation): Promise<void> {
  const started = Date.now();
  const term = o.term;
  const old = c.state().primary;
  if (o.mysql.up && o.mysql.writable) await fenceSelf(c, `becoming primary of term ${term}: start read-only`);
  await fenceOldPrimary(c);
  const { received, mariadb } = await drainRelayLog(c);
  if (!c.raft.hasLeaseWithMargin()) throw new Error(`lost the lease while promoting in term ${term}`);
  await prepareSource(c, received, mariadb);
  const gtid = (await status(c.side.own, c.timeoutMs)).executed.toString();
  const r = c.raft.propose({ kind: 'primary', pod: c.self, term, gtid });
  if (!r?.ok) throw new Error(`proposing primary=${c.self}@${term} refused: ${r ? r.reason : 'stopped'}`);
  c.memory.promotedTerm = term;
  c.memory.promoting = { term, from: old?.pod ?? '', started };
}

/** The Elected Event; when another pod was primary before, also FailedOver (from, to, reason,
 * duration from the cause to writable) and the failover metrics. */
function recordFailover(c: ActContext, from: string, term: number, started: number): void {
  const cause = c.memory.cause;
  c.memory.cause = undefined;
  const durationMs = Date.now() - (cause?.at ?? c.memory.leaderSince ?? started);
  const reason = cause?.detail ?? 'elected';
  c.event('Normal', 'Elected', `${c.self} is primary of term ${term} (previous: ${from || 'none'})`);
  if (from && from !== c.self) {
    c.memory.lastFailover = { from, to: c.self, reason, at: new Date().toISOString(), durationMs };
    c.event(
      'Normal',
      'FailedOver',
      `from=${from} to=${c.self} reason="${reason}" duration=${durationMs}ms term=${term}`,
    );
    c.failedOver?.(cause?.kind ?? 'election-timeout', durationMs);
  }
  c.log.info({ term, from, reason, durationMs }, 'became primary');
}

/** Our record of this term stands and its term row is acknowledged (first time, or the lease is back
 * after a fence): writable (semi-sync source side first), nothing else repeated. */
async function rewritable(c: ActContext, term: number): Promise<void> {
  const s = await status(c.side.own, c.timeoutMs);
  if (!c.raft.hasLeaseWithMargin()) throw new Error(`lost the lease while promoting in term ${term}`);
  await promote(
    c.side.own,
    { waitCount: s.flavor === 'mariadb' ? 1 : c.semiSync.waitCount, fallbackAfterMs: c.semiSync.fallbackAfterMs },
    c.timeoutMs,
  );
  c.log.info({ term }, 'writable again under a renewed lease');
}

/** Follower: check for errant transactions against the primary, then replicate from it (GTID
 * auto-position, semi-sync replica side). An errant node is never re-attached. */
export async function repoint(c: ActContext, to: string, term: number): Promise<void> {
  const primary = c.side.peer(to);
  const source = c.side.source(to);
  if (!primary || !source) return;
  let report = await detectErrant(c.side.own, primary, c.timeoutMs);
  if (report.errant) report = await maybeDiscardTermRow(c, primary, to, report);
  if (!report.errant) report = await divergedFrom(c, to, report);
  if (report.errant) {
    c.memory.errantAgainst = `${to}@${term}`;
    c.event('Warning', 'ErrantDetected', `${c.self} holds transactions ${to} lacks (${report.gtids}): not re-attached`);
    return;
  }
  await pointAt(c.side.own, { ...source, semiSync: true }, c.timeoutMs);
  c.log.info({ primary: to }, 'replicating from the primary');
}

/** The primary refused our position: we hold a GTID its binlog lacks although the sets compare as
 * contained (a transaction cut by its crash recovery, whose number a later term did not reuse:
 * term-row.ts). That is errant too: never re-attached. */
async function divergedFrom(c: ActContext, to: string, report: ErrantReport): Promise<ErrantReport> {
  const r = (await status(c.side.own, c.timeoutMs)).replica;
  if (!r || c.podAt(r.sourceHost, r.sourcePort) !== to || !POSITION_REFUSED.test(r.lastIoError)) return report;
  c.log.warn({ primary: to, error: r.lastIoError }, 'the primary lacks a transaction we received: errant');
  return { ...report, errant: true, gtids: `position refused by ${to}: ${r.lastIoError.slice(0, 200)}` };
}

/** An errant report that is exactly our own unacknowledged term row (term-row.ts) is resolved by
 * dropping that row; anything else stays errant. */
async function maybeDiscardTermRow(
  c: ActContext,
  primary: MysqlNode,
  to: string,
  report: ErrantReport,
): Promise<ErrantReport> {
  // The rule rests on "never writable before the term row reached a replica", which holds only when
  // semi-sync is on without a fallback (term-row.ts writes without waiting otherwise).
  if (c.semiSync.fallbackAfterMs !== 'never' || c.semiSync.enabled === false) return report;
  const f = await rejoinFacts(c, primary);
  if (!f.record || !discardableTermRow(f)) return report;
  await rewindTermRow(c, f.record);
  c.event(
    'Normal',
    'TermRowDiscarded',
    `${c.self} dropped its unacknowledged term row of term ${f.record.term} (${report.gtids}); rejoining ${to}`,
  );
  c.log.warn({ term: f.record.term, gtids: report.gtids }, 'discarded an unacknowledged term row');
  return detectErrant(c.side.own, primary, c.timeoutMs);
}

async function have(c: ActContext, pod: string): Promise<{ pod: string; set: GtidSet; s: StatusSnapshot } | null> {
  const node = c.side.peer(pod);
  if (!node) return null;
  try {
    const s = await status(node, Math.min(c.timeoutMs, 1000));
    return { pod, set: union(s.executed, s.retrieved), s };
  } catch {
    return null;
  }
}

/** Pure choice among followers: the one whose received GTIDs contain every other's (then the first).
 * With `ours` (the leader's executed set), a follower holding anything we lack (errant, detached) is
 * never chosen: it cannot apply what the leader waits for it to apply. */
export function chooseFollower(seen: { pod: string; set: GtidSet }[], ours?: GtidSet): string | undefined {
  const fit = seen.filter((x) => !ours || contains(ours, x.set));
  const covering = fit.filter((a) => fit.every((b) => contains(a.set, b.set)));
  return (covering[0] ?? fit[0])?.pod;
}

/** The best reachable follower (chooseFollower); without `ours` and none answering, the first peer. */
export async function bestFollower(c: ActContext, ours?: GtidSet): Promise<string | undefined> {
  const peers = c.peers();
  const seen = (await Promise.all(peers.map((p) => have(c, p)))).filter((x) => x !== null);
  return chooseFollower(seen, ours) ?? (ours ? undefined : peers[0]);
}

/** Leader whose mysqld is down (or errant): hand leadership to the best follower at once. A mysqld
 * that refused the connection is gone and cannot write, so the lease promises are waived. */
export async function stepDown(c: ActContext, mysqldGone: boolean, reason: string): Promise<void> {
  const to = await bestFollower(c);
  if (!to) return;
  const r = c.raft.do((n) => n.transferLeadership(to, { fenced: mysqldGone }));
  c.log.warn({ to, reason, ok: r?.ok }, 'stepping down');
}

/** Graceful stop: fence ourselves, wait until the best follower has everything we executed, then hand
 * over with the lease waived (we no longer write). */
export async function handover(c: ActContext): Promise<void> {
  await fenceSelf(c, 'graceful stop');
  const executed = (await status(c.side.own, c.timeoutMs)).executed;
  const to = await bestFollower(c, executed);
  if (!to) return;
  const target = c.side.peer(to);
  if (target) await waitApplied(target, executed, c.timeoutMs * 5);
  const r = c.raft.do((n) => n.transferLeadership(to, { fenced: true }));
  c.event('Normal', 'SwitchedOver', `${c.self} hands leadership to ${to} (graceful stop)`);
  c.log.info({ to, ok: r?.ok }, 'handing over');
}
