// What the agents publish, on three real agent processes and three real mariadbd on the embedded API
// server (docs/agent.md): the role label, the leader Lease (MicroTime, six digits), the status
// annotation the reconciler reads, /readyz and /metrics; switchover by annotation (refused for a
// non-member, carried out to a named replica, Events and the annotation removed); the
// refused-connection fast path (kill -9 of the primary's agent: the followers campaign at once, the
// FailedOver Event says why) and its absence for a merely stopped leader (SIGSTOP: the election
// timeout, no early campaign).
import t from 'tap';
import { AgentEnv } from '../support/agent/env.ts';
import { eventually } from '../support/eventually.ts';
import { raw } from '../support/apiserver/raw.ts';
import { parseAgentReport } from '../../src/operator/status/agent-report.ts';
import { Annotations, Labels } from '../../src/api/names.ts';

// Several failovers of real processes on a shared, busy machine.
t.setTimeout(900_000);

interface Node {
  role: string;
  term: number;
  primary: string | null;
  writable: boolean;
  from: string | null;
  fastPath: number;
}

interface StatusBody {
  raft: { role: string; term: number };
  state: { primary: { pod: string } | null };
  mysql: { writable?: boolean; replicatingFrom?: string | null };
  fastPath?: { campaigns: number };
}

async function nodes(env: AgentEnv): Promise<(Node | undefined)[]> {
  const all = (await Promise.all(env.agents.map((_, i) => env.status(i)))) as unknown as (StatusBody | undefined)[];
  return all.map((s) =>
    s
      ? {
          role: s.raft.role,
          term: s.raft.term,
          primary: s.state.primary?.pod ?? null,
          writable: s.mysql.writable === true,
          from: s.mysql.replicatingFrom ?? null,
          fastPath: s.fastPath?.campaigns ?? 0,
        }
      : undefined,
  );
}

/** The FailedOver messages of the failover that made the current leader (index `l`) primary: same
 * pair of pods and that leader's term (an earlier failover may have had the same pair). */
async function failedOverInto(env: AgentEnv, l: number, from: string, skip = -1): Promise<string[]> {
  const term = (await answering(env, skip))[l]!.term;
  return eventually(async () => {
    const e = (await events(env, 'FailedOver')).filter(
      (m) => m.includes(`from=${from} to=${env.agents[l]!.pod} `) && m.endsWith(` term=${term}`),
    );
    return e.length > 0 ? e : undefined;
  }, `FailedOver from ${from} to ${env.agents[l]!.pod} in term ${term}`);
}

/** Every node's status, once all but `skip` answer (a loaded machine can miss one 1 s deadline). */
async function answering(env: AgentEnv, skip = -1): Promise<(Node | undefined)[]> {
  return eventually(async () => {
    const s = await nodes(env);
    return s.every((x, i) => i === skip || x) ? s : undefined;
  }, 'every agent answering /status');
}

/** The index of the writable leader whose record every other answering node replicates from. */
async function settled(env: AgentEnv, skip = -1): Promise<{ l: number; pod: string } | undefined> {
  const s = await nodes(env);
  const l = s.findIndex((x, i) => i !== skip && x?.role === 'leader' && x.writable);
  if (l < 0) return undefined;
  const pod = env.agents[l]!.pod;
  const ok = s.every((x, i) => i === l || i === skip || (x && !x.writable && x.from === pod && x.primary === pod));
  return ok && s[l]!.primary === pod ? { l, pod } : undefined;
}

async function api(env: AgentEnv, method: string, path: string, body?: unknown, type?: string): Promise<any> {
  const r = await raw(
    { server: env.api.url, token: env.api.token, caPem: env.api.caPem! },
    method,
    path,
    body,
    type ? { headers: { 'content-type': type } } : {},
  );
  if (r.status >= 300) throw new Error(`${method} ${path}: HTTP ${r.status} ${r.text}`);
  return r.json;
}

const podPath = (pod: string) => `/api/v1/namespaces/default/pods/${pod}`;
const clusterPath = (env: AgentEnv) => `/apis/apps.ryansu.com/v1/namespaces/default/mysqlclusters/${env.cluster}`;

async function labels(env: AgentEnv): Promise<(string | undefined)[]> {
  return Promise.all(
    env.agents.map(async (a) => (await api(env, 'GET', podPath(a.pod))).metadata.labels?.[Labels.role]),
  );
}

async function events(env: AgentEnv, reason: string): Promise<string[]> {
  const list = await api(env, 'GET', '/api/v1/namespaces/default/events');
  return (list.items as { reason: string; message: string; involvedObject: { name: string } }[])
    .filter((e) => e.reason === reason && e.involvedObject.name === env.cluster)
    .map((e) => e.message);
}

