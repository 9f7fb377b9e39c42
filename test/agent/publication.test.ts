// The pure publications (src/agent/publication.ts): the role label moves only after the fence or
// promotion it describes; the status annotation is exactly what the reconciler's parser reads
// (src/operator/status/agent-report.ts), written on change only; /readyz's predicate.
import t from 'tap';
import {
  agentReport,
  formatAgentStatus,
  readiness,
  roleLabel,
  sameReport,
  type NodeFacts,
} from '../../src/agent/publication.ts';
import { parseAgentReport } from '../../src/operator/status/agent-report.ts';
import { parseGtid, type StatusSnapshot } from '../../src/mysql/index.ts';

const snapshot = (o: Partial<StatusSnapshot> = {}): StatusSnapshot => ({
  flavor: 'mariadb',
  version: '10.11',
  serverId: 1,
  readOnly: true,
  superReadOnly: null,
  offlineMode: null,
  executed: parseGtid('mariadb', '0-1-7'),
  retrieved: parseGtid('mariadb', '0-1-7'),
  replica: {
    sourceHost: '10.0.0.1',
    sourcePort: 3306,
    ioRunning: 'yes',
    sqlRunning: true,
    lagSeconds: 0,
    lastIoError: '',
    lastSqlError: '',
  },
  semiSync: {
    sourceEnabled: false,
    replicaEnabled: true,
    sourceActive: false,
    replicaActive: true,
    yesTx: 0,
    noTx: 0,
    clients: 0,
  },
  ...o,
});

const replica: NodeFacts = {
  self: 'db-1',
  role: 'follower',
  term: 4,
  lead: 'db-0',
  commit: 12,
  applied: 12,
  primary: { pod: 'db-0', term: 4 },
  promotedThisTerm: false,
  mysql: { up: true, writable: false, replicatingFrom: 'db-0', errant: false },
  snapshot: snapshot(),
  lastFailover: undefined,
  elections: 3,
};

const primary: NodeFacts = {
  ...replica,
  self: 'db-0',
  role: 'leader',
  lead: 'db-0',
  promotedThisTerm: true,
  mysql: { up: true, writable: true, replicatingFrom: null, errant: false },
  snapshot: snapshot({ readOnly: false, replica: null }),
};

const with_ = (base: NodeFacts, c: Partial<NodeFacts>): NodeFacts => ({ ...base, ...c });
const upView = { up: true, writable: false, replicatingFrom: 'db-0', errant: false } as const;

t.test('role label: moved only after the fence or promotion it describes', async (t) => {
  const cases: [string, NodeFacts, string | undefined][] = [
    ['primary-writable-promoted', primary, 'primary'],
    ['leader-elected-not-yet-writable', with_(primary, { mysql: { ...upView, replicatingFrom: null } }), 'replica'],
    ['leader-writable-from-old-term-not-promoted', with_(primary, { promotedThisTerm: false }), undefined],
    ['follower-still-writable-before-its-fence', with_(replica, { mysql: { ...primary.mysql } }), undefined],
    ['fenced-read-only', replica, 'replica'],
    ['mysqld-gone', with_(primary, { mysql: { up: false, detail: 'ECONNREFUSED', gone: true } }), 'replica'],
    ['mysqld-hung-keeps-label', with_(primary, { mysql: { up: false, detail: 'timeout', gone: false } }), undefined],
  ];
  for (const [name, f, want] of cases) t.equal(roleLabel(f), want, name);
});

t.test('the annotation carries every field docs/agent.md lists, and the reconciler reads each back', async (t) => {
  const at = new Date('2026-11-30T08:00:00.000Z');
  const lastFailover = { from: 'db-2', to: 'db-0', reason: 'election timeout', at: at.toISOString(), durationMs: 900 };
  const r = agentReport(with_(primary, { lastFailover }), at);
  t.same(Object.keys(r), [
    'role',
    'term',
    'leader',
    'commit',
    'applied',
    'gtid',
    'lagSeconds',
    'semiSync',
    'errant',
    'mysqldUp',
    'writable',
    'at',
    'lastFailover',
    'elections',
  ]);
  const text = formatAgentStatus(r);
  t.notMatch(text, /\n| {2}/, 'compact JSON');
  t.same(parseAgentReport(text), r, 'src/operator/status/agent-report.ts reads back every field unchanged');
  t.same(
    { role: r.role, leader: r.leader, gtid: r.gtid, writable: r.writable, lagSeconds: r.lagSeconds },
    { role: 'primary', leader: 'db-0', gtid: '0-1-7', writable: true, lagSeconds: null },
  );
  const rep = agentReport(replica, at);
  t.same(parseAgentReport(formatAgentStatus(rep)), rep);
  t.same(
    { role: rep.role, leader: rep.leader, lag: rep.lagSeconds, semi: rep.semiSync },
    {
      role: 'replica',
      leader: 'db-0',
      lag: 0,
      semi: { source: false, replica: true },
    },
  );
  t.notOk('lastFailover' in rep, 'absent when this node never failed over');
  const down = agentReport(with_(replica, { mysql: { up: false, detail: 'x', gone: true }, snapshot: null }), at);
  t.same({ up: down.mysqldUp, writable: down.writable, gtid: down.gtid }, { up: false, writable: false, gtid: '' });
});

t.test('written on change only: a report that differs only in `at` is the same', async (t) => {
  const a = agentReport(replica, new Date(1000));
  t.ok(sameReport(a, agentReport(replica, new Date(5000))));
  t.notOk(sameReport(a, agentReport(with_(replica, { term: 5 }), new Date(1000))));
  t.notOk(sameReport(undefined, a), 'nothing written yet');
});

t.test('readiness: the writable primary, or a replica replicating from the current primary', async (t) => {
  const cases: [string, NodeFacts, boolean, RegExp][] = [
    ['primary', primary, true, /writable primary of term 4/],
    ['leader-not-yet-writable', with_(primary, { mysql: { ...replica.mysql } }), false, /not yet the writable/],
    ['replica', replica, true, /replica of db-0/],
    ['replica-of-old-primary', with_(replica, { primary: { pod: 'db-2', term: 5 } }), false, /not replicating from/],
    [
      'replica-io-connecting',
      with_(replica, { snapshot: snapshot({ replica: { ...snapshot().replica!, ioRunning: 'connecting' } }) }),
      false,
      /IO thread/,
    ],
    [
      'replica-sql-stopped',
      with_(replica, {
        snapshot: snapshot({ replica: { ...snapshot().replica!, sqlRunning: false, lastSqlError: 'dup key' } }),
      }),
      false,
      /dup key/,
    ],
    ['replica-errant', with_(replica, { mysql: { ...upView, errant: true } }), false, /errant/],
    ['follower-writable', with_(replica, { mysql: { ...primary.mysql } }), false, /being fenced/],
    [
      'mysqld-down',
      with_(replica, { mysql: { up: false, detail: 'ECONNREFUSED', gone: true } }),
      false,
      /mysqld is down/,
    ],
    ['no-primary-yet', with_(replica, { primary: null }), false, /no other primary/],
  ];
  for (const [name, f, ready, why] of cases) {
    const r = readiness(f);
    t.equal(r.ready, ready, name);
    t.match(r.reason, why, `${name}: ${r.reason}`);
  }
});
