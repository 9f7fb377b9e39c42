// Safety invariants of Raft, checked by the simulator after every simulated event. Each check names
// the property (Figure 3 of the paper, plus the lease and membership rules of the thesis).
import type { RawNode, Ready } from '../../../src/raft/rawnode.ts';
import type { Message } from '../../../src/raft/messages.ts';
import type { ConfEntryData, ConfState, Entry, HardState, NodeId } from '../../../src/raft/types.ts';
import { applyConfChange, sameConf } from '../../../src/raft/conf.ts';

export class InvariantViolation extends Error {
  constructor(
    readonly invariant: string,
    detail: string,
  ) {
    super(`invariant "${invariant}" violated: ${detail}`);
    this.name = 'InvariantViolation';
  }
}

function key(e: Entry): string {
  return `${e.term}|${e.type}|${JSON.stringify(e.data)}`;
}

/** What the checker needs to know about a live node. */
export interface Observed {
  id: NodeId;
  node: RawNode;
  localNow: number;
  /** This node's local instant `local` on the global (simulation) clock. */
  toGlobal?: (local: number) => number;
}

export class InvariantChecker {
  private leaderOfTerm = new Map<number, NodeId>();
  private durableVote = new Map<string, NodeId>();
  private durableTerm = new Map<NodeId, number>();
  private durableCommit = new Map<NodeId, number>();
  private volatileTerm = new Map<NodeId, number>();
  /** Log matching: (index, term) -> entry key and the term of the entry before it. */
  private entryAt = new Map<string, { key: string; prevTerm: number }>();
  /** State machine safety: index -> applied entry key, and the lowest term a node applied it in. */
  private applied = new Map<number, { key: string; term: number; commitTerm: number }>();
  private maxApplied = 0;
  private knownLeaders = new Set<string>();
  /** Per node: the latest lease instant it was handed (global time) and the term it led then. */
  private promised = new Map<NodeId, { term: number; until: number }>();
  checks = 0;

  fail(invariant: string, detail: string): never {
    throw new InvariantViolation(invariant, detail);
  }

  /** A node restarted: its volatile term history starts again from durable state. */
  onRestart(id: NodeId): void {
    this.volatileTerm.delete(id);
  }

  /** A Ready was handed out by `node` (before persisting it). */
  onReady(id: NodeId, node: RawNode, rd: Ready): void {
    const snapIndex = rd.snapshot?.index ?? -1;
    for (const e of rd.entries) {
      const prevTerm = e.index - 1 === snapIndex ? rd.snapshot!.term : node.term(e.index - 1);
      if (prevTerm === undefined)
        this.fail('log matching', `${id} persists entry ${e.index} without holding entry ${e.index - 1}`);
      const k = `${e.index}:${e.term}`;
      const seen = this.entryAt.get(k);
      const mine = { key: key(e), prevTerm };
      if (!seen) this.entryAt.set(k, mine);
      else if (seen.key !== mine.key || seen.prevTerm !== mine.prevTerm) {
        this.fail(
          'log matching',
          `${id} holds a different entry at index ${e.index} term ${e.term} (or a different predecessor): ${mine.key}/${mine.prevTerm} vs ${seen.key}/${seen.prevTerm}`,
        );
      }
      if (e.type === 'conf') this.checkConfEntry(id, node, e);
    }
  }

  /** Single-server changes: every conf entry differs from the configuration before it by its one change. */
  private checkConfEntry(id: NodeId, node: RawNode, e: Entry): void {
    const d = e.data as unknown as ConfEntryData;
    let prev: ConfState = node.snapshot().conf;
    for (const x of node.logEntries()) {
      if (x.index >= e.index) break;
      if (x.type === 'conf') prev = (x.data as unknown as ConfEntryData).conf;
    }
    // A node that joined with an empty configuration does not know what came before the first conf
    // entry it received; the log-matching check already ties that entry to the leader's.
    if (prev.voters.length === 0) return;
    const expect = applyConfChange(prev, d.change);
    if (typeof expect === 'string' || !sameConf(expect, d.conf)) {
      this.fail(
        'single-server membership change',
        `${id} entry ${e.index} ${JSON.stringify(d)} is not one change from ${JSON.stringify(prev)}`,
      );
    }
  }

  /** The Ready's state is durable; `hs` is what storage now holds. */
  onPersisted(id: NodeId, hs: HardState): void {
    const lastTerm = this.durableTerm.get(id) ?? 0;
    if (hs.term < lastTerm) this.fail('terms never decrease', `${id} durable term went ${lastTerm} -> ${hs.term}`);
    this.durableTerm.set(id, hs.term);
    const lastCommit = this.durableCommit.get(id) ?? 0;
    if (hs.commit < lastCommit)
      this.fail('commit never decreases', `${id} durable commit went ${lastCommit} -> ${hs.commit}`);
    this.durableCommit.set(id, hs.commit);
    if (hs.vote !== null) {
      const k = `${id}:${hs.term}`;
      const prev = this.durableVote.get(k);
      if (prev !== undefined && prev !== hs.vote)
        this.fail('a node votes at most once per term', `${id} voted for ${prev} and ${hs.vote} in term ${hs.term}`);
      this.durableVote.set(k, hs.vote);
    }
  }

