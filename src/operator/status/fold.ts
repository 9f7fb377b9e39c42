// The status fold: a pure function from what the cluster's agents, Pods, Raft ConfigMaps and Lease say
// to the MysqlCluster's status. Equal inputs give an equal status (lastTransitionTime moves only when a
// condition's status changes), so a reconcile that learns nothing new writes nothing.
import type { MysqlClusterStatusV1, LastFailover } from '../../api/types.ts';
import { setCondition, type Condition } from '../../kube/conditions.ts';
import type { FoldInput } from './inputs.ts';
import { currentLeader, currentMaster, currentTerm } from './leader.ts';
import { isHealthy, raftNodes } from './nodes.ts';
import { available, degraded, phase, progressing, ready, wasBootstrapping, type Facts } from './conditions.ts';

function baseFacts(input: FoldInput, master: string): Facts {
  const live = input.pods.filter((p) => !p.deleting);
  const masterPod = input.pods.find((p) => p.name === master);
  const rev = input.statefulSet?.updateRevision;
  const members = input.pods.filter((p) => p.ordinal < input.replicas);
  return {
    replicas: input.replicas,
    existing: live.length,
    ready: live.filter((p) => p.ready).length,
    master,
    masterReady: Boolean(masterPod?.ready && !masterPod.deleting),
    errant: input.pods.filter((p) => p.report?.errant).map((p) => p.name),
    unhealthy: members.filter((p) => !isHealthy(p)).map((p) => p.name),
    statefulSetExists: input.statefulSet !== undefined,
    outdated: rev ? live.filter((p) => p.revision && p.revision !== rev).length : 0,
    deleting: input.pods.length - live.length,
    paused: input.paused,
    problems: input.problems,
    bootstrapping: false,
  };
}

function facts(input: FoldInput, master: string): Facts {
  const f = baseFacts(input, master);
  const settled = f.master && f.masterReady && f.ready >= f.replicas;
  return { ...f, bootstrapping: wasBootstrapping(input.previous?.conditions) && !settled };
}

/** The newest failover any agent reported, or the one already in status. */
function lastFailover(input: FoldInput): LastFailover | undefined {
  const seen: LastFailover[] = input.pods.flatMap((p) => (p.report?.lastFailover ? [p.report.lastFailover] : []));
  if (input.previous?.lastFailover) seen.push(input.previous.lastFailover);
  const at = (f: LastFailover) => Date.parse(f.at ?? '') || 0;
  return seen.sort((a, b) => at(b) - at(a))[0];
}

function conditions(input: FoldInput, f: Facts): Condition[] {
  let list = (input.previous?.conditions ?? []) as Condition[];
  const decided = { Ready: ready(f), Available: available(f), Progressing: progressing(f), Degraded: degraded(f) };
  for (const [type, d] of Object.entries(decided))
    list = setCondition(list, { type, observedGeneration: input.generation, ...d }, input.now);
  const order = ['Ready', 'Available', 'Progressing', 'Degraded'];
  return [...list].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
}

/** The status the cluster should show now. */
export function foldStatus(input: FoldInput): MysqlClusterStatusV1 {
  const leader = currentLeader(input);
  const master = currentMaster(input.pods, leader);
  const f = facts(input, master);
  const failover = lastFailover(input);
  const elections = Math.max(input.previous?.electionCount ?? 0, ...input.pods.map((p) => p.report?.elections ?? 0));
  const slaves = input.pods
    .filter((p) => p.roleLabel === 'replica' && !p.deleting)
    .sort((a, b) => a.ordinal - b.ordinal)
    .map((p) => p.name);
  return {
    phase: phase(f),
    raftLeader: leader,
    raftTerm: currentTerm(input),
    master,
    slaves,
    raftNodes: raftNodes(input),
    electionCount: elections,
    ...(failover ? { lastFailover: failover } : {}),
    replicas: f.existing,
    readyReplicas: f.ready,
    selector: input.selector,
    conditions: conditions(input, f),
    observedGeneration: input.generation,
  };
}
