// metav1.Condition handling as apimachinery's meta.SetStatusCondition does it: keyed by type,
// lastTransitionTime moves only when status changes, so watchers can tell a flap from a re-statement.
import { microTime } from './microtime.ts';

/** A condition's status, as metav1.ConditionStatus spells it. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** A status condition in the shape of metav1.Condition. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** What a caller sets; setCondition supplies lastTransitionTime. */
export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

const REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

/** Returns a new list with `input` set; the list is never mutated. */
export function setCondition(list: readonly Condition[] | undefined, input: ConditionInput, now: Date): Condition[] {
  if (!REASON.test(input.reason)) {
    throw new Error(
      `condition ${input.type}: reason "${input.reason}" must be CamelCase letters, digits, '_', ',' or ':'`,
    );
  }
  const current = (list ?? []).find((c) => c.type === input.type);
  const lastTransitionTime = current && current.status === input.status ? current.lastTransitionTime : rfc3339(now);
  const next: Condition = { ...input, lastTransitionTime };
  const rest = (list ?? []).filter((c) => c.type !== input.type);
  return current ? (list ?? []).map((c) => (c.type === input.type ? next : c)) : [...rest, next];
}

/** The condition of this type in the list, or undefined. */
export function findCondition(list: readonly Condition[] | undefined, type: string): Condition | undefined {
  return (list ?? []).find((c) => c.type === type);
}

/** Whether the list has a condition of this type with status 'True'; false when it is missing. */
export function isConditionTrue(list: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(list, type)?.status === 'True';
}

/** metav1.Time: RFC 3339 in UTC with whole seconds. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** metav1.MicroTime: RFC 3339 with microseconds, as Lease renewTime is written by client-go. */
export function rfc3339Micro(d: Date): string {
  return microTime(d).toISOString();
}
