// Conversion must be lossless both ways, status included (docs/api.md#conversion).
import t from 'tap';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { convertObject, ConversionError, TIMEOUT_ANNOTATION, v1ToV2, v2ToV1 } from '../../src/api/convert.ts';
import { structuralViolations } from '../../src/api/structural.ts';
import { validate } from '../../src/api/validate.ts';
import { clusterV1, clusterV2 } from './arbitraries.ts';
import { seedCluster, withField } from './fixtures.ts';

const seed = process.env['SEED'] ? Number(process.env['SEED']) : Date.now() % 2 ** 31;
const numRuns = Number(process.env['NUM_RUNS'] ?? 3000);
t.comment(`fast-check seed ${seed} (replay: SEED=${seed})`);

t.test('v1 -> v2alpha1 -> v1 is the identity on valid objects', async (t) => {
  fc.assert(
    fc.property(clusterV1, (c) => {
      const v2 = v1ToV2(structuredClone(c));
      return (
        validate(c).violations.length === 0 &&
        structuralViolations(v2, 'v2alpha1').length === 0 &&
        isDeepStrictEqual(v2ToV1(v2), c)
      );
    }),
    { seed, numRuns },
  );
  t.pass(`${numRuns} objects round-tripped`);
});

t.test('v2alpha1 -> v1 -> v2alpha1 is the identity on valid objects', async (t) => {
  fc.assert(
    fc.property(clusterV2, (c) => {
      const v1 = v2ToV1(structuredClone(c));
      return (
        structuralViolations(c, 'v2alpha1').length === 0 &&
        validate(v1).violations.length === 0 &&
        isDeepStrictEqual(v1ToV2(v1), c)
      );
    }),
    { seed, numRuns },
  );
  t.pass(`${numRuns} objects round-tripped`);
});

t.test('the words and the timeout move as documented', async (t) => {
  const v1 = withField(
    'spec.semiSync',
    { waitForSlaveCount: 1, timeout: 1500 },
    withField('status', { master: 'p-0', slaves: ['p-1'] }, seedCluster()),
  );
  const v2 = v1ToV2(v1);
  t.same(v2.spec.primaryService, 'mysql-master');
  t.same(v2.spec.replicaService, 'mysql-slave');
  t.same(v2.spec.semiSync, { waitForReplicaCount: 1, timeout: '1500ms' });
  t.same(v2.status, { primary: 'p-0', replicaPods: ['p-1'] });
  t.notOk('masterService' in v2.spec);
  const odd = structuredClone(v2);
  odd.spec.semiSync = { timeout: '1.5s' };
  const back = v2ToV1(odd);
  t.equal(back.spec.semiSync?.timeout, 1500);
  t.equal(back.metadata.annotations?.[TIMEOUT_ANNOTATION], '1.5s', 'the spelling v1 cannot hold is kept');
  t.equal(v1ToV2(back).spec.semiSync?.timeout, '1.5s');
});

t.test('convertObject refuses what it cannot convert, by name', async (t) => {
  t.throws(() => convertObject({ kind: 'Pod', apiVersion: 'v1' }, 'apps.ryansu.com/v1'), ConversionError);
  t.throws(
    () => convertObject({ ...seedCluster(), apiVersion: 'apps.ryansu.com/v3' }, 'apps.ryansu.com/v1'),
    /apps.ryansu.com\/v3.*not served/,
  );
  t.throws(() => convertObject(seedCluster(), 'apps.ryansu.com/v9'), /desiredAPIVersion "apps.ryansu.com\/v9"/);
  t.throws(
    () =>
      convertObject(v1ToV2(withField('spec.semiSync.timeout', 5)), 'apps.ryansu.com/v1') &&
      convertObject(
        { ...v1ToV2(seedCluster()), spec: { ...v1ToV2(seedCluster()).spec, semiSync: { timeout: 'soon' } } },
        'apps.ryansu.com/v1',
      ),
    /spec.semiSync.timeout/,
  );
  t.same(convertObject(seedCluster(), 'apps.ryansu.com/v1'), seedCluster(), 'same version is the identity');
});
