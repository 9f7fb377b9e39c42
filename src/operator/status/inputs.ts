// What the status fold reads, reduced to plain data: the reconciler turns Pods, Raft ConfigMaps, the
// leader Lease and the StatefulSet into these views, so the fold itself is a pure function of them.
import type { MysqlClusterStatusV1 } from '../../api/types.ts';
import type { AgentReport } from './agent-report.ts';

/** One MySQL pod as the fold needs it. */
export interface PodView {
  name: string;
  ordinal: number;
  /** The role label: `primary`, `replica`, or undefined. */
  roleLabel: string | undefined;
  report: AgentReport | undefined;
  /** Pod condition Ready is True. */
  ready: boolean;
  running: boolean;
  deleting: boolean;
  /** The pod's controller-revision-hash label. */
  revision: string | undefined;
}

/** A Raft node's durable hard state, from ConfigMap `<cluster>-raft-<ordinal>`. */
export interface RaftStateView {
  ordinal: number;
  term: number;
  vote: string;
  commit: number;
}

/** Lease `<cluster>-leader`. */
export interface LeaseView {
  holder: string;
  term: number;
  renewTime: Date | undefined;
  durationSeconds: number;
}

/** The StatefulSet's revisions, when it exists. */
export interface StatefulSetView {
  updateRevision: string | undefined;
}

/** A reason the reconciler could not do its job; shown as Degraded (and phase Failed when fatal). */
export interface Problem {
  reason: string;
  message: string;
  fatal: boolean;
}

/** Everything the fold reads. */
export interface FoldInput {
  name: string;
  generation: number;
  replicas: number;
  paused: boolean;
  previous: MysqlClusterStatusV1 | undefined;
  pods: PodView[];
  raftStates: RaftStateView[];
  lease: LeaseView | undefined;
  statefulSet: StatefulSetView | undefined;
  problems: Problem[];
  selector: string;
  now: Date;
}
