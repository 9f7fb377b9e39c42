// metav1.MicroTime as kube-apiserver decodes it: Go's time.Parse with the layout RFC3339Micro
// ("2006-01-02T15:04:05.000000Z07:00"), which wants EXACTLY six fractional digits. A Lease written with
// JavaScript's three (`...27.605Z`) is refused by a real server; this reproduces that refusal and Go's
// ParseError wording (`parsing time "..." as "...": cannot parse ".605Z" as ".000000"`).

/** Go's layout name for RFC 3339 with microseconds, as Go's ParseError quotes it. */
export const RFC3339_MICRO = '2006-01-02T15:04:05.000000Z07:00';

interface Element {
  /** Literal text the layout expects before the element. */
  prefix: string;
  /** The layout element as Go prints it in errors. */
  layout: string;
  /** Consumes the element from the start of value: [rest, rangeName?] or undefined when malformed. */
  take(value: string): [string, string?] | undefined;
}

const isDigit = (s: string, i: number): boolean => i < s.length && s[i]! >= '0' && s[i]! <= '9';

/** getnum: one or two digits (two when fixed), with a range check. */
function num(fixed: boolean, max: number, min: number, name: string): Element['take'] {
  return (v) => {
    if (!isDigit(v, 0)) return undefined;
    const two = isDigit(v, 1);
    if (!two && fixed) return undefined;
    const n = Number(v.slice(0, two ? 2 : 1));
    return [v.slice(two ? 2 : 1), n < min || n > max ? name : undefined];
  };
}

const ELEMENTS: Element[] = [
  { prefix: '', layout: '2006', take: (v) => (v.length >= 4 && /^\d{4}/.test(v) ? [v.slice(4)] : undefined) },
  { prefix: '-', layout: '01', take: num(true, 12, 1, 'month') },
  { prefix: '-', layout: '02', take: num(true, 31, 1, 'day') },
  { prefix: 'T', layout: '15', take: num(false, 23, 0, 'hour') },
  { prefix: ':', layout: '04', take: num(true, 59, 0, 'minute') },
  { prefix: ':', layout: '05', take: num(true, 59, 0, 'second') },
  {
    prefix: '',
    layout: '.000000',
    take: (v) =>
      v.length >= 7 && (v[0] === '.' || v[0] === ',') && /^\d{6}$/.test(v.slice(1, 7)) ? [v.slice(7)] : undefined,
  },
  {
    prefix: '',
    layout: 'Z07:00',
    take: (v) => {
      if (v.startsWith('Z')) return [v.slice(1)];
      return /^[+-]\d\d:\d\d/.test(v) ? [v.slice(6)] : undefined;
    },
  },
];

const quote = (s: string): string => JSON.stringify(s);

function daysIn(month: number, year: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Go's `time.Parse(RFC3339Micro, s)` verdict: undefined when it parses, else the ParseError text the
 * real server puts in its 400 (`parsing time "x" as "2006-...": cannot parse "x" as "2006"`).
 */
export function microTimeParseError(s: string): string | undefined {
  const head = `parsing time ${quote(s)}`;
  const cannot = (value: string, elem: string): string =>
    `${head} as ${quote(RFC3339_MICRO)}: cannot parse ${quote(value)} as ${quote(elem)}`;
  let v = s;
  for (const e of ELEMENTS) {
    if (!v.startsWith(e.prefix)) {
      let i = 0;
      while (i < e.prefix.length && v[i] === e.prefix[i]) i++;
      return cannot(v.slice(i), e.prefix);
    }
    v = v.slice(e.prefix.length);
    const r = e.take(v);
    if (!r) return cannot(v, e.layout);
    if (r[1] && r[1] !== 'day') return `${head}: ${r[1]} out of range`;
    v = r[0];
  }
  if (v.length > 0) return `${head}: extra text: ${quote(v)}`;
  const [year, month, day] = [Number(s.slice(0, 4)), Number(s.slice(5, 7)), Number(s.slice(8, 10))];
  if (day < 1 || day > daysIn(month, year)) return `${head}: day out of range`;
  return undefined;
}

/** A MicroTime that parses, re-printed as the server prints it (MarshalJSON: UTC, six digits). */
export function normalizeMicroTime(s: string): string {
  const m = /^(.*?)([.,]\d{6})(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return s;
  const seconds = Date.parse(`${m[1]!}${m[3]!}`);
  if (Number.isNaN(seconds)) return s;
  return `${new Date(seconds).toISOString().slice(0, 19)}.${m[2]!.slice(1)}Z`;
}
