// A voter that refuses a candidate for lacking what it received stands itself at once
// (Controller.standInstead, docs/failover.md "Elections that do not stall"), on a real mariadbd: the
// Controller's own predicate, with a Raft host that records campaigns.
import t from 'tap';
import { Controller } from '../../src/agent/controller.ts';
import type { ActContext, AgentMemory } from '../../src/agent/act.ts';
import { createLogger } from '../../src/util/log.ts';
import { eventually } from '../support/eventually.ts';
import { sql, startCluster } from '../mysql/cluster.ts';

t.test('refusing a candidate that lacks our GTIDs: one campaign of our own, as a follower only', async (t) => {
  const c = await startCluster(1, t);
  const root = await sql(c.h.instances[0]!, c.h);
  t.teardown(() => root.destroy());
  // Something this node received that the candidate below does not hold.
  await root.query('SET GLOBAL read_only = 0');
  await root.query('CREATE DATABASE received_here');
  await root.query('SET GLOBAL read_only = 1');

  let role = 'follower';
  let campaigns = 0;
  const memory: AgentMemory = { promotedTerm: 0, errantAgainst: '' };
  const ctx = {
    self: 'db-1',
    side: { own: c.nodes[0]!, peer: () => undefined },
    raft: {
      status: () => ({ role }),
      do: (fn: (n: { campaign: () => void }) => void) => fn({ campaign: () => void campaigns++ }),
    },
    state: () => ({ primary: null }),
    peers: () => ['db-0', 'db-2'],
    timeoutMs: 3000,
    memory,
    log: createLogger('test', { level: 'silent' }),
  } as unknown as ActContext;
  const ctl = new Controller(ctx, () => undefined, 200);
  await ctl.refresh();
  const empty = { kind: 'mariadb', gtid: '' };

  const verdict = ctl.votePredicate('db-0', empty);
  t.match(verdict, /candidate lacks/, 'the candidate is refused');
  await eventually(async () => campaigns === 1, 'our own campaign');
  t.match(ctl.votePredicate('db-2', empty), /candidate lacks/);
  await eventually(async () => campaigns === 2, 'a second refusal after the first campaign: another');

  role = 'preCandidate';
  t.match(ctl.votePredicate('db-0', empty), /candidate lacks/);
  role = 'leader';
  t.match(ctl.votePredicate('db-0', empty), /candidate lacks/);
  role = 'follower';
  const [rows] = (await root.query('SELECT @@GLOBAL.gtid_binlog_state AS g')) as unknown as [{ g: string }[]];
  t.equal(ctl.votePredicate('db-0', { kind: 'mariadb', gtid: rows[0]!.g }), true, 'a candidate holding it all');
  // Give a wrongly scheduled campaign its chance to run before counting.
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 50));
  t.equal(campaigns, 2, 'no campaign while already standing or leading, nor after a grant');
});
