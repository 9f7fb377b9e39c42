// Results of the proposal-like calls: a union the compiler makes callers inspect.
import type { NodeId } from './types.ts';

/** Why a proposal-like call was refused. */
export type RefusalReason = 'not-leader' | 'transferring' | 'conf-change-refused' | 'transfer-refused' | 'invalid';

/** A proposal's log index and term, or a refusal with its reason and the known leader (null when unknown). */
export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly reason: RefusalReason; readonly detail: string; readonly leader: NodeId | null };

/** Whether step() took a message, or why it dropped it. */
export type StepResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };
