// Thesis chapter 4: single-server membership changes (learner first), one at a time, a leader of a
// fresh term commits its own entry first, a removed leader steps down.
import t from 'tap';
import { Net } from '../support/raft/net.ts';
import { MemoryStorage } from '../../src/raft/memory-storage.ts';
import type { ConfEntryData } from '../../src/raft/types.ts';

const ids = ['a', 'b', 'c'];

async function withJoiner() {
  const net = await Net.create(ids);
  await net.add('d', new MemoryStorage()); // empty configuration: joins later
  await net.elect('a');
  return net;
}

t.test(
  '4.2.1 a node is added as a learner: it receives the log but neither votes nor counts toward commit',
  async (t) => {
    const net = await withJoiner();
    const a = net.get('a').node;
    const r = a.proposeConfChange({ type: 'addLearner', node: 'd' });
    t.ok(r.ok);
    await net.settle();
    t.same(a.status().conf, { voters: ids, learners: ['d'] });
    t.same(net.get('d').node.logEntries(), a.logEntries(), 'the learner caught up');
    t.same(net.get('d').node.status().conf.learners, ['d'], 'and learned its configuration from the log');
    // With b and c cut off, a + learner d are not a quorum.
    net.isolate('b');
    net.isolate('c');
    a.propose('x');
    await net.settle();
    t.equal(a.status().commit, a.status().lastIndex - 1, "the learner's copy does not commit the entry");
    // A learner never campaigns.
    await net.tick(40, ['d']);
    t.equal(net.get('d').node.status().role, 'follower');
  },
);

t.test('4.2.1 promotion waits until the learner has caught up', async (t) => {
  const net = await withJoiner();
  const a = net.get('a').node;
  net.isolate('d');
  t.ok(a.proposeConfChange({ type: 'addLearner', node: 'd' }).ok);
  await net.settle();
  const r = a.proposeConfChange({ type: 'promote', node: 'd' });
  t.match(r, { ok: false, reason: 'conf-change-refused', detail: /has not caught up/ });
  net.heal();
  await net.tick(1, ['a']);
  t.ok(a.proposeConfChange({ type: 'promote', node: 'd' }).ok, 'promoted once caught up');
  await net.settle();
  t.same(a.status().conf, { voters: [...ids, 'd'], learners: [] });
});

t.test('4.1 at most one membership change in flight', async (t) => {
  const net = await withJoiner();
  const a = net.get('a').node;
  net.isolate('b');
  net.isolate('c');
  t.ok(a.proposeConfChange({ type: 'addLearner', node: 'd' }).ok);
  await net.settle();
  t.match(a.proposeConfChange({ type: 'remove', node: 'c' }), { ok: false, detail: /still in flight/ });
  net.heal();
  await net.tick(1, ['a']);
  t.ok(a.proposeConfChange({ type: 'remove', node: 'c' }).ok, 'allowed once the first one committed');
});

t.test('4.1 (and the 2015 correction) a new leader commits an entry of its term before any change', async (t) => {
  const net = await Net.create(ids);
  await net.tick(10);
  const a = net.get('a');
  a.node.campaign();
  await net.processReady(a); // the vote requests are queued
  net.cut.add('a>b');
  net.cut.add('a>c'); // ...but nothing after them: the no-op never reaches anyone
  await net.settle();
  t.equal(a.node.status().role, 'leader');
  t.equal(a.node.status().commit, 0);
  t.match(a.node.proposeConfChange({ type: 'addLearner', node: 'd' }), {
    ok: false,
    detail: /not committed an entry of its term/,
  });
  net.heal();
  await net.tick(1, ['a']);
  t.equal(a.node.status().commit, 1);
  t.ok(a.node.proposeConfChange({ type: 'addLearner', node: 'd' }).ok, 'allowed once its no-op committed');
});

t.test(
  '4.1 a server uses the latest configuration in its log, committed or not, and reverts when it is truncated',
  async (t) => {
    const five = ['a', 'b', 'c', 'd', 'e'];
    const net = await Net.create(five);
    await net.add('f', new MemoryStorage());
    await net.elect('a');
    const c = net.get('c').node;
    for (const x of ['b', 'd', 'e']) net.cut.add(`a>${x}`);
    net.cut.add('c>a');
    t.ok(net.get('a').node.proposeConfChange({ type: 'addLearner', node: 'f' }).ok);
    await net.settle();
    t.same(c.status().conf.learners, ['f'], 'c uses the uncommitted change at once');
    t.ok(c.status().commit < c.status().lastIndex, 'it is not committed');
    net.heal();
    net.isolate('a');
    net.isolate('c');
    await net.elect('b');
    t.equal(net.get('b').node.status().role, 'leader', 'b, d, e elect b without the change');
    net.heal();
    net.isolate('a');
    await net.tick(1, ['b']);
    t.same(c.status().conf.learners, [], 'the overwritten conf entry no longer applies on c');
    t.same(c.logEntries(), net.get('b').node.logEntries());
  },
);

t.test('4.2.2 a leader removed from the configuration steps down once the removal commits', async (t) => {
  const net = await Net.create(ids);
  await net.elect('a');
  const a = net.get('a').node;
  t.ok(a.proposeConfChange({ type: 'remove', node: 'a' }).ok);
  await net.settle();
  t.equal(a.status().role, 'follower');
  const last = a.logEntries().at(-1)!;
  t.same((last.data as unknown as ConfEntryData).conf.voters, ['b', 'c']);
  t.equal(net.get('b').node.status().commit, last.index, 'followers learned the removal committed');
  await net.tick(40, ['a']);
  t.equal(a.status().role, 'follower', 'a non-voter never campaigns');
  await net.elect('b');
  t.same(net.leaders(), ['b'], 'the remaining voters elect a leader');
  // Messages from the removed node are dropped.
  const leader = net.get(net.leaders()[0]!).node;
  const r = leader.step({
    type: 'vote',
    from: 'a',
    to: leader.status().id,
    term: 99,
    index: 99,
    logTerm: 99,
    context: null,
    transfer: true,
  });
  t.match(r, { ok: false, reason: /not a voter/ });
  t.not(leader.status().term, 99);
});

t.test('4.1 invalid changes are refused with the reason', async (t) => {
  const net = await Net.create(ids);
  await net.elect('a');
  const a = net.get('a').node;
  t.match(a.proposeConfChange({ type: 'addLearner', node: 'b' }), { ok: false, detail: /already a member/ });
  t.match(a.proposeConfChange({ type: 'promote', node: 'zz' }), { ok: false, detail: /not a learner/ });
  t.match(a.proposeConfChange({ type: 'remove', node: 'zz' }), { ok: false, detail: /not a member/ });
  t.match(a.proposeConfChange({ type: 'bogus' as 'remove', node: 'b' }), {
    ok: false,
    reason: 'invalid',
    detail: /change.type/,
  });
  t.match(a.proposeConfChange({ type: 'remove', node: '' }), { ok: false, reason: 'invalid', detail: /change.node/ });
  t.match(net.get('b').node.proposeConfChange({ type: 'remove', node: 'c' }), {
    ok: false,
    reason: 'not-leader',
    leader: 'a',
  });
});