async function requestSwitchover(env: AgentEnv, to: string): Promise<void> {
  await api(
    env,
    'PATCH',
    clusterPath(env),
    { metadata: { annotations: { [Annotations.switchoverTo]: to } } },
    'application/merge-patch+json',
  );
}

async function switchoverAnnotation(env: AgentEnv): Promise<string | undefined> {
  return (await api(env, 'GET', clusterPath(env))).metadata.annotations?.[Annotations.switchoverTo];
}

async function http(env: AgentEnv, i: number, path: string): Promise<{ status: number; text: string }> {
  try {
    const r = await fetch(`http://${env.agents[i]!.ip}:${env.httpPort}${path}`, { signal: AbortSignal.timeout(2000) });
    return { status: r.status, text: await r.text() };
  } catch (err) {
    return { status: 0, text: (err as Error).message };
  }
}

/** Waits for a settled cluster (optionally without node `skip`) whose labels say the same: a pod
 * whose agent is gone was relabelled by the new primary once it fenced that pod's mysqld. */
async function settledAndLabelled(
  env: AgentEnv,
  what: string,
  skip = -1,
  want?: string,
): Promise<{ l: number; pod: string }> {
  return eventually(
    async () => {
      const s = await settled(env, skip);
      if (!s || (want && s.pod !== want)) return undefined;
      const ls = await labels(env);
      const ok = ls.every((v, i) => v === (i === s.l ? 'primary' : 'replica'));
      return ok ? s : undefined;
    },
    what,
    300_000,
  );
}

