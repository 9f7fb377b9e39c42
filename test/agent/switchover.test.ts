// Switchover requests (src/agent/switchover.ts): which target a request goes to, and why one is
// refused (unknown or non-member pod, mysqld not answering, errant, not replicating from the primary).
import t from 'tap';
import { switchoverVerdict, type TargetFacts } from '../../src/agent/switchover.ts';
import { parseGtid } from '../../src/mysql/index.ts';

const members = ['db-0', 'db-1', 'db-2'];
const healthy = (pod: string, gtid = '0-1-10'): TargetFacts => ({
  pod,
  up: true,
  replicatingFrom: 'db-0',
  ioRunning: 'yes',
  sqlRunning: true,
  errant: '',
  received: parseGtid('mariadb', gtid),
});
const seen = [healthy('db-1', '0-1-9'), healthy('db-2', '0-1-10')];

t.test('switchover verdicts, one per named request', async (t) => {
  const cases: [string, string, TargetFacts[], { ok: boolean; to?: string; why?: RegExp }][] = [
    ['to-healthy-replica', 'db-1', seen, { ok: true, to: 'db-1' }],
    ['to-self', 'db-0', seen, { ok: true, to: 'db-0' }],
    ['any-picks-most-caught-up', 'any', seen, { ok: true, to: 'db-2' }],
    [
      'any-skips-unhealthy',
      'any',
      [healthy('db-1'), { ...healthy('db-2', '0-1-11'), up: false }],
      { ok: true, to: 'db-1' },
    ],
    [
      'any-none-healthy',
      'any',
      seen.map((s) => ({ ...s, ioRunning: 'no' as const })),
      { ok: false, why: /no healthy replica/ },
    ],
    ['unknown-pod', 'db-9', seen, { ok: false, why: /db-9 is not a member of this cluster/ }],
    ['other-cluster-pod', 'other-1', seen, { ok: false, why: /not a member/ }],
    ['mysqld-down', 'db-1', [{ ...healthy('db-1'), up: false }], { ok: false, why: /does not answer/ }],
    ['errant', 'db-1', [{ ...healthy('db-1'), errant: '0-2-3' }], { ok: false, why: /errant transactions \(0-2-3\)/ }],
    [
      'replicates-elsewhere',
      'db-1',
      [{ ...healthy('db-1'), replicatingFrom: 'db-2' }],
      { ok: false, why: /does not replicate from the primary db-0/ },
    ],
    [
      'io-stopped',
      'db-1',
      [{ ...healthy('db-1'), ioRunning: 'no' }],
      { ok: false, why: /IO thread of db-1 is stopped/ },
    ],
    ['sql-stopped', 'db-1', [{ ...healthy('db-1'), sqlRunning: false }], { ok: false, why: /SQL thread/ }],
    ['member-without-ip', 'db-1', [], { ok: false, why: /nothing known of db-1/ }],
  ];
  for (const [name, target, s, want] of cases) {
    const v = switchoverVerdict(target, 'db-0', members, s);
    t.equal(v.ok, want.ok, name);
    if (v.ok) t.equal(v.to, want.to, `${name}: to`);
    else t.match(v.why, want.why!, `${name}: ${v.why}`);
  }
});
