import t from 'tap';
import { DurationError, formatMillis, parseDuration } from '../../src/api/duration.ts';
import { compareQuantities, parseQuantity, QuantityError } from '../../src/api/quantity.ts';

t.test('durations parse like Go time.ParseDuration (non-negative)', async (t) => {
  const table: [string, number][] = [
    ['3s', 3000],
    ['300ms', 300],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['1500us', 1.5],
    ['2h', 7_200_000],
    ['0', 0],
    ['.5s', 500],
    ['100ns', 0.0001],
  ];
  for (const [text, ms] of table) t.equal(parseDuration(text), ms, text);
  for (const bad of ['', '3', 's', '-1s', '3 s', '3sec', '1d', 'ms', '1.2.3s'])
    t.throws(() => parseDuration(bad), DurationError, bad);
  t.match(
    (() => {
      try {
        parseDuration('3sec');
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })(),
    /"3sec".*units ns, us, ms, s, m, h/,
  );
});

t.test('formatMillis writes the shortest whole unit and round-trips', async (t) => {
  t.equal(formatMillis(3000), '3s');
  t.equal(formatMillis(1500), '1500ms');
  t.equal(formatMillis(120_000), '2m');
  t.equal(formatMillis(0), '0s');
  for (const ms of [1, 999, 1000, 59_999, 60_000, 3_600_000, 5_400_000]) t.equal(parseDuration(formatMillis(ms)), ms);
  t.throws(() => formatMillis(1.5));
});

t.test('quantities parse exactly and compare across suffixes', async (t) => {
  const eq = (a: string | number, b: string | number) => compareQuantities(parseQuantity(a), parseQuantity(b));
  t.equal(eq('1Gi', '1024Mi'), 0);
  t.equal(eq('1G', '1000M'), 0);
  t.equal(eq('500m', '0.5'), 0);
  t.equal(eq('1e3', '1k'), 0);
  t.equal(eq('1000m', 1), 0);
  t.equal(eq('10Gi', '10G'), 1);
  t.equal(eq('9Gi', '10Gi'), -1);
  t.equal(eq('1.5Gi', '1536Mi'), 0);
  t.equal(eq('-1', '0'), -1);
  for (const bad of ['', 'Gi', '10GB', '10 Gi', '1.2.3', 'ten', '1Gii', '0x10'])
    t.throws(() => parseQuantity(bad), QuantityError, bad);
});
