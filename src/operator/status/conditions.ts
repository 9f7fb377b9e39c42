// Ready / Available / Progressing / Degraded and phase, decided from a few facts about the cluster by
// small pure predicates (the Argo CD health check in kustomize/components/argocd reads the same four).
import type { Condition } from '../../api/types.ts';
import type { ConditionInput } from '../../kube/conditions.ts';
import type { Problem } from './inputs.ts';

/** The facts the conditions are decided from. */
export interface Facts {
  replicas: number;
  existing: number;
  ready: number;
  master: string;
  masterReady: boolean;
  errant: string[];
  unhealthy: string[];
  statefulSetExists: boolean;
  outdated: number;
  deleting: number;
  paused: boolean;
  problems: Problem[];
  /** Never Ready yet: not-ready pods mean progress, not damage. */
  bootstrapping: boolean;
}

/** status.phase values (the CRD's description lists the same). */
export type Phase = 'Pending' | 'Bootstrapping' | 'Running' | 'Failover' | 'Degraded' | 'Failed';
type Decided = Omit<ConditionInput, 'type' | 'observedGeneration'>;

const BOOTSTRAP_REASONS = new Set(['Creating', 'CreatingPods', 'Bootstrapping']);

/** Whether the cluster has yet to be Ready for the first time, judging by its previous conditions:
 * until then not-ready members are progress, not damage. */
export function wasBootstrapping(previous: readonly Condition[] | undefined): boolean {
  if (!previous?.length) return true;
  if (previous.find((c) => c.type === 'Ready')?.status === 'True') return false;
  const p = previous.find((c) => c.type === 'Progressing');
  return p ? BOOTSTRAP_REASONS.has(p.reason) : true;
}

/** Available: a primary exists and is ready to take writes. */
export function available(f: Facts): Decided {
  if (f.master && f.masterReady)
    return { status: 'True', reason: 'PrimaryAvailable', message: `primary ${f.master} accepts writes` };
  if (f.bootstrapping)
    return { status: 'False', reason: 'Bootstrapping', message: 'waiting for the first primary to be elected' };
  if (f.master) return { status: 'False', reason: 'PrimaryNotReady', message: `primary ${f.master} is not ready` };
  return { status: 'False', reason: 'NoPrimary', message: 'no writable primary: an election is due or under way' };
}

/** Ready: every member ready, a primary available, nothing wrong. */
export function ready(f: Facts): Decided {
  const counts = `${f.ready}/${f.replicas} members ready`;
  const p = f.problems[0];
  if (p) return { status: 'False', reason: p.reason, message: p.message };
  if (!f.statefulSetExists) return { status: 'False', reason: 'Creating', message: 'creating the cluster objects' };
  if (!(f.master && f.masterReady))
    return { status: 'False', reason: 'NoPrimary', message: `no writable primary; ${counts}` };
  if (f.errant.length)
    return { status: 'False', reason: 'ErrantReplica', message: `errant transactions on ${f.errant.join(', ')}` };
  if (f.ready < f.replicas) return { status: 'False', reason: 'MembersNotReady', message: counts };
  return { status: 'True', reason: 'AllMembersReady', message: `${counts}; primary ${f.master}` };
}

/** Progressing: the operator (or the cluster) is moving towards the spec. */
export function progressing(f: Facts): Decided {
  if (f.paused)
    return {
      status: 'False',
      reason: 'Paused',
      message: 'spec.paused is true: the operator changes nothing; the agents keep failing over',
    };
  if (!f.statefulSetExists) return { status: 'True', reason: 'Creating', message: 'creating the cluster objects' };
  if (f.outdated > 0 || f.deleting > 0)
    return {
      status: 'True',
      reason: 'RollingUpdate',
      message: `${f.outdated} pods run an older template, ${f.deleting} terminating`,
    };
  if (f.existing < f.replicas)
    return { status: 'True', reason: 'CreatingPods', message: `${f.existing}/${f.replicas} pods exist` };
  if (f.bootstrapping && f.ready < f.replicas)
    return { status: 'True', reason: 'Bootstrapping', message: `${f.ready}/${f.replicas} members ready` };
  return { status: 'False', reason: 'Stable', message: 'the cluster matches its spec' };
}

/** Degraded: something is wrong that will not fix itself by waiting. */
export function degraded(f: Facts): Decided {
  const p = f.problems[0];
  if (p) return { status: 'True', reason: p.reason, message: p.message };
  if (f.errant.length)
    return {
      status: 'True',
      reason: 'ErrantReplica',
      message: `not re-attached (errant transactions): ${f.errant.join(', ')}`,
    };
  if (!f.bootstrapping && !(f.master && f.masterReady))
    return { status: 'True', reason: 'NoPrimary', message: 'no writable primary' };
  if (!f.bootstrapping && f.unhealthy.length && f.deleting === 0 && f.outdated === 0)
    return { status: 'True', reason: 'MembersUnhealthy', message: `unhealthy: ${f.unhealthy.join(', ')}` };
  return { status: 'False', reason: 'AsExpected', message: 'no problem seen' };
}

/** The one-word summary `kubectl get -o wide` prints. */
export function phase(f: Facts): Phase {
  if (f.problems.some((p) => p.fatal)) return 'Failed';
  if (f.existing === 0) return 'Pending';
  const isAvailable = Boolean(f.master && f.masterReady);
  if (!isAvailable) return f.bootstrapping ? 'Bootstrapping' : 'Failover';
  if (degraded(f).status === 'True') return 'Degraded';
  return f.bootstrapping && f.ready < f.replicas ? 'Bootstrapping' : 'Running';
}
