// Go-style duration strings ("300ms", "3s", "1m30s"), the spelling the seed README and every Kubernetes
// user already knows. Parsed to milliseconds (a float, so "1500us" survives) for the rules.

/** Thrown for text that is not a Go-style duration; the message shows the input and the allowed units. */
export class DurationError extends Error {
  constructor(readonly input: string) {
    super(`invalid duration "${input}": use a number with a unit, e.g. 300ms, 3s, 1m30s (units ns, us, ms, s, m, h)`);
    this.name = 'DurationError';
  }
}

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const WHOLE = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g;

/** Milliseconds in a non-negative Go-style duration; "0" alone is accepted as Go does. */
export function parseDuration(input: string): number {
  if (input === '0') return 0;
  if (!WHOLE.test(input)) throw new DurationError(input);
  // Whole nanoseconds in bigint, as Go does, so "16.106s" is exactly 16106ms (floats would say 16106.000000000002).
  let ns = 0n;
  for (const m of input.matchAll(PART)) {
    const unit = UNIT_NS[m[2] ?? ''] ?? 0n;
    const [whole = '', frac = ''] = (m[1] ?? '').split('.');
    ns += BigInt(whole || '0') * unit + (BigInt(frac || '0') * unit) / 10n ** BigInt(frac.length);
  }
  if (input.length > 64) throw new DurationError(input);
  return Number(ns) / 1e6;
}

/** Whether `input` is a string parseDuration accepts; never throws. */
export function isDuration(input: unknown): input is string {
  if (typeof input !== 'string') return false;
  try {
    parseDuration(input);
    return true;
  } catch {
    return false;
  }
}

/** Shortest whole-unit spelling of a whole number of milliseconds: 3000 -> "3s", 1500 -> "1500ms". */
export function formatMillis(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0)
    throw new RangeError(`formatMillis: ${ms} is not a non-negative whole number of milliseconds`);
  if (ms === 0) return '0s';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
