import t from 'tap';
import { RaftLeaderLease } from '../../src/kube/raft-leader-lease.ts';
import { startKube } from '../support/kube.ts';

t.test('the Raft leader Lease carries holder and term, and a stale term never overwrites a newer one', async (t) => {
  const k = await startKube();
  t.teardown(() => k.close());
  const lease = new RaftLeaderLease(k.kc, 'default', 'db');
  const at = new Date('2026-11-26T10:00:00.000Z');
  t.equal(await lease.publish({ holder: 'db-0', term: 3, renewTime: at, leaseDurationSeconds: 3 }), 'created');
  t.equal(
    await lease.publish({ holder: 'db-0', term: 3, renewTime: new Date(at.getTime() + 1000), leaseDurationSeconds: 3 }),
    'updated',
  );
  t.equal(
    await lease.publish({ holder: 'db-1', term: 2, renewTime: at, leaseDurationSeconds: 3 }),
    'newer-term-present',
    'a deposed leader',
  );
  t.equal(
    await lease.publish({ holder: 'db-1', term: 3, renewTime: at, leaseDurationSeconds: 3 }),
    'newer-term-present',
    'a second holder in one term',
  );
  t.same(await lease.read(), {
    holder: 'db-0',
    term: 3,
    renewTime: new Date(at.getTime() + 1000),
    leaseDurationSeconds: 3,
  });
  t.equal(await lease.publish({ holder: 'db-1', term: 4, renewTime: at, leaseDurationSeconds: 3 }), 'updated');
  const r = await lease.read();
  t.equal(r?.holder, 'db-1');
  t.equal(r?.term, 4);
});
