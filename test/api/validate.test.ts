// Table tests of validate(obj, old?): each row one rule, the field it must name and a piece of the
// allowed text. test/webhooks/admission-rules.test.ts sends the same rows through the HTTPS server.
import t from 'tap';
import { validate, validateUpdate } from '../../src/api/validate.ts';
import { ratchet, valueAtField } from '../../src/api/ratchet.ts';
import { applyDefaults } from '../../src/api/defaults.ts';
import { formatViolations } from '../../src/api/violations.ts';
import { seedCluster, withField } from './fixtures.ts';
import { DENIED_CASES, WARNED_CASES, UPDATE_CASES } from './rule-cases.ts';

t.test('the seed manifest is valid as written and after defaulting, without warnings', async (t) => {
  t.same(validate(seedCluster()), { violations: [], warnings: [] });
  t.same(validate(applyDefaults(seedCluster())), { violations: [], warnings: [] });
});

for (const c of DENIED_CASES) {
  t.test(`denied: ${c.name}`, async (t) => {
    const r = validate(c.obj);
    const hit = r.violations.find((v) => v.field === c.field);
    t.ok(hit, `a violation names ${c.field}; got ${JSON.stringify(r.violations)}`);
    t.match(hit?.allowed ?? '', c.allowed);
  });
}

for (const c of WARNED_CASES) {
  t.test(`accepted with a warning: ${c.name}`, async (t) => {
    const r = validate(c.obj);
    t.same(r.violations, [], 'no violation');
    t.ok(
      r.warnings.some((w) => c.warning.test(w)),
      `a warning matches ${c.warning}; got ${JSON.stringify(r.warnings)}`,
    );
    // The API server may truncate admission warnings longer than 256 characters.
    for (const w of r.warnings)
      t.ok(w.length <= 256 && !w.includes('\n'), `short single-line warning (${w.length} chars)`);
  });
}

for (const c of UPDATE_CASES) {
  t.test(`update: ${c.name}`, async (t) => {
    const r = validateUpdate(c.obj, c.old);
    if (c.field) {
      const hit = r.violations.find((v) => v.field === c.field);
      t.ok(hit, `a violation names ${c.field}; got ${JSON.stringify(r.violations)}`);
      t.match(hit?.allowed ?? '', c.allowed ?? /./);
    } else {
      t.same(r.violations, [], 'allowed');
    }
  });
}

t.test('every violation is listed at once, each with field, value and allowed', async (t) => {
  let obj = withField('spec.replicas', 4);
  obj = withField('spec.image', '', obj);
  obj = withField('spec.slaveService', 'mysql-master', obj);
  obj = withField('spec.raft.electionTimeout', '90s', obj);
  const r = validate(obj);
  t.same(r.violations.map((v) => v.field).sort(), [
    'spec.image',
    'spec.raft.electionTimeout',
    'spec.replicas',
    'spec.slaveService',
  ]);
  const msg = formatViolations('mysql-raft-cluster', r.violations);
  t.match(msg, /^MysqlCluster "mysql-raft-cluster" is invalid: 4 violations: \[/);
  t.match(msg, 'spec.replicas: Invalid value: 4: an odd number from 1 to 9');
  t.match(msg, 'spec.raft.electionTimeout: Invalid value: "90s": from 1s to 60s');
});

t.test('a secret-looking my.cnf value is never echoed', async (t) => {
  const r = validate(withField('spec.mysql.config', { 'ssl-key': 'line1\nline2' }));
  t.ok(r.violations.length > 0);
  const msg = formatViolations('x', r.violations);
  t.notMatch(msg, 'line1');
  t.match(msg, '[redacted]');
});

t.test('non-objects are refused, not crashed on', async (t) => {
  for (const bad of [null, 42, 'x', [], { spec: 'nope' }]) {
    const r = validate(bad);
    t.ok(r.violations.length > 0, JSON.stringify(bad));
  }
});

t.test(
  'ratchet: field paths resolve through maps and list indices; only untouched old violations are forgiven',
  async (t) => {
    const obj = { spec: { tolerations: [{ key: 'a' }, { key: 'b' }], mysql: { config: { x: '1' } } } };
    t.equal(valueAtField(obj, 'spec.tolerations[1].key'), 'b');
    t.equal(valueAtField(obj, 'spec.mysql.config.x'), '1');
    t.equal(valueAtField(obj, 'spec.nope[3].x'), undefined);
    const v = { field: 'spec.replicas', value: 4, allowed: 'odd' };
    t.same(ratchet([v], [v], { spec: { replicas: 4 } }, { spec: { replicas: 4 } }), [], 'same value, same violation');
    t.same(ratchet([v], [v], { spec: { replicas: 4 } }, { spec: { replicas: 2 } }), [v], 'value changed');
    t.same(ratchet([v], [], { spec: { replicas: 4 } }, { spec: { replicas: 4 } }), [v], 'old object was valid there');
  },
);
