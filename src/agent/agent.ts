// The agent process, wired: configuration and secrets in, then the cluster view, the Raft node on its
// ConfigMap, the authenticated peer transport and the HTTP endpoints. The MySQL side (observe ->
// decide -> act) plugs in through RaftApp. Docs: docs/agent.md.
import { crashMysqld, killMysqld } from './crash-fence.ts';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../util/log.ts';
import { ConfigMapStorage } from '../kube/configmap-storage.ts';
import { controllerRef } from '../kube/objects.ts';
import type { AgentConfig } from './config.ts';
import { AgentConfigError } from './config.ts';
import { ClusterView, ordinalOf } from './cluster-view.ts';
import { readCredentials, readPeerKey, type Credentials } from './secrets.ts';
import { PeerTransport } from './transport.ts';
import { RaftHost } from './raft-host.ts';
import { timingsFrom } from './timings.ts';
import { StatusServer } from './status-server.ts';
import { MysqlSide } from './mysql-side.ts';
import { drainReplica } from './replica-drain.ts';
import { applyServerIdentity, serverIdentity } from './server-identity.ts';
import { Controller } from './controller.ts';
import { applyCommitted, INITIAL_STATE, toSnapshotData, type AppState } from './state-machine.ts';
import type { AgentMemory } from './act.ts';
import { recordEvent } from '../kube/objects.ts';
import { effectiveWaitForSlaveCount } from '../api/defaults.ts';
import { Annotations, Labels } from '../api/names.ts';
import { KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { Role } from '../raft/types.ts';
import type { Message } from '../raft/messages.ts';
import { Publisher } from './publisher.ts';
import { AgentMetrics } from './metrics.ts';
import { readiness } from './publication.ts';
import { LeaderWatch } from './leader-watch.ts';
import type { MysqlCluster } from './cluster-view.ts';
import { FIELD_MANAGER } from '../api/names.ts';

/** What a running agent holds; stop() ends everything it started. */
export interface RunningAgent {
  raft: RaftHost;
  view: ClusterView;
  transport: PeerTransport;
  http: StatusServer;
  controller: Controller;
  credentials: Credentials;
  metrics: AgentMetrics;
  /** Resolves when the agent must exit (fatal error), with the reason. */
  fatal: Promise<Error>;
  /** Graceful stop: a leader demotes itself and hands over; resolves once this node no longer leads
   * (or after `timeoutMs`). Idempotent. */
  drain(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

function kubeConfig(c: AgentConfig): KubeConfig {
  const kc = new KubeConfig();
  if (c.kubeconfig) kc.loadFromFile(c.kubeconfig);
  else kc.loadFromCluster();
  return kc;
}

async function waitForCluster(view: ClusterView, log: Logger): Promise<void> {
  for (let i = 0; !view.object(); i++) {
    if (i % 50 === 0) log.info({ cluster: view.cluster }, 'waiting for the MysqlCluster to exist');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** GET /prestop answers within terminationGracePeriodSeconds (60) - 5 s. */
const PRESTOP_TIMEOUT_MS = 55_000;

/** Graceful stop. A leader hands over (decide() sees `stopping`) and waits until another node leads (not
 * merely until we stopped leading: the transfer target may still need our vote, and with a third node that
 * refuses, e.g. an errant one, ours is the one that elects it). Then, as a replica, it applies everything
 * received before mysqld stops (replica-drain.ts says why). Bounded by `timeoutMs` in all. */
async function drain(ctl: Controller, raft: RaftHost, side: MysqlSide, log: Logger, timeoutMs: number): Promise<void> {
  ctl.stopping = true;
  ctl.kick();
  const deadline = Date.now() + timeoutMs;
  const handedOver = () => {
    const s = raft.status();
    return s.role !== 'leader' && s.lead !== null && s.lead !== s.id;
  };
  if (raft.status().role === 'leader')
    while (!handedOver() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  ctl.replicaDrain ??= drainReplica(side.own, Math.max(1000, deadline - Date.now())).then((r) => {
    log[r.applied ? 'info' : 'warn']({ detail: r.detail }, 'graceful stop: relay log drained');
  });
  await ctl.replicaDrain;
}

/** Creates the MySQL accounts on our own mysqld, retrying until it answers. */
async function ensureUsers(side: MysqlSide, timeoutMs: number, log: Logger): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await side.bootstrapUsers(timeoutMs);
      log.info('MySQL accounts mysqlraft_repl and mysqlraft_agent are in place');
      return;
    } catch (err) {
      if (attempt % 20 === 0) log.warn({ err: (err as Error).message }, 'cannot create the MySQL accounts yet');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** This data directory's server_id (server-identity.ts), retried until mysqld answers; the controller
 * sets it again whenever mysqld restarted with the per-ordinal one. */
async function ensureIdentity(side: MysqlSide, ctl: Controller, timeoutMs: number, log: Logger): Promise<void> {
  for (;;) {
    try {
      ctl.serverId = await serverIdentity(side.own, timeoutMs);
      await applyServerIdentity(side.own, ctl.serverId, timeoutMs);
      log.info({ serverId: ctl.serverId }, 'server_id of this data directory set');
      return;
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cannot set the server_id yet');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Removes the switchover annotation we acted on (merge patch guarded by its resourceVersion). */
async function clearSwitchover(kc: KubeConfig, view: ClusterView): Promise<void> {
  const obj = view.object();
  if (!obj?.metadata?.annotations?.[Annotations.switchoverTo]) return;
  await KubernetesObjectApi.makeApiClient(kc).patch(
    {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      metadata: {
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        resourceVersion: obj.metadata.resourceVersion,
        annotations: { [Annotations.switchoverTo]: null },
      },
    } as unknown as MysqlCluster,
    undefined,
    undefined,
    FIELD_MANAGER,
    undefined,
    PatchStrategy.MergePatch,
  );
}

/** The failover cause as the Raft side shows it: a TimeoutNow is a handed-over leadership. */
function noteTransfer(memory: AgentMemory, from: string, msgs: unknown[]): void {
  if (msgs.some((m) => (m as Partial<Message>).type === 'timeoutNow'))
    memory.cause = { kind: 'transfer', at: Date.now(), detail: `leadership handed over by ${from}` };
}

/** An election this node starts without another cause is the election timeout's; back to follower
 * (another won, or our campaign failed) forgets the cause. */
function noteRole(memory: AgentMemory, _from: Role, to: Role): void {
  if ((to === 'preCandidate' || to === 'candidate') && !memory.cause)
    memory.cause = { kind: 'election-timeout', at: Date.now(), detail: 'election timeout: no word from the leader' };
  if (to === 'follower') memory.cause = undefined;
}

/** Starts the agent; rejects with AgentConfigError naming a bad setting. */
export async function startAgent(c: AgentConfig, log: Logger): Promise<RunningAgent> {
  const ordinal = ordinalOf(c.cluster, c.podName);
  if (ordinal === undefined)
    throw new AgentConfigError(
      `--pod-name (POD_NAME) = ${JSON.stringify(c.podName)}: must be <cluster>-<ordinal> for cluster ${c.cluster}`,
    );
  const credentials = readCredentials(c.credentialsDir);
  const key = readPeerKey(c.peerKeyFile);
  const kc = kubeConfig(c);
  const view = new ClusterView(kc, c.namespace, c.cluster, log);
  await view.start();
  await waitForCluster(view, log);
  const cluster = view.object()!;
  const timings = timingsFrom(cluster.spec.raft, c.tickMs, c.leaseDriftMs);
  const storage = await ConfigMapStorage.open(kc, {
    namespace: c.namespace,
    cluster: c.cluster,
    ordinal,
    bootstrap: { voters: view.bootstrapMembers(), learners: [] },
    ownerReferences: [controllerRef(cluster)],
  });
  let resolveFatal: (e: Error) => void = () => {};
  const fatal = new Promise<Error>((r) => (resolveFatal = r));
  // The transport, the Raft host and the controller call into each other: late-bound through `ref`.
  const ref: { raft?: RaftHost; controller?: Controller; watch?: LeaderWatch; publisher?: Publisher } = {};
  const members = (id: string): boolean => {
    const conf = ref.raft?.status().conf;
    return (conf ? [...conf.voters, ...conf.learners] : view.bootstrapMembers()).includes(id);
  };
  let state: AppState = INITIAL_STATE;
  const memory: AgentMemory = { promotedTerm: 0, errantAgainst: '' };
  const transport = new PeerTransport({
    self: c.podName,
    cluster: c.cluster,
    key,
    host: c.bindAddress,
    port: c.peerPort,
    resolve: (peer) => {
      const ip = view.podIp(peer);
      return ip ? { host: ip, port: c.peerPort } : undefined;
    },
    isMember: members,
    onMessages: (from, msgs) => {
      ref.watch?.heardFrom(from);
      ref.controller?.heardFrom(from);
      noteTransfer(memory, from, msgs);
      ref.raft?.receive(msgs);
    },
    logger: log,
  });
  await transport.start();
  const side = new MysqlSide(credentials, c.mysqlHost, c.mysqlPort, (pod) => view.podIp(pod));
  /** An Event on the MysqlCluster from this agent (best effort). */
  const event = (type: 'Normal' | 'Warning', reason: string, message: string): void =>
    void recordEvent(kc, view.object() ?? cluster, { type, reason, message, component: 'mysql-raft-agent' }).catch(
      () => {},
    );
  const leaseMarginMs = Math.max(2 * timings.tickMs, Math.min(500, timings.electionTimeoutMs / 4));
  const raft = await RaftHost.start({
    id: c.podName,
    storage,
    transport,
    timings,
    logger: log,
    leaseMarginMs,
    // The dead man's switch: this process did not run for longer than the lease margin, so the fence
    // due before the lease ended may not have happened, and the mysqld it left writable wakes with it.
    ...(c.mysqldPidFile
      ? {
          stallMs: leaseMarginMs,
          onStall: (sinceMs: number) => {
            if (ref.raft?.hasLeaseWithMargin() !== false) return;
            const v = ref.controller?.mysqlObservation.view;
            if (!v?.up || !v.writable) return;
            const r = killMysqld(c.mysqldPidFile);
            if ('why' in r) return log.warn({ sinceMs, why: r.why }, 'stalled past the lease: cannot crash own mysqld');
            log.warn({ sinceMs, pid: r.pid }, 'stalled past the lease while writable: crashed own mysqld');
            event(
              'Warning',
              'FencedByCrash',
              `${c.podName}: did not run for ${Math.round(sinceMs)} ms and its lease ended while its mysqld was writable: mysqld killed, it restarts read-only`,
            );
          },
        }
      : {}),
    onRoleChange: (from, to) => {
      noteRole(memory, from, to);
      // A new leader starts its promotion (and a deposed one its fence) in this round.
      if (to === 'leader' || from === 'leader') ref.controller?.kick();
    },
    app: {
      apply: (rd) => {
        state = applyCommitted(state, rd.snapshot, rd.committedEntries);
        // Entries are few (a leader's first entry, primary records, membership): each may unblock an
        // action (a new leader's promotion waits for its first entry, followers repoint at a new
        // primary), so it runs in this round, not the next one.
        if (rd.committedEntries.length > 0 || rd.snapshot) ref.controller?.kick();
      },
      snapshotData: () => toSnapshotData(state),
      beforePersist: (rd) => ref.controller?.beforePersist(rd) ?? Promise.resolve(false),
      canCampaign: () => ref.controller?.canCampaign() ?? false,
      candidateContext: () => ref.controller?.candidateContext() ?? null,
      beforeTransferCampaign: () => ref.controller?.refresh() ?? Promise.resolve(),
      votePredicate: (cand, ctx) => ref.controller?.votePredicate(cand, ctx) ?? 'agent not ready',
      onFatal: (err) => {
        log.error({ err: err.message }, 'raft node stopped: exiting so the restart reads the ConfigMap');
        resolveFatal(err);
      },
    },
  });
  ref.raft = raft;
  const metrics = new AgentMetrics();
  const semi = cluster.spec.semiSync;
  const podAt = (host: string, port: number) =>
    port === c.mysqlPort ? view.bootstrapMembers().find((p) => view.podIp(p) === host) : undefined;
  const ctl = new Controller(
    {
      self: c.podName,
      side,
      raft,
      state: () => state,
      peers: () => raft.status().conf.voters.filter((p) => p !== c.podName),
      timeoutMs: c.mysqlTimeoutMs,
      semiSync: {
        waitCount: effectiveWaitForSlaveCount(cluster.spec),
        fallbackAfterMs: typeof semi?.timeout === 'number' ? semi.timeout : 'never',
        enabled: semi?.enabled !== false,
      },
      memory,
      log,
      event,
      podAt,
      switchoverRequest: () => view.object()?.metadata?.annotations?.[Annotations.switchoverTo] || null,
      clearSwitchover: () => clearSwitchover(kc, view),
      failedOver: (kind, ms) => metrics.failedOver(kind, ms),
      ...(c.mysqldPidFile ? { crashMysqld: () => crashMysqld(c.mysqldPidFile) } : {}),
      addressSilent: (pod) => ref.watch?.addressSilent(pod, 5 * timings.electionTimeoutMs) ?? false,
      relabelFenced: (pod) =>
        void ref.publisher
          ?.relabelFenced(pod)
          .catch((err: unknown) =>
            log.warn({ pod, err: (err as Error).message }, 'relabelling the old primary failed'),
          ),
    },
    podAt,
    // MySQL is read once a round: often enough to fence well inside the lease margin, rarely enough to
    // stay cheap on a busy node.
    Math.max(timings.tickMs, 200),
  );
  ref.controller = ctl;
  const publisher = new Publisher({
    kc,
    namespace: c.namespace,
    cluster: c.cluster,
    pod: c.podName,
    log,
    currentLabel: () => view.pod(c.podName)?.metadata?.labels?.[Labels.role],
    leaseDurationSeconds: Math.max(1, Math.ceil(timings.electionTimeoutMs / 1000)),
  });
  ref.publisher = publisher;
  ctl.onRound = (f) => {
    metrics.update(f, state.primary?.pod);
    void publisher.publish(f);
  };
  const watch = new LeaderWatch({
    raft,
    transport,
    side,
    heartbeatMs: timings.heartbeatTick * timings.tickMs,
    timeoutMs: c.mysqlTimeoutMs,
    log,
    campaign: (before) => ctl.campaignFresh(before),
    onCampaign: (leader, reason) => {
      memory.cause = { kind: 'agent-gone', at: Date.now(), detail: reason };
      metrics.fastPath.inc();
      log.info({ leader }, 'fast path taken');
    },
  });
  ref.watch = watch;
  void ensureUsers(side, c.mysqlTimeoutMs, log)
    .then(() => ensureIdentity(side, ctl, c.mysqlTimeoutMs, log))
    .then(() => {
      ctl.start();
      watch.start();
    });
  const http = new StatusServer({
    host: c.bindAddress,
    port: c.httpPort,
    prestop: () => drain(ctl, raft, side, log, PRESTOP_TIMEOUT_MS),
    ready: () => readiness(ctl.facts()),
    metrics: () => metrics.render(),
    status: () => ({
      raft: raft.status(),
      leaseRemainingMs: Math.max(-1, Math.round(raft.leaseValidUntil() - raft.now())),
      transport: transport.stats,
      state,
      mysql: ctl.mysqlObservation.view,
      action: ctl.lastAction,
      lastFailover: memory.lastFailover ?? null,
      ready: readiness(ctl.facts()),
      report: publisher.lastReport ?? null,
      fastPath: { campaigns: watch.campaigns },
    }),
  });
  await http.start();
  log.info({ pod: c.podName, timings }, 'agent started');
  return {
    raft,
    view,
    transport,
    http,
    controller: ctl,
    credentials,
    metrics,
    drain: (timeoutMs) => drain(ctl, raft, side, log, timeoutMs),
    fatal,
    stop: async () => {
      ctl.stop();
      watch.stop();
      raft.stop();
      await raft.idle();
      await Promise.all([transport.stop(), http.stop(), view.stop()]);
    },
  };
}
