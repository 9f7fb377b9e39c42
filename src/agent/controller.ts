// The agent's clustering loop: observe -> decide -> act, one round at a time, every tick; plus the
// Raft hooks that rest on the same observation: candidate eligibility (no campaign with mysqld down or
// errant), the GTID vote predicate, and the vote guard that stops the IO thread from the old primary
// before a vote in a new term is persisted; and the early IO stop that makes that guard quick when the
// leader has gone silent (docs/failover.md).
import type { JsonValue, NodeId } from '../raft/types.ts';
import type { RawNode, Ready } from '../raft/rawnode.ts';
import { status, parseGtid, union, type GtidKind, type GtidSet, MysqlError } from '../mysql/index.ts';
import { applyServerIdentity } from './server-identity.ts';
import { decide, earlyStop, type Action, type Observation } from './decide.ts';
import { observeMysql, type MysqlObservation } from './observe.ts';
import { act, type ActContext } from './act.ts';
import type { NodeFacts } from './publication.ts';
import { IoStopper, stopIoEarly } from './io-stop.ts';
import { candidateHolds } from './vote-check.ts';

interface CandidateGtid {
  kind: GtidKind;
  gtid: string;
}

/** Runs the clustering loop of one agent. */
export class Controller {
  private mysql: MysqlObservation = { view: { up: false, detail: 'not observed yet', gone: false }, snapshot: null };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private inRound = false;
  /** kick() came during a round: the next one starts at once. */
  private kicked = false;
  /** A campaign of standInstead() is under way. */
  private standing = false;
  private readonly candidates = new Map<NodeId, CandidateGtid>();
  /** When each peer was last heard from (ms, Date.now()); fed by heardFrom(). */
  private readonly heard = new Map<string, number>();
  /** The one STOP of our IO thread at a time, shared by the early stop and the vote guard. */
  readonly io: IoStopper;
  /** Errant against `key` (`pod@term`): that primary's executed set, read after the check found us
   * errant (the reference of the vote check; vote-check.ts). */
  private errantRef: { key: string; primary: GtidSet } | undefined;
  private errantRefReading = false;
  stopping = false;
  /** This data directory's server_id (server-identity.ts); set before the first round. */
  serverId: number | undefined;
  /** The graceful stop's relay-log drain, once started (the SIGTERM and /prestop paths share it). */
  replicaDrain: Promise<void> | undefined;
  lastAction: Action = { kind: 'none', reason: 'not started' };
  /** Runs after every round with the facts it saw (publications, metrics); must not throw. */
  onRound: ((f: NodeFacts) => void) | undefined;

  constructor(
    private readonly c: ActContext,
    private readonly podAt: (host: string, port: number) => string | undefined,
    private readonly intervalMs: number,
  ) {
    // Longer than any caller waits, so a STOP the vote guard gave up on stays joinable (io-stop.ts).
    this.io = new IoStopper(c.side.own, 5 * c.timeoutMs);
    // The promotion's drain stops the IO thread through the same stopper (one STOP at a time).
    c.io ??= this.io;
  }

  /** An authenticated message arrived from `peer` (the transport calls this for every request). */
  heardFrom(peer: string): void {
    this.heard.set(peer, Date.now());
  }

  /** Starts the periodic rounds. */
  start(): void {
    this.running = true;
    this.loop();
  }

  private readonly loop = (): void => {
    if (!this.running) return;
    this.inRound = true;
    this.round()
      .catch((err: unknown) => this.c.log.warn({ err: (err as Error).message }, 'clustering round failed'))
      .finally(() => {
        this.inRound = false;
        if (!this.running) return;
        const next = this.kicked ? 0 : this.intervalMs;
        this.kicked = false;
        this.timer = setTimeout(this.loop, next);
      });
  };

