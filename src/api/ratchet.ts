// Ratcheting on UPDATE: a violation is not held against a change that did not touch its field. An
// object stored before the webhook existed (or before a rule tightened) can still be labelled,
// annotated, scaled or otherwise edited; only a field the update changes (or a violation the old object
// did not have) is refused. Rules that compare with the old object (storage shrink, immutable fields)
// never produce a violation on the old object alone, so they are never ratcheted away.
import type { Violation } from './violations.ts';

/** The value at a violation's field path (`spec.tolerations[0].key`), or undefined. */
export function valueAtField(root: unknown, field: string): unknown {
  let cur: unknown = root;
  for (const part of field.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    const keys: (string | number)[] = [m[1]!, ...[...m[2]!.matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]))];
    for (const k of keys) {
      if (k === '') continue;
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string | number, unknown>)[k];
    }
  }
  return cur;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The violations of the new object that an update may not keep: those whose field changed, or that
 * the old object (validated alone) did not have.
 */
export function ratchet(
  violations: readonly Violation[],
  oldViolations: readonly Violation[],
  obj: unknown,
  old: unknown,
): Violation[] {
  const before = new Set(oldViolations.map((v) => `${v.field}\0${v.allowed}`));
  return violations.filter(
    (v) =>
      !(before.has(`${v.field}\0${v.allowed}`) && sameJson(valueAtField(obj, v.field), valueAtField(old, v.field))),
  );
}
