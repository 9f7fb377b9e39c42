// What a failed check says: the field path, the bad value and what is allowed, in the shape of
// Kubernetes field errors so that kubectl users recognise it.

/** One failed check: the field path, the bad value, and what is allowed there. */
export interface Violation {
  field: string;
  value: unknown;
  allowed: string;
}

/** What validation found: violations make an object invalid; warnings are shown but accepted. */
export interface ValidationResult {
  violations: Violation[];
  warnings: string[];
}

const MAX_VALUE_CHARS = 80;
const SECRET_LIKE = /pass|secret|token|key/i;

/** The bad value as the message shows it: JSON, shortened, and hidden when the field looks secret. */
export function showValue(field: string, value: unknown): string {
  if (SECRET_LIKE.test(field.split('.').pop() ?? '')) return '"[redacted]"';
  let text: string;
  try {
    text = value === undefined ? 'null' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}...` : text;
}

/**
 * One violation as a Kubernetes field error: `field: Invalid value: <value>: <allowed>` (secret-looking values hidden).
 */
export function formatViolation(v: Violation): string {
  return `${v.field}: Invalid value: ${showValue(v.field, v.value)}: ${v.allowed}`;
}

/** One message listing every violation, as the denial kubectl prints. */
export function formatViolations(name: string, violations: readonly Violation[]): string {
  const who = name ? `MysqlCluster "${name}"` : 'MysqlCluster';
  const n = violations.length;
  return `${who} is invalid: ${n} violation${n === 1 ? '' : 's'}: [${violations.map(formatViolation).join('; ')}]`;
}
