// The Raft state machine: state, role transitions, the term rules every message goes through,
// elections, configuration and the application calls. Per-role step functions are in step-*.ts,
// leader replication in replication.ts. Pure and synchronous: output goes to `msgs` and to the log,
// which RawNode hands out through ready(). Design note and safety argument: docs/raft.md.
import type { ResolvedConfig } from './config.ts';
import type { Message, VoteMsg } from './messages.ts';
import type { ConfChange, ConfState, Entry, HardState, JsonValue, NodeId, Role, Snapshot } from './types.ts';
import type { RaftLogger } from './logger.ts';
import type { ProposeResult } from './results.ts';
import { isLeaderMessage } from './messages.ts';
import { type RaftLog } from './log.ts';
import { Progress } from './progress.ts';
import { LeaseTracker } from './lease.ts';
import { tally, majority } from './quorum.ts';
import { applyConfChange, confData, isMember } from './conf.ts';
import { stepFollower } from './step-follower.ts';
import { stepCandidate } from './step-candidate.ts';
import { stepLeader } from './step-leader.ts';
import { bcastHeartbeat, sendAppend, sendTimeoutNow } from './replication.ts';

/** One role's handling of a message, called after the term rules of Figure 2 have been applied. */
export type StepFn = (r: Raft, m: Message) => void;

/** The synchronous Raft state machine of one node: output goes to `msgs` and the log; driven only through RawNode. */
export class Raft {
  readonly id: NodeId;
  term: number;
  vote: NodeId | null;
  role: Role = 'follower';
  lead: NodeId | null = null;
  /** Latest configuration in the log (thesis 4.1: used as soon as appended) and its entry index. */
  conf: ConfState;
  confIndex = 0;
  msgs: Message[] = [];
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** Ticks since this node last heard from a leader (or started, or was leader). While below
   * electionTick it refuses to vote for others: leader stickiness, which the lease relies on. */
  sinceLeader = 0;
  ticks = 0;
  votes = new Map<NodeId, boolean>();
  /** Leader only: one Progress per other member. */
  prs = new Map<NodeId, Progress>();
  leadTransferee: NodeId | null = null;
  /** A TimeoutNow went out this term: the lease is forfeited for the rest of the term, because its
   * target may win an election that overrides stickiness. */
  timeoutNowSent = false;
  /** The latest instant leaseValidUntil() ever returned (on the clock of cfg.now; never reset, so an
   * old promise simply lies in the past). The caller may act as the only writable primary until then,
   * so no TimeoutNow goes out before it has passed: a transfer target overrides stickiness and could
   * otherwise win inside a promised lease. */
  promisedUntil = Number.NEGATIVE_INFINITY;
  lease = new LeaseTracker();
  /** Leader: proposals were appended since the last broadcast (sent in one batch by flush()). */
  pendingBcast = false;
  /** A snapshot from the leader, to be persisted and installed through ready(). */
  pendingSnapshot: Snapshot | null = null;
  /** A local snapshot to be persisted (Ready.compaction) through ready(). */
  pendingCompaction: Snapshot | null = null;
  private stepRole: StepFn = stepFollower;

  constructor(
    readonly cfg: ResolvedConfig,
    readonly log: RaftLog,
    hs: HardState,
    readonly logger: RaftLogger,
  ) {
    this.id = cfg.id;
    this.term = hs.term;
    this.vote = hs.vote;
    this.conf = log.snapshot.conf;
    this.recomputeConf();
    this.resetRandomizedElectionTimeout();
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  promotable(): boolean {
    return this.conf.voters.includes(this.id);
  }

  inLease(): boolean {
    return this.sinceLeader < this.cfg.electionTick;
  }

  // ---- role transitions -------------------------------------------------------------------------

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.lead = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.votes.clear();
    this.leadTransferee = null;
    this.timeoutNowSent = false;
    this.prs.clear();
    this.lease = new LeaseTracker();
    this.pendingBcast = false;
  }

  private resetRandomizedElectionTimeout(): void {
    const e = this.cfg.electionTick;
    const j = this.cfg.electionJitterTick;
    this.randomizedElectionTimeout = e + Math.min(j - 1, Math.floor(this.cfg.random() * j));
  }

