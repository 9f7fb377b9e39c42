import t from 'tap';
import { applyDefaults, effectiveLeaseMillis, effectiveWaitForSlaveCount } from '../../src/api/defaults.ts';
import { seedCluster, withField } from './fixtures.ts';

t.test('defaults fill only what is missing and never touch the input', async (t) => {
  const input = withField('spec.masterService', undefined, withField('spec.slaveService', undefined));
  const before = structuredClone(input);
  const out = applyDefaults(input);
  t.same(input, before, 'input untouched');
  t.same(out.spec.raft, { electionTimeout: '3s', heartbeatInterval: '300ms', logBatchSize: 100 });
  t.same(out.spec.semiSync, { enabled: true });
  t.same(out.spec.mysql, { flavor: 'auto' });
  t.equal(out.spec.paused, false);
  t.equal(out.spec.masterService, 'mysql-raft-cluster-master');
  t.equal(out.spec.slaveService, 'mysql-raft-cluster-slave');
  const custom = applyDefaults(withField('spec.raft', { electionTimeout: '5s' }));
  t.equal(custom.spec.raft?.electionTimeout, '5s');
  t.equal(custom.spec.masterService, 'mysql-master', 'set values win');
  t.same(applyDefaults(applyDefaults(seedCluster())), applyDefaults(seedCluster()), 'idempotent');
});

t.test('derived values follow the fields they depend on', async (t) => {
  t.equal(effectiveWaitForSlaveCount(seedCluster().spec), 1);
  t.equal(effectiveWaitForSlaveCount(withField('spec.replicas', 7).spec), 3);
  t.equal(effectiveWaitForSlaveCount(withField('spec.semiSync.waitForSlaveCount', 2).spec), 2);
  t.equal(effectiveLeaseMillis(seedCluster().spec), 2000);
  t.equal(effectiveLeaseMillis(withField('spec.raft.leaseDuration', '1500ms').spec), 1500);
});

t.test('ill-typed input is defaulted where possible, not crashed on', async (t) => {
  const out = applyDefaults(withField('spec.raft', 'fast'));
  t.equal(out.spec.raft as unknown, 'fast');
  t.same(applyDefaults({ spec: 'x' } as never), { spec: 'x' });
});
