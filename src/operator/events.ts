// The Events a MysqlCluster shows in `kubectl describe`, as one typed catalogue (moco's pkg/event in
// TypeScript): the operator's own, and the agents' (docs/agent.md), so every reason has one spelling.
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { recordEvent, type EventType } from '../kube/objects.ts';
import { FIELD_MANAGER } from '../api/names.ts';
import type { Logger } from '../util/log.ts';

/** Every event reason, with its type and what it means. */
export const EVENTS = {
  // The reconciler's.
  Created: { type: 'Normal', means: 'an object the cluster needs was created' },
  Updated: { type: 'Normal', means: 'an object drifted from the spec (edited or outdated) and was restored' },
  Deleted: { type: 'Normal', means: 'an object no longer needed (an old my.cnf ConfigMap) was deleted' },
  RollingPod: {
    type: 'Normal',
    means: 'an outdated pod was deleted so the StatefulSet re-creates it from the current template',
  },
  Paused: { type: 'Normal', means: 'spec.paused became true: the operator changes nothing until it is false' },
  Resumed: { type: 'Normal', means: 'spec.paused became false: reconciling again' },
  ConfigIgnored: { type: 'Warning', means: 'spec.mysql.config keys the operator owns were left out of my.cnf' },
  CredentialsSecretMissing: {
    type: 'Warning',
    means: 'spec.mysql.secretName names a Secret that is absent or lacks a key; no pods until it exists',
  },
  InvalidSpec: { type: 'Warning', means: 'the stored object lacks what the operator needs (no webhook ran?)' },
  ReconcileFailed: { type: 'Warning', means: 'a reconcile failed; it is retried with backoff' },
  StorageResized: {
    type: 'Normal',
    means: "spec.storage.size grew: a claim's request was raised (the volume expands if its class allows it)",
  },
  StorageResizeFailed: {
    type: 'Warning',
    means: "a claim's request could not be raised (its storage class does not allow expansion?)",
  },
  // The agents' (published by the Raft leader or the pod concerned).
  Elected: { type: 'Normal', means: 'a pod won a Raft election' },
  FailedOver: { type: 'Warning', means: 'the primary changed because the old one failed' },
  SwitchedOver: { type: 'Normal', means: 'the primary changed on request (switchover annotation, drain)' },
  Fenced: { type: 'Warning', means: 'an old primary was made read-only and its connections killed' },
  ErrantDetected: { type: 'Warning', means: 'a pod holds transactions the primary lacks; it is not re-attached' },
  SwitchoverRefused: { type: 'Warning', means: 'a switchover request could not be honoured (target not caught up...)' },
} as const satisfies Record<string, { type: EventType; means: string }>;

/** Every reason in the catalogue. */
export type EventReason = keyof typeof EVENTS;
/** The reasons the operator itself emits. */
export type OperatorEventReason = Extract<
  EventReason,
  | 'Created'
  | 'Updated'
  | 'Deleted'
  | 'RollingPod'
  | 'Paused'
  | 'Resumed'
  | 'ConfigIgnored'
  | 'CredentialsSecretMissing'
  | 'InvalidSpec'
  | 'ReconcileFailed'
  | 'StorageResized'
  | 'StorageResizeFailed'
>;

/** What an event is about: any object with a kind and a name (the MysqlCluster, in practice). */
export interface EventSubject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

/** Records typed events; a failure to record is logged, never thrown (events are best effort). */
export class EventRecorder {
  constructor(
    private readonly kc: KubeConfig,
    private readonly log: Logger,
  ) {}

  async emit(obj: EventSubject, reason: OperatorEventReason, message: string): Promise<void> {
    try {
      await recordEvent(this.kc, obj as KubernetesObject, {
        type: EVENTS[reason].type,
        reason,
        message,
        component: FIELD_MANAGER,
      });
    } catch (err) {
      this.log.debug({ err: String(err), reason }, 'event not recorded');
    }
  }
}
