// Handover target choice (act.ts chooseFollower): the follower that received everything the others
// did; never one holding transactions the leader lacks (an errant, detached node cannot apply what the
// leader waits for, and a graceful stop would hang on it: seen in test/agent/faults-ops.test.ts).
import t from 'tap';
import { chooseFollower } from '../../src/agent/act.ts';
import { parseGtid } from '../../src/mysql/gtid.ts';

const g = (s: string) => parseGtid('mariadb', s);

t.test('the follower that received the most, the errant one never', async (t) => {
  const ours = g('0-101-100');
  const caughtUp = { pod: 'db-2', set: g('0-101-100') };
  const lagging = { pod: 'db-1', set: g('0-101-90') };
  const errant = { pod: 'db-0', set: g('0-101-50,0-103-1') };
  t.equal(chooseFollower([lagging, caughtUp]), 'db-2', 'the one containing the others');
  t.equal(chooseFollower([errant, caughtUp], ours), 'db-2', 'not the errant one, listed first');
  t.equal(chooseFollower([errant, lagging], ours), 'db-1', 'a lagging replica rather than an errant one');
  t.equal(chooseFollower([errant], ours), undefined, 'nobody when only the errant one answers');
  t.equal(chooseFollower([errant, caughtUp]), 'db-0', 'without our set the first is taken (the old rule)');
});
