// Application hooks: the vote predicate (the agent refuses a candidate whose GTID set lacks its own)
// and candidate eligibility (an agent whose mysqld is down does not campaign). Refusals are
// observable: a reason in the response and a log line.
import t from 'tap';
import { Net } from '../support/raft/net.ts';
import type { JsonValue } from '../../src/raft/types.ts';
import type { RaftLogger } from '../../src/raft/logger.ts';

const ids = ['a', 'b', 'c'];

function recordingLogger(lines: { level: string; obj: unknown; msg: string }[]): RaftLogger {
  const at = (level: string) => (obj: unknown, msg: string) => lines.push({ level, obj, msg });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as unknown as RaftLogger;
}

t.test(
  'the vote predicate sees the candidate id and context, and its refusal travels back with the reason',
  async (t) => {
    const seen: [string, JsonValue][] = [];
    const lines: { level: string; obj: unknown; msg: string }[] = [];
    const gtid: Record<string, number> = { a: 5, b: 9, c: 9 };
    const net = await Net.create(ids, (id) => ({
      candidateContext: () => ({ gtidExecuted: gtid[id]! }),
      votePredicate: (cand, ctx) => {
        seen.push([cand, ctx]);
        const theirs = (ctx as { gtidExecuted: number }).gtidExecuted;
        return theirs >= gtid[id]! ? true : `candidate GTID set ${theirs} lacks ours ${gtid[id]}`;
      },
      logger: recordingLogger(lines),
    }));
    await net.elect('a');
    t.same(net.leaders(), [], 'a is refused by both');
    t.same(
      seen.filter(([c]) => c === 'a').map(([, x]) => x),
      [{ gtidExecuted: 5 }, { gtidExecuted: 5 }],
    );
    const refusals = net.delivered.filter((m) => m.type === 'voteResp' && m.reject);
    t.equal(refusals.length, 2);
    t.match(refusals[0], { reason: 'vote predicate: candidate GTID set 5 lacks ours 9' });
    t.ok(
      lines.some((l) => l.msg === 'raft: vote refused' && JSON.stringify(l.obj).includes('lacks ours')),
      'the voter logs it',
    );
    t.ok(
      lines.some((l) => l.msg === 'raft: voteResp refused'),
      'the candidate logs it',
    );
    await net.tick(10);
    net.get('b').node.campaign();
    await net.settle();
    t.same(net.leaders(), ['b'], 'a candidate with a complete GTID set wins');
  },
);

t.test('the vote predicate also guards PreVote', async (t) => {
  const net = await Net.create(ids, { preVote: true, votePredicate: (c) => (c === 'a' ? 'no' : true) });
  await net.elect('a');
  t.equal(net.get('a').node.status().role, 'follower', 'the PreVote failed');
  t.equal(net.get('a').node.status().term, 0, 'without raising the term');
  t.ok(net.delivered.some((m) => m.type === 'preVoteResp' && m.reject && m.reason === 'vote predicate: no'));
});

t.test('a throwing vote predicate refuses instead of crashing', async (t) => {
  const net = await Net.create(ids, {
    votePredicate: () => {
      throw new Error('mysqld unreachable');
    },
  });
  await net.elect('a');
  t.same(net.leaders(), []);
  t.ok(
    net.delivered.some(
      (m) => m.type === 'voteResp' && m.reject && m.reason === 'vote predicate threw: mysqld unreachable',
    ),
  );
});

t.test('candidate eligibility: an ineligible node never campaigns, by timer, campaign() or TimeoutNow', async (t) => {
  let eligible = false;
  const lines: { level: string; obj: unknown; msg: string }[] = [];
  const net = await Net.create(ids, (id) =>
    id === 'b' ? { canCampaign: () => eligible, random: () => 0, logger: recordingLogger(lines) } : {},
  );
  await net.tick(60, ['b']);
  t.equal(net.get('b').node.status().role, 'follower');
  t.equal(net.get('b').node.status().term, 0);
  t.ok(
    lines.some((l) => l.msg.includes('eligibility hook says no')),
    'logged',
  );
  await net.elect('a');
  net.get('a').node.transferLeadership('b');
  await net.settle();
  t.same(net.leaders(), ['a'], 'TimeoutNow did not make it campaign');
  eligible = true;
  net.isolate('a');
  await net.tick(20, ['b', 'c']);
  t.equal(net.get('b').node.status().role, 'leader', 'it campaigns once eligible');
});