  /** Persist-before-send: what a message vouches for must already be durable. */
  onSend(id: NodeId, m: Message, hs: HardState, lastIndex: number): void {
    const vouchesTerm = !(m.type === 'preVote' || (m.type === 'preVoteResp' && !m.reject));
    if (vouchesTerm && m.term > hs.term)
      this.fail('persist before send', `${id} sent ${m.type} in term ${m.term} while durable term is ${hs.term}`);
    if (m.type === 'voteResp' && !m.reject && (hs.vote !== m.to || hs.term !== m.term)) {
      this.fail(
        'persist before send',
        `${id} granted a vote to ${m.to} in term ${m.term} before persisting it (durable ${hs.vote}@${hs.term})`,
      );
    }
    if (m.type === 'appResp' && !m.reject && m.index > lastIndex) {
      this.fail('persist before send', `${id} acknowledged index ${m.index} with only ${lastIndex} durable`);
    }
  }

  onApply(id: NodeId, term: number, entries: readonly Entry[]): void {
    for (const e of entries) {
      const prev = this.applied.get(e.index);
      if (!prev) {
        this.applied.set(e.index, { key: key(e), term: e.term, commitTerm: term });
        this.maxApplied = Math.max(this.maxApplied, e.index);
      } else if (prev.key !== key(e)) {
        this.fail(
          'state machine safety',
          `${id} applied ${key(e)} at index ${e.index}, another node applied ${prev.key}`,
        );
      } else if (term < prev.commitTerm) prev.commitTerm = term;
    }
  }

  /** Checks over the live nodes at one instant (`globalNow` on the simulation clock, when known). */
  check(nodes: readonly Observed[], globalNow?: number): void {
    this.checks++;
    let leases = 0;
    const holders: string[] = [];
    for (const { id, node, localNow, toGlobal } of nodes) {
      const s = node.status();
      const vt = this.volatileTerm.get(id) ?? 0;
      if (s.term < vt) this.fail('terms never decrease', `${id} term went ${vt} -> ${s.term}`);
      this.volatileTerm.set(id, s.term);
      if (s.commit > s.lastIndex || s.applied > s.commit)
        this.fail('commit within the log', `${id} applied ${s.applied} commit ${s.commit} lastIndex ${s.lastIndex}`);
      if (s.role === 'leader') {
        const l = this.leaderOfTerm.get(s.term);
        if (l !== undefined && l !== id)
          this.fail('election safety: at most one leader per term', `${l} and ${id} both lead term ${s.term}`);
        this.leaderOfTerm.set(s.term, id);
        const lk = `${id}:${s.term}`;
        if (!this.knownLeaders.has(lk)) {
          this.knownLeaders.add(lk);
          this.checkCompleteness(id, node, s.term);
          if (globalNow !== undefined) this.checkNoPromiseBroken(id, s.term, globalNow);
        }
        this.checkOneChangeInFlight(id, node);
      }
      if (node.hasLease(localNow)) {
        if (toGlobal) this.recordPromise(id, s.term, toGlobal(node.leaseValidUntil(localNow)));
        leases++;
        holders.push(`${id}@${s.term} until ${node.leaseValidUntil(localNow)} (local now ${localNow})`);
      }
    }
    if (leases > 1) this.fail('at most one valid lease at any instant', holders.join(', '));
  }

  private recordPromise(id: NodeId, term: number, until: number): void {
    const p = this.promised.get(id);
    if (!p || until > p.until) this.promised.set(id, { term, until });
  }

  /** Thesis 6.4 and 3.10: no node becomes leader of a later term before an instant another node was
   * promised as leader has passed (a transfer's TimeoutNow included), crashed or paused holders too. */
  private checkNoPromiseBroken(id: NodeId, term: number, globalNow: number): void {
    for (const [holder, p] of this.promised) {
      if (holder === id || p.term >= term) continue;
      if (globalNow < p.until - 1e-6)
        this.fail(
          'no leader inside a lease already handed out',
          `${id} leads term ${term} at ${globalNow}, but ${holder} (term ${p.term}) was promised until ${p.until}`,
        );
    }
  }

  /** Leader completeness (5.4): a leader holds every entry committed in an earlier term. */
  private checkCompleteness(id: NodeId, node: RawNode, term: number): void {
    const snap = node.snapshot();
    for (const [index, a] of this.applied) {
      if (a.commitTerm >= term || index <= snap.index) continue;
      if (node.term(index) !== a.term)
        this.fail(
          'leader completeness',
          `${id} leads term ${term} without entry ${index} (term ${a.term}) committed by term ${a.commitTerm}`,
        );
    }
  }

  private checkOneChangeInFlight(id: NodeId, node: RawNode): void {
    const commit = node.status().commit;
    let n = 0;
    const ents = node.logEntries();
    for (let i = ents.length - 1; i >= 0; i--) {
      const e = ents[i]!;
      if (e.index <= commit) break;
      if (e.type === 'conf') n++;
    }
    if (n > 1) this.fail('at most one membership change in flight', `${id} has ${n} uncommitted conf entries`);
  }

  /** End-of-run cross check of whole logs (log matching without trusting the incremental map). */
  finalCheck(nodes: readonly { id: NodeId; node: RawNode }[]): void {
    for (const a of nodes) {
      for (const b of nodes) {
        if (a.id >= b.id) continue;
        const ea = a.node.logEntries();
        const tb = new Map(b.node.logEntries().map((e) => [e.index, e] as const));
        let matchedAbove = false;
        for (let i = ea.length - 1; i >= 0; i--) {
          const x = ea[i]!;
          const y = tb.get(x.index);
          if (!y) continue;
          if (y.term === x.term) matchedAbove = true;
          if (matchedAbove && key(x) !== key(y))
            this.fail('log matching', `${a.id} and ${b.id} agree on a later entry but differ at index ${x.index}`);
        }
      }
    }
  }

  stats(): { leaders: number; applied: number; checks: number } {
    return { leaders: this.leaderOfTerm.size, applied: this.maxApplied, checks: this.checks };
  }
}
