// The agent's persist stage writes a Ready unless its only durable change is the commit index: term,
// vote and entries are what messages vouch for (Figure 2); commit is re-learnt after a restart.
import t from 'tap';
import { commitOnly, newVote, splitTimeoutNow } from '../../src/agent/raft-host.ts';
import type { Ready } from '../../src/raft/rawnode.ts';

const base: Ready = { entries: [], messages: [], committedEntries: [] };
const durable = { term: 3, vote: 'db-1', commit: 7 };
const e = { index: 8, term: 3, type: 'normal' as const, data: null };
const snap = { index: 5, term: 2, conf: { voters: [], learners: [] }, data: null };

t.test('which Readys skip the ConfigMap write', async (t) => {
  t.ok(commitOnly(base, durable), 'messages only (heartbeats and their answers)');
  t.ok(commitOnly({ ...base, hardState: { ...durable, commit: 9 } }, durable), 'a higher commit only');
  t.notOk(commitOnly({ ...base, hardState: { ...durable, term: 4, vote: null } }, durable), 'a new term');
  t.notOk(commitOnly({ ...base, hardState: { ...durable, vote: 'db-2' } }, durable), 'a vote');
  t.notOk(commitOnly({ ...base, entries: [e] }, durable), 'entries');
  t.notOk(commitOnly({ ...base, snapshot: snap }, durable), 'a snapshot');
  t.notOk(commitOnly({ ...base, compaction: snap }, durable), 'a compaction');
});

t.test('the vote guard runs only for a vote storage does not hold yet (not after a restart)', async (t) => {
  t.ok(newVote({ term: 4, vote: 'db-2', commit: 7 }, durable), 'a vote in a new term');
  t.ok(newVote({ term: 3, vote: 'db-2', commit: 7 }, { ...durable, vote: null }), 'a first vote in this term');
  t.notOk(newVote({ ...durable, commit: 9 }, durable), 'the durable vote again, with a new commit');
  t.notOk(newVote({ term: 4, vote: null, commit: 7 }, durable), 'a new term without a vote');
});

t.test('a TimeoutNow is stepped after the rest of its batch (once the campaign context is fresh)', async (t) => {
  const append = { type: 'append', from: 'db-0', to: 'db-1', term: 3 };
  const timeoutNow = { type: 'timeoutNow', from: 'db-0', to: 'db-1', term: 3 };
  t.same(splitTimeoutNow([append, timeoutNow, append]), { now: [append, append], later: [timeoutNow] });
  t.same(splitTimeoutNow([append, null, 'x']), { now: [append, null, 'x'], later: [] }, 'garbage stays for step()');
});
