// The agent's clustering loop: observe -> decide -> act, one round at a time, every tick; plus the
// Raft hooks that rest on the same observation: candidate eligibility (no campaign with mysqld down or
// errant), the GTID vote predicate, and the vote guard that stops the IO thread from the old primary
// before a vote in a new term is persisted (docs/failover.md).
import type { JsonValue, NodeId } from '../raft/types.ts';
import type { Ready } from '../raft/rawnode.ts';
import { stopIo, status, contains, parseGtid, union, missingFrom, type GtidKind, MysqlError } from '../mysql/index.ts';
import { applyServerIdentity } from './server-identity.ts';
import { decide, type Action, type Observation } from './decide.ts';
import { observeMysql, type MysqlObservation } from './observe.ts';
import { act, type ActContext } from './act.ts';
import type { NodeFacts } from './publication.ts';

interface CandidateGtid {
  kind: GtidKind;
  gtid: string;
}

/** Runs the clustering loop of one agent. */
export class Controller {
  private mysql: MysqlObservation = { view: { up: false, detail: 'not observed yet', gone: false }, snapshot: null };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private readonly candidates = new Map<NodeId, CandidateGtid>();
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
  ) {}

  /** Starts the periodic rounds. */
  start(): void {
    this.running = true;
    const loop = () => {
      if (!this.running) return;
      this.round()
        .catch((err: unknown) => this.c.log.warn({ err: (err as Error).message }, 'clustering round failed'))
        .finally(() => {
          if (this.running) this.timer = setTimeout(loop, this.intervalMs);
        });
    };
    loop();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** The latest MySQL observation (status, metrics). */
  get mysqlObservation(): MysqlObservation {
    return this.mysql;
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
    const a = decide(o);
    if (a.kind !== this.lastAction.kind || a.reason !== this.lastAction.reason)
      this.c.log.info({ action: a.kind, reason: a.reason, term: o.term, role: o.role }, 'decided');
    this.lastAction = a;
    try {
      await act(a, this.c, o);
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
    };
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
    const mine = union(s.executed, s.retrieved);
    if (!contains(theirs, mine)) return `candidate lacks ${missingFrom(theirs, mine)}`;
    this.candidates.set(candidate, { kind: c.kind, gtid: c.gtid });
    return true;
  }

  /**
   * Before a vote for another node in a new term is persisted: stop receiving from the old primary
   * (so this node acknowledges nothing more to it), then check again, on fresh GTIDs, that the
   * candidate has everything we received. false when either fails: the vote is persisted (we vote
   * for nobody else in that term) but the grant is never sent, so it cannot help elect a candidate
   * that lacks an acknowledged write.
   */
  async beforePersist(rd: Ready): Promise<boolean> {
    const hs = rd.hardState;
    if (!hs?.vote || hs.vote === this.c.self) return true;
    try {
      await stopIo(this.c.side.own, this.c.timeoutMs);
      const s = await status(this.c.side.own, this.c.timeoutMs);
      const cand = this.candidates.get(hs.vote);
      const mine = union(s.executed, s.retrieved);
      if (cand && contains(parseGtid(cand.kind, cand.gtid), mine)) return true;
      this.c.log.warn(
        { candidate: hs.vote, term: hs.term, missing: cand ? missingFrom(parseGtid(cand.kind, cand.gtid), mine) : '?' },
        'vote guard: candidate lacks what this node received; grant withheld',
      );
    } catch (err) {
      const why = err instanceof MysqlError ? err.kind : (err as Error).message;
      this.c.log.warn(
        { candidate: hs.vote, term: hs.term, err: why },
        'vote guard: IO thread not stopped; grant withheld',
      );
    }
    return false;
  }
}
