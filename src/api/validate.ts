// validate(obj, old?): every shape and rule violation of a v1 MysqlCluster, plus warnings. Pure: the
// webhook, the embedded API server and the tests all call this one function.
import { RULES, type Json } from './rules.ts';
import { structuralViolations } from './structural.ts';
import { ratchet } from './ratchet.ts';
import type { ValidationResult } from './violations.ts';

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every violation of a v1 MysqlCluster (schema shape, then the rules; update rules when `old` is given), one per field
 * and message, plus warnings. Pure, and never throws on ill-typed input.
 */
export function validate(obj: unknown, old?: unknown): ValidationResult {
  const out: ValidationResult = { violations: structuralViolations(obj, 'v1'), warnings: [] };
  if (!isRecord(obj)) return out;
  const spec = isRecord(obj['spec']) ? obj['spec'] : {};
  const input = isRecord(old)
    ? { obj, spec, old: { obj: old, spec: isRecord(old['spec']) ? old['spec'] : {} } }
    : { obj, spec };
  for (const rule of RULES) rule(input, out);
  // One entry per field: a shape error and a rule error on the same field say the same thing twice.
  const seen = new Set<string>();
  out.violations = out.violations.filter(
    (v) => !seen.has(v.field + '\0' + v.allowed) && (seen.add(v.field + '\0' + v.allowed), true),
  );
  return out;
}

/**
 * validate() for a write: on UPDATE (old given) violations on fields the update did not touch, which the
 * old object already had, are forgiven (ratcheting; see ratchet.ts). On CREATE it is validate().
 */
export function validateUpdate(obj: unknown, old?: unknown): ValidationResult {
  const r = validate(obj, old);
  if (old === undefined || r.violations.length === 0) return r;
  return { ...r, violations: ratchet(r.violations, validate(old).violations, obj, old) };
}
