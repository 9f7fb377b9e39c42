// GET /metrics of the agent (prom-client, one private registry): term, role, elections, failovers and
// their duration, replication lag and semi-sync acknowledgements, all prefixed `mysqlraft_agent_`.
// Gauges are refreshed from the latest observation after every clustering round (update()); counters
// and the histogram move when the event happens (docs/agent.md).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Role } from '../raft/types.ts';
import type { NodeFacts } from './publication.ts';

const PREFIX = 'mysqlraft_agent_';
const ROLES: Role[] = ['leader', 'follower', 'candidate', 'preCandidate'];

/** The agent's metrics in their own registry. */
export class AgentMetrics {
  readonly registry = new Registry();
  private readonly term: Gauge;
  private readonly role: Gauge<'role'>;
  private readonly writable: Gauge;
  private readonly mysqldUp: Gauge;
  private readonly lag: Gauge<'source'>;
  private readonly semiAcked: Gauge;
  private readonly semiUnacked: Gauge;
  private readonly semiClients: Gauge;
  /** Leaders this node has seen elected (a new leader in a new term). */
  readonly elections: Counter;
  /** Promotions of this node that replaced another primary. */
  readonly failovers: Counter<'reason'>;
  readonly failoverDuration: Histogram;
  /** Early campaigns after the leader's agent refused connections. */
  readonly fastPath: Counter;
  private seenLeader = '';

  constructor() {
    const registers = [this.registry];
    const gauge = (name: string, help: string) => new Gauge({ name: PREFIX + name, help, registers });
    this.term = gauge('term', 'Current Raft term of this node');
    this.role = new Gauge({
      name: `${PREFIX}role`,
      help: 'Raft role (1 for the current one)',
      labelNames: ['role'],
      registers,
    });
    this.writable = gauge('mysqld_writable', '1 while the own mysqld accepts writes (read_only OFF)');
    this.mysqldUp = gauge('mysqld_up', '1 while the own mysqld answers');
    this.lag = new Gauge({
      name: `${PREFIX}replication_lag_seconds`,
      help: 'Seconds_Behind_Master of the own mysqld (absent when not replicating)',
      labelNames: ['source'],
      registers,
    });
    this.semiAcked = gauge(
      'semisync_acked_transactions',
      'Rpl_semi_sync_master_yes_tx: transactions a replica acknowledged',
    );
    this.semiUnacked = gauge(
      'semisync_unacked_transactions',
      'Rpl_semi_sync_master_no_tx: transactions committed without an acknowledgement',
    );
    this.semiClients = gauge('semisync_replicas', 'Rpl_semi_sync_master_clients: semi-sync replicas connected');
    this.elections = new Counter({
      name: `${PREFIX}elections_total`,
      help: 'New leaders this node has seen elected',
      registers,
    });
    this.failovers = new Counter({
      name: `${PREFIX}failovers_total`,
      help: 'Times this node became primary in place of another',
      labelNames: ['reason'],
      registers,
    });
    this.failoverDuration = new Histogram({
      name: `${PREFIX}failover_duration_seconds`,
      help: 'From losing the old leader (election start, transfer, refused connection) to writable',
      buckets: [0.25, 0.5, 1, 2, 3, 5, 8, 13, 21, 34],
      registers,
    });
    this.fastPath = new Counter({
      name: `${PREFIX}fast_path_campaigns_total`,
      help: 'Campaigns started at once because the leader agent refused connections',
      registers,
    });
  }

  /** Refreshes the gauges from the latest facts; counts a newly seen leader. */
  update(f: NodeFacts, primaryPod: string | undefined): void {
    this.term.set(f.term);
    for (const r of ROLES) this.role.set({ role: r }, r === f.role ? 1 : 0);
    this.mysqldUp.set(f.mysql.up ? 1 : 0);
    this.writable.set(f.mysql.up && f.mysql.writable ? 1 : 0);
    this.countLeader(f.role === 'leader' ? f.self : f.lead, f.term);
    this.mysqlGauges(f, primaryPod);
  }

  /** A leader not seen before (in a new term) is one more election; the first one seen after start
   * was elected before this process knew. */
  private countLeader(lead: string | null, term: number): void {
    const key = lead ? `${lead}@${term}` : '';
    if (!key || key === this.seenLeader) return;
    if (this.seenLeader) this.elections.inc();
    this.seenLeader = key;
  }

  private mysqlGauges(f: NodeFacts, primaryPod: string | undefined): void {
    this.lag.reset();
    const r = f.snapshot?.replica;
    if (r && typeof r.lagSeconds === 'number') this.lag.set({ source: primaryPod ?? r.sourceHost }, r.lagSeconds);
    const s = f.snapshot?.semiSync;
    if (s) {
      this.semiAcked.set(s.yesTx);
      this.semiUnacked.set(s.noTx);
      this.semiClients.set(s.clients);
    }
  }

  /** A failover this node completed. */
  failedOver(reason: string, durationMs: number): void {
    this.failovers.inc({ reason });
    this.failoverDuration.observe(durationMs / 1000);
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
