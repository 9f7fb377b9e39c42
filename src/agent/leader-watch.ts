// The refused-connection fast path (docs/failover.md, "Fast paths"). A follower that has not heard
// from its leader for longer than 1.5 heartbeat intervals probes the leader's peer port. Refused means
// nothing listens there: the leader's agent process is gone, so nobody will renew its lease nor make
// its mysqld writable again. The follower then fences that mysqld itself (or finds it gone too) and
// only then forgets the leader and campaigns at once, instead of waiting out the election timeout.
// A slow or stopped leader still accepts connections (its socket lives) and is never probed into an
// early election: it gets the whole election timeout, as before.
import type { Role } from '../raft/types.ts';
import type { RawNode } from '../raft/rawnode.ts';
import type { Logger } from '../util/log.ts';
import { fence, MysqlError } from '../mysql/index.ts';
import type { PeerState, PeerTransport } from './transport.ts';
import type { RaftHost } from './raft-host.ts';
import type { MysqlSide } from './mysql-side.ts';

/** How fencing the old leader's mysqld went: read-only now, or not running at all, or unknown. */
export type FenceOutcome = 'fenced' | 'gone' | 'failed';

/** One step of the fast path, as the pure function below decides it. */
export type FastPathStep =
  | { next: 'idle'; reason: string }
  | { next: 'probe'; leader: string }
  | { next: 'fence'; leader: string }
  | { next: 'campaign'; leader: string; reason: string };

/** What the fast path looks at. */
export interface FastPathFacts {
  role: Role;
  lead: string | null;
  /** ms since the last message from `lead`. */
  silentMs: number;
  heartbeatMs: number;
  /** The probe of the leader's peer port, once done. */
  probe?: PeerState;
  /** Fencing the leader's mysqld, once done. */
  fence?: FenceOutcome;
}

/** The next step; pure (test/agent/leader-watch.test.ts). */
export function fastPathStep(f: FastPathFacts): FastPathStep {
  if (f.role !== 'follower' || !f.lead) return { next: 'idle', reason: 'no leader to watch' };
  // Checked at every stage: a leader heard from meanwhile is alive, whatever a probe said.
  if (f.silentMs < 1.5 * f.heartbeatMs) return { next: 'idle', reason: 'the leader spoke recently' };
  if (f.probe === undefined) return { next: 'probe', leader: f.lead };
  if (f.probe !== 'refused')
    return {
      next: 'idle',
      reason: `leader's peer port answered ${f.probe}: maybe slow, not gone; wait for the timeout`,
    };
  if (f.fence === undefined) return { next: 'fence', leader: f.lead };
  if (f.fence === 'failed')
    return { next: 'idle', reason: "the leader's mysqld could not be fenced: its lease may still be used" };
  return {
    next: 'campaign',
    leader: f.lead,
    reason: `leader ${f.lead}'s agent refused connections and its mysqld is ${f.fence === 'fenced' ? 'read-only' : 'gone'}`,
  };
}

/** What LeaderWatch needs. */
export interface LeaderWatchOptions {
  raft: RaftHost;
  transport: PeerTransport;
  side: MysqlSide;
  heartbeatMs: number;
  timeoutMs: number;
  log: Logger;
  /** The fast path fired: the failover's cause (reason), for status, events and metrics. */
  onCampaign: (leader: string, reason: string) => void;
  /** Runs `before` on the node, then campaigns, with a candidate context read afresh
   * (Controller.campaignFresh). */
  campaign: (before: (n: RawNode) => void) => Promise<void>;
}

/** Watches the leader from a follower; see the file comment. */
export class LeaderWatch {
  private readonly heard = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  /** Early campaigns started (for /status). */
  campaigns = 0;
  /** The latest probe of each leader's peer port, and when. */
  private readonly probed = new Map<string, { state: PeerState; at: number }>();

  constructor(private readonly o: LeaderWatchOptions) {}

  /** An authenticated message arrived from `peer`. */
  heardFrom(peer: string): void {
    this.heard.set(peer, Date.now());
  }

  /** Whether our latest probe of `pod`'s peer port (within `withinMs`, and after the last message
   * heard from it) got no answer at all: no connection, no refusal. */
  addressSilent(pod: string, withinMs: number): boolean {
    const p = this.probed.get(pod);
    if (!p || p.state !== 'timeout' || Date.now() - p.at > withinMs) return false;
    return p.at > (this.heard.get(pod) ?? 0);
  }

  start(): void {
    this.running = true;
    const loop = () => {
      if (!this.running) return;
      this.check()
        .catch((err: unknown) => this.o.log.warn({ err: (err as Error).message }, 'leader watch failed'))
        .finally(() => {
          if (this.running) this.timer = setTimeout(loop, this.o.heartbeatMs);
        });
    };
    this.timer = setTimeout(loop, this.o.heartbeatMs);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** One pass of the fast path. */
  async check(): Promise<FastPathStep> {
    const facts = (): FastPathFacts => {
      const st = this.o.raft.status();
      const since = st.lead ? (this.heard.get(st.lead) ?? 0) : 0;
      return { role: st.role, lead: st.lead, silentMs: Date.now() - since, heartbeatMs: this.o.heartbeatMs };
    };
    const first = fastPathStep(facts());
    if (first.next !== 'probe') return first;
    const probe = await this.o.transport.probe(first.leader, Math.min(1000, this.o.heartbeatMs));
    this.probed.set(first.leader, { state: probe, at: Date.now() });
    // The leader must still be the one we probed, and still silent.
    const now = facts();
    if (now.lead !== first.leader) return { next: 'idle', reason: 'the leader changed meanwhile' };
    const afterProbe = fastPathStep({ ...now, probe });
    if (afterProbe.next !== 'fence') return afterProbe;
    const fenced = await this.fenceLeader(afterProbe.leader);
    const step = fastPathStep({ ...facts(), probe, fence: fenced });
    if (step.next !== 'campaign' || step.leader !== first.leader) return step;
    this.campaigns++;
    this.o.log.warn({ leader: step.leader, reason: step.reason }, 'fast path: forgetting the leader, campaigning now');
    this.o.onCampaign(step.leader, step.reason);
    await this.o.campaign((n) => n.forgetLeader());
    return step;
  }

  private async fenceLeader(pod: string): Promise<FenceOutcome> {
    const node = this.o.side.peer(pod);
    if (!node) return 'failed';
    try {
      await fence(node, {}, Math.min(this.o.timeoutMs, 1000));
      return 'fenced';
    } catch (err) {
      if (err instanceof MysqlError && err.kind === 'unreachable' && err.message.includes('ECONNREFUSED'))
        return 'gone';
      this.o.log.info({ leader: pod, err: (err as Error).message }, "fast path: leader's mysqld not fenced");
      return 'failed';
    }
  }
}