t.test('three agents publish label, Lease, annotation, /readyz, /metrics; switchover; fast path', async (t) => {
  const env = await AgentEnv.start({ mysql: true });
  t.teardown(async () => {
    if (!t.passing())
      for (const a of env.agents) t.comment(`${a.pod}:\n${a.log.join('').split('\n').slice(-30).join('\n')}`);
    await env.stop();
  });
  for (let i = 0; i < 3; i++) env.launch(i);
  const first = await settledAndLabelled(env, 'a primary labelled primary, two replicas labelled replica');
  t.pass(`${first.pod} is the writable primary and the only pod labelled primary`);

  // The Lease mirrors the Raft leader: holder, term, MicroTime with six digits.
  const term = (await answering(env))[first.l]!.term;
  const lease = await eventually(async () => {
    const r = await raw(
      { server: env.api.url, token: env.api.token, caPem: env.api.caPem! },
      'GET',
      `/apis/coordination.k8s.io/v1/namespaces/default/leases/${env.cluster}-leader`,
    );
    return r.status === 200 && r.json.spec.leaseTransitions === term ? r.json : undefined;
  }, 'Lease db-leader of the current term');
  t.equal(lease.spec.holderIdentity, first.pod, 'Lease holder is the primary');
  t.match(lease.spec.renewTime, /\.\d{6}Z$/, 'renewTime is a MicroTime with six fractional digits');
  t.match(lease.spec.acquireTime, /\.\d{6}Z$/);

  // The annotation, read back by the reconciler's own parser.
  const reports = await eventually(async () => {
    const rs = await Promise.all(
      env.agents.map(async (a) =>
        parseAgentReport((await api(env, 'GET', podPath(a.pod))).metadata.annotations?.[Annotations.agentStatus]),
      ),
    );
    return rs.every((r) => r?.term === term && r.leader === first.pod && r.mysqldUp && r.gtid) ? rs : undefined;
  }, 'every pod annotated with its status in the current term');
  reports.forEach((r, i) => {
    t.equal(r!.role, i === first.l ? 'primary' : 'replica', `${env.agents[i]!.pod} reports its role`);
    t.equal(r!.writable, i === first.l);
    t.match(r!.gtid, /\d+-\d+-\d+/, 'its executed GTIDs');
    t.equal(r!.errant, false);
  });

  // /readyz and /metrics.
  await eventually(
    async () => (await Promise.all([0, 1, 2].map((i) => http(env, i, '/readyz')))).every((r) => r.status === 200),
    'all three ready',
  );
  t.match((await http(env, first.l, '/readyz')).text, /writable primary/);
  const metrics = (await http(env, first.l, '/metrics')).text;
  t.match(metrics, new RegExp(`mysqlraft_agent_term ${term}`));
  t.match(metrics, /mysqlraft_agent_role\{role="leader"\} 1/);
  t.match(metrics, /mysqlraft_agent_semisync_acked_transactions \d+/);
  t.match(metrics, /mysqlraft_agent_failover_duration_seconds_bucket/);
  t.match(metrics, /mysqlraft_agent_elections_total/);
  const replicaIdx = [0, 1, 2].find((i) => i !== first.l)!;
  await eventually(
    async () =>
      /mysqlraft_agent_replication_lag_seconds\{source="db-\d"\} \d/.test(
        (await http(env, replicaIdx, '/metrics')).text,
      ),
    'a replica exports its replication lag',
  );
  t.pass('a replica exports its replication lag');

  // A switchover to a pod that is not a member is refused, with an Event, and the annotation removed.
  await requestSwitchover(env, 'db-9');
  const refused = await eventually(async () => {
    const e = await events(env, 'SwitchoverRefused');
    return e.length > 0 ? e : undefined;
  }, 'SwitchoverRefused');
  t.match(refused[0], /db-9 is not a member/);
  await eventually(async () => (await switchoverAnnotation(env)) === undefined, 'the refused request removed');
  t.equal(
    (await eventually(() => settled(env), 'settled after the refusal')).pod,
    first.pod,
    'the primary did not move',
  );

  // A switchover to a named replica.
  const target = env.agents[replicaIdx]!.pod;
  await requestSwitchover(env, target);
  const second = await settledAndLabelled(env, `${target} primary after the switchover`, -1, target);
  t.equal(second.pod, target, 'the named replica is the primary');
  t.equal(await switchoverAnnotation(env), undefined, 'the annotation is removed');
  const switched = await eventually(async () => {
    const e = (await events(env, 'SwitchedOver')).join('\n');
    return e.includes(`handed leadership to ${target}`) ? e : undefined;
  }, 'SwitchedOver');
  t.match(switched, /switchover requested: db-\d/);
  const failedOver = await failedOverInto(env, second.l, first.pod);
  t.match(
    failedOver[0],
    new RegExp(`from=${first.pod} to=${target} reason="leadership handed over by ${first.pod}" duration=\\d+ms`),
  );

  // Fast path: kill -9 of the primary's agent. Its peer port refuses connections; the followers fence
  // its mysqld and campaign at once. The FailedOver Event names that cause.
  env.signal(second.l, 'SIGKILL');
  const third = await settledAndLabelled(env, 'a new primary after kill -9 of the agent', second.l);
  const fast = await failedOverInto(env, third.l, second.pod, second.l);
  t.match(fast[0], /reason="leader db-\d's agent refused connections and its mysqld is read-only"/);
  const afterKill = await answering(env, second.l);
  t.ok(
    afterKill.some((n, i) => i !== second.l && (n?.fastPath ?? 0) > 0),
    'a follower took the fast path',
  );
  env.launch(second.l);
  await settledAndLabelled(env, 'the killed agent rejoined as a replica');

  // A merely stopped leader (SIGSTOP: its socket still accepts connections) gets no early election.
  const before = (await answering(env)).map((n) => n?.fastPath ?? 0);
  env.signal(third.l, 'SIGSTOP');
  const fourth = await settledAndLabelled(env, 'a new primary after SIGSTOP of the agent', third.l);
  const slow = await failedOverInto(env, fourth.l, third.pod, third.l);
  t.match(slow[0], /reason="election timeout: no word from the leader"/);
  const afterStop = (await answering(env, third.l)).map((n) => n?.fastPath ?? 0);
  afterStop.forEach((n, i) => {
    if (i !== third.l) t.equal(n, before[i], `${env.agents[i]!.pod} did not campaign early on a stopped leader`);
  });
  env.signal(third.l, 'SIGCONT');
  await settledAndLabelled(env, 'the stopped agent, continued, rejoined as a replica');
  t.equal((await labels(env)).filter((l) => l === 'primary').length, 1, 'one pod labelled primary');

  // An unhealthy target (its mysqld killed) is refused and the request removed; `any` then picks a
  // healthy, caught-up replica.
  const now = await settledAndLabelled(env, 'settled before the last switchovers');
  const sick = [0, 1, 2].find((i) => i !== now.l)!;
  await env.harness!.kill9(env.harness!.instances[sick]!);
  await requestSwitchover(env, env.agents[sick]!.pod);
  await eventually(
    async () =>
      (await events(env, 'SwitchoverRefused')).some((m) => m.includes(`${env.agents[sick]!.pod} does not answer`)),
    'SwitchoverRefused for a target whose mysqld is down',
  );
  await eventually(async () => (await switchoverAnnotation(env)) === undefined, 'the refused request removed');
  await env.harness!.restart(env.harness!.instances[sick]!);
  await settledAndLabelled(env, 'the restarted mysqld replicating again', -1, now.pod);
  await requestSwitchover(env, 'any');
  const last = await eventually(
    async () => {
      const s = await settled(env);
      return s && s.pod !== now.pod ? s : undefined;
    },
    'a switchover to any healthy replica',
    300_000,
  );
  t.not(last.pod, now.pod, `any: ${last.pod} took over from ${now.pod}`);
  t.equal(await switchoverAnnotation(env), undefined, 'the annotation is removed');
  // For the reader (not asserted: durations on a shared machine are bench material).
  for (const m of await events(env, 'FailedOver')) t.comment(`FailedOver ${m}`);
});
