// Fencing by crash (src/agent/crash-fence.ts) on three real mariadbd and three agent processes, with the
// history writer and the 50 ms read_only probe. A primary cut off from its replicas while its clients still
// reach it has sessions waiting for acknowledgements that never come; killing them would commit their
// transactions and leave it errant. Its agent kills mysqld instead, MariaDB's crash recovery as a replica
// (init_rpl_role) cuts the unacknowledged tail, the "kubelet" (the harness supervisor) restarts it, and the
// old primary rejoins as a replica: nothing to re-clone. Also: the pid file is checked before any kill.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { mysqldPid, crashMysqld } from '../../src/agent/crash-fence.ts';
import { FaultRun, expectClean } from '../support/agent/faultrun.ts';
import { NetFault, iptablesMissing } from '../support/netfault.ts';
import { eventually } from '../support/eventually.ts';

t.setTimeout(900_000);

t.test('a pid file is trusted only when it names a running mysqld', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mro-pid-'));
  const file = join(dir, 'mysqld.pid');
  t.match(mysqldPid(file), { why: /unreadable/ }, 'no file');
  writeFileSync(file, 'not a pid\n');
  t.match(mysqldPid(file), { why: /not a pid/ }, 'garbage');
  writeFileSync(file, '1\n');
  t.match(mysqldPid(file), { why: /not a pid/ }, 'pid 1 is never killed');
  writeFileSync(file, `${process.pid}\n`);
  t.match(mysqldPid(file), { why: /not mysqld/ }, 'a live process that is not mysqld (this test) is refused');
  t.match(await crashMysqld(file), { crashed: false }, 'and not killed');
  writeFileSync(file, '4194304\n');
  t.match(mysqldPid(file), { why: /not running/ }, 'a pid nobody has');
});

t.test(
  'a primary cut off from its replicas, clients still writing, crashes its mysqld and rejoins as a replica',
  { skip: iptablesMissing() ?? false },
  async (t) => {
    const net = new NetFault();
    const run = await FaultRun.start({ say: (m) => t.comment(m), crashFence: true });
    t.teardown(async () => {
      net.removeSync();
      if (!t.passing()) t.comment(run.logs());
      await run.stop();
    });
    const h = run.env.harness!;
    net.install();
    const { l } = await run.settle();
    const pod = run.env.agents[l]!.pod;
    const others = [0, 1, 2].filter((i) => i !== l);
    run.mark(`partition ${pod} from the others`);
    net.partition(
      run.node(l),
      others.map((i) => run.node(i)),
      run.env.mysqlPort,
      run.clientAddress,
    );
    const { l: next } = await run.settle([l]);
    t.not(next, l, `${run.env.agents[next]!.pod} took over the majority side`);
    await run.acksOn(next, 10);
    await eventually(
      () => h.restarts.some((r) => r.name === h.instances[l]!.name) || undefined,
      `${pod}'s agent killed its mysqld (its clients' sessions waited for acknowledgements)`,
      120_000,
    );
    t.pass(`${pod}'s mysqld was killed by its agent and restarted`);
    t.ok(
      run.env.agents[l]!.log.some((line) => line.includes('crashed own mysqld')),
      `${pod}'s agent says it crashed its mysqld`,
    );
    expectClean(t, await run.checkNow(next), 'during the partition');
    net.heal();
    run.faults.at(-1)!.healedMs = performance.now();
    t.equal(
      await run.backAs(l),
      'replica',
      `${pod} rejoined as a replica, not errant: its unacknowledged tail was cut`,
    );
    const { result } = await run.finish([l]);
    expectClean(t, result, 'partition and heal');
    t.same(run.splitTerms(), [], 'one leader per term');
  },
);