  becomeFollower(term: number, lead: NodeId | null): void {
    const was = this.role;
    this.reset(term);
    this.role = 'follower';
    this.lead = lead;
    this.stepRole = stepFollower;
    if (was !== 'follower') this.logger.info({ id: this.id, term, lead }, `raft: ${was} became follower`);
  }

  becomePreCandidate(): void {
    // PreVote (thesis 9.6) changes neither term nor vote: a partitioned node cannot inflate terms.
    this.votes.clear();
    this.role = 'preCandidate';
    this.lead = null;
    this.stepRole = stepCandidate;
  }

  becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
    this.stepRole = stepCandidate;
  }

  becomeLeader(): void {
    this.reset(this.term);
    this.role = 'leader';
    this.lead = this.id;
    this.sinceLeader = 0;
    this.stepRole = stepLeader;
    this.syncProgress();
    this.logger.info({ id: this.id, term: this.term }, 'raft: became leader');
    // 5.4.2 / thesis 3.6.2: an entry of the new term lets earlier entries commit (and is what a later
    // membership change waits for).
    this.appendEntries([{ type: 'noop', data: null }]);
    bcastHeartbeat(this);
  }

  // ---- time -------------------------------------------------------------------------------------

  tick(): void {
    this.ticks++;
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    this.sinceLeader++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    this.sinceLeader = 0;
    this.maybeSendTimeoutNow();
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum && !this.quorumActive()) {
        this.logger.warn({ id: this.id, term: this.term }, 'raft: CheckQuorum failed, stepping down');
        this.becomeFollower(this.term, null);
        return;
      }
      if (this.leadTransferee !== null) this.abortTransfer();
      if (this.role !== 'leader') return;
      this.retryLostSnapshots();
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTick) {
      this.heartbeatElapsed = 0;
      bcastHeartbeat(this);
    }
  }

  /** Thesis 6.2: a leader that has not heard from a quorum in an election timeout steps down. */
  private quorumActive(): boolean {
    let active = 0;
    for (const v of this.conf.voters) {
      if (v === this.id || this.prs.get(v)?.recentActive) active++;
    }
    for (const pr of this.prs.values()) pr.recentActive = false;
    return active >= majority(this.conf.voters.length);
  }

  private retryLostSnapshots(): void {
    for (const pr of this.prs.values()) {
      if (pr.state === 'snapshot' && this.ticks - pr.snapshotSentTick >= this.cfg.electionTick) pr.becomeProbe();
    }
  }

  private abortTransfer(): void {
    this.logger.warn({ id: this.id, to: this.leadTransferee }, 'raft: leadership transfer timed out');
    this.leadTransferee = null;
    // Its target may still win an election that ignores stickiness, so the lease cannot come back in
    // this term: step down and let an ordinary election (possibly won by us again) follow.
    if (this.timeoutNowSent) this.becomeFollower(this.term, null);
  }

  // ---- elections --------------------------------------------------------------------------------

  /** A follower forgets its leader and the stickiness it grants it (see RawNode.forgetLeader). */
  forgetLeader(): void {
    if (this.role !== 'follower') return;
    this.lead = null;
    this.sinceLeader = this.cfg.electionTick;
  }

  /** The election timer fired (or TimeoutNow arrived, `transfer`). */
  hup(transfer: boolean): void {
    if (this.role === 'leader') return;
    if (!this.promotable()) {
      this.logger.debug({ id: this.id }, 'raft: not a voter, not campaigning');
      return;
    }
    if (!transfer && this.inLease()) {
      // Our own vote for ourselves must respect stickiness too, or the lease argument breaks.
      this.logger.debug({ id: this.id }, 'raft: heard from a leader within the election timeout, not campaigning');
      return;
    }
    if (!this.cfg.canCampaign()) {
      this.logger.info({ id: this.id }, 'raft: candidate eligibility hook says no, not campaigning');
      return;
    }
    this.campaign(this.cfg.preVote && !transfer ? 'preVote' : 'vote', transfer);
  }

  campaign(kind: 'preVote' | 'vote', transfer: boolean): void {
    if (kind === 'preVote') this.becomePreCandidate();
    else this.becomeCandidate();
    const voteTerm = kind === 'preVote' ? this.term + 1 : this.term;
    this.logger.info({ id: this.id, kind, term: voteTerm, transfer }, 'raft: campaigning');
    if (this.recordVote(this.id, true) === 'won') {
      this.wonVote();
      return;
    }
    const context = this.cfg.candidateContext();
    for (const v of this.conf.voters) if (v !== this.id) this.requestVote(kind, v, voteTerm, transfer, context);
  }

  private requestVote(
    kind: 'preVote' | 'vote',
    to: NodeId,
    term: number,
    transfer: boolean,
    context: JsonValue = this.cfg.candidateContext(),
  ): void {
    const index = this.log.lastIndex();
    const logTerm = this.log.lastTerm();
    this.msgs.push({ type: kind, from: this.id, to, term, index, logTerm, context, transfer });
  }

  recordVote(from: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    return tally(this.conf.voters, this.votes);
  }

  wonVote(): void {
    if (this.role === 'preCandidate') this.campaign('vote', false);
    else this.becomeLeader();
  }

  private handleVote(m: VoteMsg): void {
    const isVote = m.type === 'vote';
    const repeat = isVote && this.vote === m.from;
    const canVote =
      this.vote === m.from ||
      (this.vote === null && this.lead === null) ||
      (m.type === 'preVote' && m.term > this.term);
    let reason: string | null = null;
    if (!m.transfer && !repeat && this.inLease()) reason = 'heard from a leader within the election timeout';
    else if (!canVote)
      reason =
        this.vote !== null ? `already voted for ${this.vote} in term ${this.term}` : `following leader ${this.lead}`;
    else if (!this.log.isUpToDate(m.index, m.logTerm))
      reason = `candidate log (${m.logTerm}/${m.index}) is behind ours (${this.log.lastTerm()}/${this.log.lastIndex()})`;
    else reason = this.askPredicate(m.from, m.context);
    const respType = isVote ? 'voteResp' : 'preVoteResp';
    if (reason !== null) {
      this.logger.info({ id: this.id, candidate: m.from, type: m.type, term: m.term, reason }, 'raft: vote refused');
      this.msgs.push({ type: respType, from: this.id, to: m.from, term: this.term, reject: true, reason });
    } else {
      if (isVote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
      this.msgs.push({ type: respType, from: this.id, to: m.from, term: m.term, reject: false });
    }
    this.askAgain(m);
  }

  /**
   * A pre-candidate asked by another pre-candidate of the same term, which has not answered it: our
   * request may have reached it while it still heard the old leader, and stickiness drops such a request
   * without an answer. Its own campaign shows it no longer does: ask again, rather than wait a whole
   * election timeout for an answer that will not come (two followers of an agent-gone leader both take
   * the fast path within milliseconds; the one holding more was stuck this way for ~3 s).
   */
  private askAgain(m: VoteMsg): void {
    if (m.type !== 'preVote' || this.role !== 'preCandidate' || m.term !== this.term + 1) return;
    if (this.votes.has(m.from)) return;
    this.requestVote('preVote', m.from, m.term, false);
  }

  private askPredicate(candidate: NodeId, context: JsonValue): string | null {
    try {
      const ok = this.cfg.votePredicate(candidate, context ?? null);
      return ok === true ? null : `vote predicate: ${String(ok)}`;
    } catch (e) {
      return `vote predicate threw: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  // ---- the entry point for every (validated) message ---------------------------------------------

  /** Apply the term rules (Figure 2 "Rules for Servers: all servers"), then the role's step function. */
  step(m: Message): string | null {
    const refused = this.refuseSender(m);
    if (refused !== null) {
      this.logger.debug({ id: this.id, from: m.from, type: m.type }, `raft: dropped message: ${refused}`);
      return refused;
    }
    if (m.term > this.term) {
      if ((m.type === 'vote' || m.type === 'preVote') && !m.transfer && this.inLease()) {
        // Leader stickiness (thesis 4.2.3, 6.4): ignore disruptive candidates while a leader is alive.
        this.logger.debug(
          { id: this.id, from: m.from, type: m.type, term: m.term },
          'raft: ignored vote request inside leader lease',
        );
        return 'vote request ignored: heard from a leader within the election timeout';
      }
      if (m.type === 'preVote' || (m.type === 'preVoteResp' && !m.reject)) {
        // PreVote traffic never changes terms.
      } else if (isLeaderMessage(m)) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, null);
      }
    } else if (m.term < this.term) {
      this.stepStale(m);
      return `stale term ${m.term} < ${this.term}`;
    }
    if (m.type === 'vote' || m.type === 'preVote') this.handleVote(m);
    else this.stepRole(this, m);
    return null;
  }

  /** Membership filter. A leader's messages are taken from anyone: our configuration may lag the
   * leader's (a newly promoted node can win an election before we hear of its promotion, and a leader
   * keeps leading while it removes itself), and the term rules alone keep that safe. Everything else
   * must come from a member; vote requests from a voter. (Strangers are kept out by the transport.) */
  private refuseSender(m: Message): string | null {
    if (isLeaderMessage(m)) return null;
    if ((m.type === 'vote' || m.type === 'preVote') && !this.conf.voters.includes(m.from))
      return `candidate ${m.from} is not a voter in our configuration`;
    if (!isMember(this.conf, m.from)) return `sender ${m.from} is not a member of the configuration`;
    return null;
  }

  private stepStale(m: Message): void {
    if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'app' || m.type === 'heartbeat')) {
      // Tell a deposed leader our term so it steps down (it would otherwise never hear of it while
      // PreVote keeps us from campaigning against it).
      this.msgs.push({ type: 'appResp', from: this.id, to: m.from, term: this.term, index: 0, reject: true, hint: 0 });
    } else if (m.type === 'preVote') {
      this.msgs.push({
        type: 'preVoteResp',
        from: this.id,
        to: m.from,
        term: this.term,
        reject: true,
        reason: `stale term ${m.term} < ${this.term}`,
      });
    }
  }

  // ---- follower-side handlers ----------------------------------------------------------------------

  heardFromLeader(from: NodeId): void {
    if (this.lead !== null && this.lead !== from) {
      this.logger.error({ id: this.id, term: this.term, lead: this.lead, from }, 'raft: two leaders claim one term');
    }
    this.lead = from;
    this.electionElapsed = 0;
    this.sinceLeader = 0;
  }

  // ---- configuration -----------------------------------------------------------------------------

  /** The configuration is the latest conf entry in the log, else the snapshot's (thesis 4.1). */
  recomputeConf(): void {
    let conf = this.log.snapshot.conf;
    let at = this.log.snapshot.index;
    for (let i = this.log.lastIndex(); i >= this.log.firstIndex(); i--) {
      const e = this.log.entry(i);
      if (e?.type === 'conf') {
        conf = confData(e).conf;
        at = i;
        break;
      }
    }
    this.conf = conf;
    this.confIndex = at;
    if (this.role === 'leader') this.syncProgress();
  }

  private syncProgress(): void {
    const members = [...this.conf.voters, ...this.conf.learners].filter((n) => n !== this.id);
    for (const id of [...this.prs.keys()]) if (!members.includes(id)) this.prs.delete(id);
    for (const id of members) {
      const learner = this.conf.learners.includes(id);
      const pr = this.prs.get(id);
      if (pr) pr.isLearner = learner;
      else {
        const p = new Progress(this.log.lastIndex() + 1, learner);
        p.recentActive = true;
        this.prs.set(id, p);
      }
    }
    if (this.leadTransferee !== null && !this.conf.voters.includes(this.leadTransferee)) this.leadTransferee = null;
  }

  // ---- leader-side replication --------------------------------------------------------------------

  appendEntries(items: { type: Entry['type']; data: JsonValue }[]): Entry[] {
    let index = this.log.lastIndex();
    const ents = items.map((it) => ({ index: ++index, term: this.term, type: it.type, data: it.data }));
    this.log.append(ents);
    if (ents.some((e) => e.type === 'conf')) this.recomputeConf();
    this.pendingBcast = true;
    return ents;
  }

  // ---- application calls ------------------------------------------------------------------------

  private refuse(
    reason: 'not-leader' | 'transferring' | 'conf-change-refused' | 'transfer-refused',
    detail: string,
  ): ProposeResult {
    return { ok: false, reason, detail, leader: this.lead };
  }

  propose(data: JsonValue): ProposeResult {
    if (this.role !== 'leader') return this.refuse('not-leader', `${this.id} is ${this.role}`);
    if (this.leadTransferee !== null)
      return this.refuse('transferring', `leadership is moving to ${this.leadTransferee}`);
    const [e] = this.appendEntries([{ type: 'normal', data }]);
    return { ok: true, index: e!.index, term: e!.term };
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    if (this.role !== 'leader') return this.refuse('not-leader', `${this.id} is ${this.role}`);
    if (this.leadTransferee !== null)
      return this.refuse('transferring', `leadership is moving to ${this.leadTransferee}`);
    // Thesis 4.1 (and Ongaro's 2015 correction): a leader first commits an entry of its own term.
    if (this.log.term(this.log.committed) !== this.term)
      return this.refuse('conf-change-refused', 'the leader has not committed an entry of its term yet');
    if (this.confIndex > this.log.committed)
      return this.refuse('conf-change-refused', `membership change at index ${this.confIndex} is still in flight`);
    const next = applyConfChange(this.conf, change);
    if (typeof next === 'string') return this.refuse('conf-change-refused', next);
    if (change.type === 'promote') {
      // Thesis 4.2.1: a new voter that must first catch up would stall commits meanwhile.
      const pr = this.prs.get(change.node);
      if (!pr || pr.match < this.log.committed)
        return this.refuse(
          'conf-change-refused',
          `learner ${change.node} has not caught up (match ${pr?.match ?? 0} < commit ${this.log.committed})`,
        );
    }
    const [e] = this.appendEntries([
      {
        type: 'conf',
        data: { change: { ...change }, conf: { voters: [...next.voters], learners: [...next.learners] } },
      },
    ]);
    return { ok: true, index: e!.index, term: e!.term };
  }

  /** Sends the transfer target its TimeoutNow once it holds our whole log AND every lease instant
   * promised so far has passed on our clock (docs/raft.md, "The leader lease, exactly"). The transfer
   * timer restarts then, so the target gets a whole election timeout to win. */
  maybeSendTimeoutNow(): void {
    const to = this.leadTransferee;
    if (this.role !== 'leader' || to === null || this.timeoutNowSent) return;
    if (this.prs.get(to)?.match !== this.log.lastIndex()) return;
    if (this.cfg.now() < this.promisedUntil) return;
    this.electionElapsed = 0;
    sendTimeoutNow(this, to);
  }

  /** Starts handing leadership to `to`. `fenced` says the caller has already stopped acting on every
   * lease instant it was given (its mysqld is read-only and its clients killed): the promises are
   * waived and the TimeoutNow may go out at once. */
  transferLeadership(to: NodeId, fenced = false): ProposeResult {
    if (this.role !== 'leader') return this.refuse('not-leader', `${this.id} is ${this.role}`);
    if (to === this.id) return this.refuse('transfer-refused', `${to} is already the leader`);
    if (!this.conf.voters.includes(to)) return this.refuse('transfer-refused', `${to} is not a voter`);
    if (this.leadTransferee !== null) {
      if (this.leadTransferee === to) return { ok: true, index: this.log.lastIndex(), term: this.term };
      return this.refuse('transferring', `leadership is already moving to ${this.leadTransferee}`);
    }
    this.leadTransferee = to;
    this.electionElapsed = 0;
    if (fenced) this.promisedUntil = Number.NEGATIVE_INFINITY;
    const pr = this.prs.get(to)!;
    if (pr.match === this.log.lastIndex()) this.maybeSendTimeoutNow();
    else sendAppend(this, to, true);
    return { ok: true, index: this.log.lastIndex(), term: this.term };
  }

  /** When a quorum-acknowledged heartbeat round makes writes safe until; -Infinity when not leader. */
  leaseValidUntil(now: number): number {
    if (this.role !== 'leader' || this.leadTransferee !== null || this.timeoutNowSent) return Number.NEGATIVE_INFINITY;
    const sent = this.lease.quorumSentAt(this.id, this.conf.voters);
    if (sent === undefined || now < sent) return Number.NEGATIVE_INFINITY; // `now < sent`: clock went back
    const until = sent + (this.cfg.electionTick - 1) * this.cfg.tickMs - this.cfg.leaseDriftMs;
    // Handing out an instant is a promise: a later transfer holds its TimeoutNow until it has passed.
    if (until > now && until > this.promisedUntil) this.promisedUntil = until;
    return until;
  }
}
