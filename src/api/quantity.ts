// Kubernetes resource quantities ("10Gi", "500m", "1.5", "1e3") held as exact fractions in bigint, so
// "storage never shrinks" compares 1024Mi and 1Gi as equal without float rounding.
// Grammar: k8s.io/apimachinery/pkg/api/resource (signed decimal number, then a binary-SI, decimal-SI or
// decimal exponent suffix).

/** Thrown for text that is not a Kubernetes quantity; the message shows the input and the allowed suffixes. */
export class QuantityError extends Error {
  constructor(readonly input: string) {
    super(
      `invalid quantity "${input}": use a number with an optional suffix, e.g. 10Gi, 500m, 1.5, 1e3 (suffixes Ki Mi Gi Ti Pi Ei n u m k M G T P E)`,
    );
    this.name = 'QuantityError';
  }
}

/** An exact rational value: num / den, den > 0. */
export interface Quantity {
  num: bigint;
  den: bigint;
}

const FORM = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const BINARY: Record<string, bigint> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/**
 * The exact value of a quantity such as "10Gi", "500m" or 1.5. Throws QuantityError for anything else (including inputs
 * over 64 characters and exponents beyond +-100).
 */
export function parseQuantity(input: string | number): Quantity {
  const text = typeof input === 'number' ? String(input) : input;
  const m = FORM.exec(text);
  if (!m || text.length > 64) throw new QuantityError(text);
  const [, sign = '', digits = '', suffix = ''] = m;
  const [whole = '', frac = ''] = digits.split('.');
  const num = BigInt((whole || '0') + frac) * (sign === '-' ? -1n : 1n) * (BINARY[suffix] ?? 1n);
  const den = 10n ** BigInt(frac.length);
  const exp = decimalExponent(suffix);
  if (Math.abs(exp) > 100) throw new QuantityError(text);
  if (exp > 0) return { num: num * 10n ** BigInt(exp), den };
  if (exp < 0) return { num, den: den * 10n ** BigInt(-exp) };
  return { num, den };
}

/** The power of ten a suffix stands for: 0 for none and for binary-SI suffixes. */
function decimalExponent(suffix: string): number {
  if (suffix === '' || suffix in BINARY) return 0;
  return DECIMAL[suffix] ?? Number(suffix.slice(1));
}

/** Whether `input` is a string or number parseQuantity accepts; never throws. */
export function isQuantity(input: unknown): boolean {
  if (typeof input !== 'string' && typeof input !== 'number') return false;
  try {
    parseQuantity(input);
    return true;
  } catch {
    return false;
  }
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

/** Whether the quantity is greater than zero. */
export function isPositive(q: Quantity): boolean {
  return q.num > 0n;
}