  /**
   * A round now, or right after the one in progress, instead of at the next period: something happened
   * that needs an action (leadership won or lost, a new primary committed, a graceful stop began). Each
   * period skipped here is up to 200 ms of a failover's write gap.
   */
  kick(): void {
    if (!this.running) return;
    if (this.inRound) {
      this.kicked = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = setTimeout(this.loop, 0);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** The latest MySQL observation (status, metrics). */
  get mysqlObservation(): MysqlObservation {
    return this.mysql;
  }

  /** A campaign (pre-vote) whose candidate context is read afresh, not from the last round: a stale one
   * claimed less than this node held and was refused by a voter holding that (seen with the fast path).
   * `before` runs first (the fast path forgets the leader there). */
  async campaignFresh(before?: (n: RawNode) => void): Promise<void> {
    await this.refresh().catch(() => undefined);
    this.c.raft.do((n) => {
      before?.(n);
      n.campaign();
    });
  }

  /** Reads our mysqld afresh (candidateContext() then carries what we applied just now). */
  async refresh(): Promise<void> {
    const m = this.c.memory;
    const errant = m.errantAgainst !== '' && m.errantAgainst === this.primaryKey();
    this.mysql = await observeMysql(this.c.side.own, this.podAt, errant, this.c.timeoutMs);
  }

  /** observe -> decide -> act, once. */
  async round(): Promise<Action> {
    const m = this.c.memory;
    const errant = m.errantAgainst !== '' && m.errantAgainst === this.primaryKey();
    this.mysql = await observeMysql(this.c.side.own, this.podAt, errant, this.c.timeoutMs);
    const running = this.mysql.snapshot?.serverId;
    if (this.serverId !== undefined && running !== undefined && running !== this.serverId) {
      // mysqld restarted with the per-ordinal id: ours first, before it replicates or writes anything.
      await applyServerIdentity(this.c.side.own, this.serverId, this.c.timeoutMs);
      this.mysql = await observeMysql(this.c.side.own, this.podAt, errant, this.c.timeoutMs);
    }
    const o = this.observation();
    const early = earlyStop(o);
    if (early.stop) stopIoEarly(this.io, early.from, early.reason, this.c.log);
    if (o.mysql.up && o.mysql.errant) this.readErrantReference();
    const a = decide(o);
    if (a.kind !== this.lastAction.kind || a.reason !== this.lastAction.reason)
      this.c.log.info({ action: a.kind, reason: a.reason, term: o.term, role: o.role }, 'decided');
    this.lastAction = a;
    try {
      await act(a, this.c, o);
      // A promotion or a fence changed what mysqld is: read it again, so the role label and /readyz
      // move in this round instead of the next one (a round late was ~250 ms of the failover gap).
      if (a.kind === 'promote' || a.kind === 'fence-self')
        this.mysql = await observeMysql(this.c.side.own, this.podAt, errant, this.c.timeoutMs);
    } finally {
      this.onRound?.(this.facts());
    }
    return a;
  }

  /** What the publications (label, annotation, /readyz, /metrics) are computed from. */
  facts(): NodeFacts {
    const st = this.c.raft.status();
    const state = this.c.state();
    return {
      self: this.c.self,
      role: st.role,
      term: st.term,
      lead: st.lead,
      commit: st.commit,
      applied: st.applied,
      primary: state.primary,
      promotedThisTerm: st.role === 'leader' && this.c.memory.promotedTerm === st.term,
      mysql: this.mysql.view,
      snapshot: this.mysql.snapshot,
      lastFailover: this.c.memory.lastFailover,
      elections: state.changes,
    };
  }

  private primaryKey(): string {
    const p = this.c.state().primary;
    return p ? `${p.pod}@${p.term}` : '';
  }

  /** This node as decide() sees it now. */
  observation(): Observation {
    const st = this.c.raft.status();
    const own = st.role === 'leader' && this.c.memory.promotedTerm === st.term;
    if (st.role === 'leader' && this.c.memory.leaderSince === undefined) this.c.memory.leaderSince = Date.now();
    if (st.role !== 'leader') this.c.memory.leaderSince = undefined;
    return {
      self: this.c.self,
      role: st.role,
      term: st.term,
      lead: st.lead,
      leaseHeld: st.role === 'leader' && this.c.raft.hasLeaseWithMargin(),
      ownTermCommitted: this.c.raft.node.term(st.commit) === st.term,
      transferring: st.leadTransferee !== null,
      // Our own record counts from the moment we proposed it: we are already writable then.
      primary: own ? { pod: this.c.self, term: st.term } : this.c.state().primary,
      mysql: this.mysql.view,
      stopping: this.stopping,
      switchoverTo: this.c.switchoverRequest(),
      leaderSilentMs: st.lead ? Date.now() - (this.heard.get(st.lead) ?? -Infinity) : 0,
      electionTimeoutMs: this.c.raft.timings.electionTimeoutMs,
      ioStopInFlight: this.io.inFlight,
    };
  }

  /** Once we are errant against the primary: read its executed set, the reference of our vote check
   * (vote-check.ts), in the background. Until it is read, every GTID we hold counts. */
  private readErrantReference(): void {
    const key = this.c.memory.errantAgainst;
    const pod = this.c.state().primary?.pod;
    const node = pod ? this.c.side.peer(pod) : undefined;
    if (!node || this.errantRefReading || this.errantRef?.key === key) return;
    this.errantRefReading = true;
    status(node, Math.min(this.c.timeoutMs, 1000))
      .then((s) => {
        if (this.c.memory.errantAgainst !== key) return;
        this.errantRef = { key, primary: s.executed };
        this.c.log.info(
          { against: key, primary: s.executed.toString() },
          'errant: votes check only what the primary held',
        );
      })
      .catch((err: unknown) =>
        this.c.log.info({ against: key, err: (err as Error).message }, 'errant: primary not read; every GTID counts'),
      )
      .finally(() => (this.errantRefReading = false));
  }

  /** The primary's set we were found errant against, when we know we are errant now. */
  private errantReference(): GtidSet | undefined {
    const r = this.errantRef;
    return r && this.mysql.view.up && this.mysql.view.errant && r.key === this.c.memory.errantAgainst
      ? r.primary
      : undefined;
  }

  // ---- Raft hooks ---------------------------------------------------------------------------------

  /** No campaign while mysqld is down, holds errant transactions, or this node is stopping. */
  canCampaign(): boolean {
    const v = this.mysql.view;
    return v.up && !v.errant && !this.stopping;
  }

  /** What this node has received (executed + relay log), for the voters' predicate. */
  candidateContext(): JsonValue {
    const s = this.mysql.snapshot;
    if (!s) return null;
    return { kind: s.executed.kind, gtid: union(s.executed, s.retrieved).toString() };
  }

  /** Refuses a candidate whose received GTIDs do not contain ours (or when ours are unknown). */
  votePredicate(candidate: NodeId, ctx: JsonValue): true | string {
    const s = this.mysql.snapshot;
    if (!this.mysql.view.up || !s) return 'own mysqld is down: cannot vouch for its GTIDs';
    const c = ctx as Partial<CandidateGtid> | null;
    if (!c || (c.kind !== 'mysql' && c.kind !== 'mariadb') || typeof c.gtid !== 'string')
      return 'candidate sent no GTID set';
    if (c.kind !== s.executed.kind) return `candidate GTIDs are ${c.kind}, ours ${s.executed.kind}`;
    let theirs;
    try {
      theirs = parseGtid(c.kind, c.gtid, 'candidate gtid');
    } catch (err) {
      return (err as Error).message;
    }
    let verdict: true | string;
    try {
      verdict = candidateHolds(theirs, union(s.executed, s.retrieved), this.errantReference());
    } catch (err) {
      return (err as Error).message;
    }
    if (verdict !== true) {
      this.standInstead(candidate, verdict);
      return verdict;
    }
    this.candidates.set(candidate, { kind: c.kind, gtid: c.gtid });
    return true;
  }

  /**
   * A candidate we refused for lacking what we received: we are the better one, and the core asks the
   * predicate only past leader stickiness (no leader heard within the election timeout), so the
   * election is open. Stand at once (a pre-vote, with a fresh context) rather than wait out our own
   * timer: in bench:failover a third of silent-loss failovers had the follower that held less time out
   * first, and the one holding more followed 0.2-1 s later. One such campaign at a time.
   */
  private standInstead(candidate: NodeId, why: string): void {
    // A pre-candidate or candidate already stands (its own request reaches the refused one); a
    // leader never campaigns.
    if (this.standing || !this.canCampaign() || this.c.raft.status().role !== 'follower') return;
    this.standing = true;
    this.c.log.info({ candidate, why }, 'refused a candidate that lacks what we received: standing ourselves');
    setImmediate(() => void this.campaignFresh().finally(() => (this.standing = false)));
  }

  /**
   * Before a vote for another node in a new term is persisted: stop receiving from the old primary
   * (so this node acknowledges nothing more to it), then check again, on fresh GTIDs, that the IO
   * thread is stopped and the candidate has everything we vouch for (vote-check.ts). false when any of
   * it fails or does not finish in time: the vote is persisted (we vote for nobody else in that term)
   * but the grant is never sent, so it cannot help elect a candidate that lacks an acknowledged write.
   * A STOP already running (the early stop, io-stop.ts) is joined, not queued behind: it had a head
   * start, and a second STOP would wait for the first anyway.
   */
  async beforePersist(rd: Ready): Promise<boolean> {
    const hs = rd.hardState;
    if (!hs?.vote || hs.vote === this.c.self) return true;
    const joined = this.io.inFlight;
    const started = Date.now();
    try {
      await this.io.stop(this.c.timeoutMs);
      const s = await status(this.c.side.own, this.c.timeoutMs);
      if (s.replica && s.replica.ioRunning !== 'no') {
        this.c.log.warn({ candidate: hs.vote, term: hs.term }, 'vote guard: IO thread running again; grant withheld');
        return false;
      }
      const cand = this.candidates.get(hs.vote);
      const verdict = cand
        ? candidateHolds(parseGtid(cand.kind, cand.gtid), union(s.executed, s.retrieved), this.errantReference())
        : 'no GTID set seen from the candidate';
      if (verdict === true) {
        this.c.log.debug({ candidate: hs.vote, term: hs.term, joined, ms: Date.now() - started }, 'vote guard passed');
        return true;
      }
      this.c.log.warn(
        { candidate: hs.vote, term: hs.term, why: verdict },
        'vote guard: candidate lacks what this node received; grant withheld',
      );
      // We hold more than the candidate (received while it campaigned: a fenced old primary's killed
      // sessions still replicate), so it cannot win with our help: stand ourselves in the next term at
      // once instead of letting the election stall for a timeout (~3 s of some agent-crash failovers).
      // hup() still keeps any leader's stickiness; after the persist, not inside it, and with what we
      // hold now (the IO thread is stopped) as the candidate context.
      setImmediate(() => void this.campaignFresh());
    } catch (err) {
      const why = err instanceof MysqlError ? err.kind : (err as Error).message;
      this.c.log.warn(
        { candidate: hs.vote, term: hs.term, err: why, joined, ms: Date.now() - started },
        'vote guard: IO thread not stopped; grant withheld',
      );
    }
    return false;
  }
}
