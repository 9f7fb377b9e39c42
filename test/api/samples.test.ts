// The samples users copy must pass admission exactly as written, without warnings.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { v2ToV1 } from '../../src/api/convert.ts';
import { structuralViolations } from '../../src/api/structural.ts';
import type { MysqlClusterV2 } from '../../src/api/types.ts';
import { validate } from '../../src/api/validate.ts';
import { seedCluster } from './fixtures.ts';

const dir = join(import.meta.dirname, '..', '..', 'kustomize', 'samples');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

t.ok(files.length >= 3, 'samples exist');
for (const f of files) {
  t.test(f, async (t) => {
    const obj = parse(readFileSync(join(dir, f), 'utf8')) as { apiVersion: string };
    if (obj.apiVersion.endsWith('/v2alpha1')) {
      t.same(structuralViolations(obj, 'v2alpha1'), []);
      t.same(validate(v2ToV1(obj as unknown as MysqlClusterV2)), { violations: [], warnings: [] });
    } else {
      t.same(validate(obj), { violations: [], warnings: [] });
    }
  });
}

t.test('the seed sample is byte-for-byte the seed README manifest shape', async (t) => {
  t.same(parse(readFileSync(join(dir, 'mysql-cluster.yaml'), 'utf8')), seedCluster());
});
