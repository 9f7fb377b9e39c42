// Results of the proposal-like calls: a union the compiler makes callers inspect.
import type { NodeId } from './types.ts';

export type RefusalReason = 'not-leader' | 'transferring' | 'conf-change-refused' | 'transfer-refused' | 'invalid';

export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly reason: RefusalReason; readonly detail: string; readonly leader: NodeId | null };

export type StepResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };
