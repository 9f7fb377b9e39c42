// Rolling the pods ourselves (the StatefulSet is OnDelete): one pod at a time, only when every other
// member is up, replicas before the primary, the primary last (its preStop hands leadership to a
// caught-up replica, so the roll costs one switchover, not one per pod). An outdated pod that is not
// ready goes first: it serves nothing, and the new template may be what it needs.
import type { PodView } from './status/inputs.ts';

/** The next pod to delete, or why none is deleted now. */
export type RollDecision =
  { kind: 'delete'; pod: string; why: string } | { kind: 'wait'; why: string } | { kind: 'done' };

/** Decides the next step of a roll to `updateRevision`. Pure. */
export function nextRollStep(
  pods: PodView[],
  updateRevision: string | undefined,
  replicas: number,
  master: string,
): RollDecision {
  if (!updateRevision) return { kind: 'done' };
  const live = pods.filter((p) => !p.deleting);
  const outdated = live.filter((p) => p.revision !== undefined && p.revision !== updateRevision);
  if (outdated.length === 0) return { kind: 'done' };
  if (live.length < pods.length) return { kind: 'wait', why: 'a pod is terminating' };
  if (live.length < replicas) return { kind: 'wait', why: `${live.length}/${replicas} pods exist` };
  const byOrdinalDesc = [...outdated].sort((a, b) => b.ordinal - a.ordinal);
  const unready = byOrdinalDesc.find((p) => !p.ready);
  if (unready) return { kind: 'delete', pod: unready.name, why: 'outdated and not ready' };
  if (live.some((p) => !p.ready)) return { kind: 'wait', why: 'a member is not ready' };
  const replica = byOrdinalDesc.find((p) => p.name !== master);
  if (replica) return { kind: 'delete', pod: replica.name, why: 'outdated replica' };
  return { kind: 'delete', pod: byOrdinalDesc[0]!.name, why: 'outdated primary, last' };
}
