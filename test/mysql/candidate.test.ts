// chooseCandidate is pure: table-driven cases over hand-built snapshots (no server needed).
import t from 'tap';
import { chooseCandidate, type Observed } from '../../src/mysql/candidate.ts';
import { parseGtid } from '../../src/mysql/gtid.ts';
import type { StatusSnapshot } from '../../src/mysql/status.ts';

const U = '3e11fa47-71ca-11e1-9e33-c80aa9429562';

function snap(kind: 'mysql' | 'mariadb', executed: string, retrieved: string, io: 'yes' | 'no' = 'no'): StatusSnapshot {
  return {
    flavor: kind === 'mysql' ? 'mysql80' : 'mariadb',
    version: '',
    serverId: 1,
    readOnly: true,
    superReadOnly: null,
    offlineMode: null,
    executed: parseGtid(kind, executed),
    retrieved: parseGtid(kind, retrieved),
    replica: {
      sourceHost: 'old',
      sourcePort: 3306,
      ioRunning: io,
      sqlRunning: true,
      lagSeconds: 0,
      lastIoError: '',
      lastSqlError: '',
    },
    semiSync: {
      sourceEnabled: false,
      replicaEnabled: true,
      sourceActive: false,
      replicaActive: false,
      yesTx: 0,
      noTx: 0,
      clients: 0,
    },
  };
}

t.test('picks the replica that received the most, even if it applied less', async (t) => {
  const d = chooseCandidate([
    { name: 'a', status: snap('mysql', `${U}:1-10`, `${U}:1-10`) },
    { name: 'b', status: snap('mysql', `${U}:1-5`, `${U}:1-12`) },
  ]);
  t.ok(d.ok);
  if (d.ok) {
    t.equal(d.candidate, 'b');
    t.equal(d.mustApply.toString(), `${U}:1-12`, 'it must apply its relay log first');
  }
});

t.test('ties go to the one with less to apply, then by name', async (t) => {
  const d = chooseCandidate([
    { name: 'b', status: snap('mariadb', '0-1-10', '0-1-10') },
    { name: 'a', status: snap('mariadb', '0-1-8', '0-1-10') },
    { name: 'c', status: snap('mariadb', '0-1-10', '0-1-10') },
  ]);
  t.ok(d.ok && d.candidate === 'b', JSON.stringify(d));
});

t.test('refuses when no replica has every transaction, and says what is missing', async (t) => {
  const d = chooseCandidate([
    { name: 'a', status: snap('mariadb', '0-1-10,0-3-4', '0-1-10,0-3-4') },
    { name: 'b', status: snap('mariadb', '0-1-11', '0-1-11') },
  ]);
  t.notOk(d.ok);
  t.match(d.reason, /no replica has every transaction.*a lacks 0-1-11 of b; b lacks 0-3-4 of a/);
});

t.test('refuses while an IO thread still runs (revocation not done)', async (t) => {
  const d = chooseCandidate([
    { name: 'a', status: snap('mysql', '', '', 'yes') },
    { name: 'b', status: snap('mysql', '', '') },
  ]);
  t.notOk(d.ok);
  t.match(d.reason, /IO thread still running on a: revoke first/);
});

t.test('errant and unreachable replicas are ignored, and named', async (t) => {
  const nodes: Observed[] = [
    { name: 'a', status: snap('mariadb', '0-1-10,0-7-1', '0-1-10,0-7-1'), errant: true },
    { name: 'b', status: snap('mariadb', '0-1-9', '0-1-10') },
    { name: 'c', status: null },
  ];
  const d = chooseCandidate(nodes);
  t.ok(d.ok);
  if (d.ok) {
    t.equal(d.candidate, 'b');
    t.match(d.reason, /ignored a \(errant\), c \(unreachable\)/);
  }
  const none = chooseCandidate([
    { name: 'a', status: null },
    { name: 'b', status: snap('mysql', '', ''), errant: true },
  ]);
  t.notOk(none.ok);
  t.match(none.reason, /no reachable non-errant replica \(unreachable: a\)/);
});

t.test(
  'with the semi-sync wait count, refuses unless the observed replicas must include one that acknowledged',
  async (t) => {
    const five = (reachable: number, errant = -1): Observed[] =>
      ['a', 'b', 'c', 'd'].map((name, i) => ({
        name,
        status: i < reachable ? snap('mariadb', '0-1-10', '0-1-10') : null,
        errant: i === errant,
      }));
    // Four replicas, each acknowledged write on at least 2: any 3 of them hold it, 2 may not.
    t.ok(chooseCandidate(five(3), { ackCount: 2 }).ok, '3 of 4 observed with ackCount 2');
    const d = chooseCandidate(five(2), { ackCount: 2 });
    t.notOk(d.ok);
    if (!d.ok) t.match(d.reason, /only 2 of 4 replicas observed and non-errant, need 3 .*unreachable: c, d/);
    t.notOk(
      chooseCandidate(five(3, 0), { ackCount: 2 }).ok,
      'an errant replica does not count toward the needed number',
    );
    t.ok(chooseCandidate(five(1), { ackCount: 4 }).ok, 'every replica acknowledged: one observed is enough');
    t.ok(chooseCandidate(five(2)).ok, 'without ackCount the caller answers for the quorum (the Raft vote predicate)');
  },
);
