// The early IO stop (src/agent/io-stop.ts) on two real mariadbd: a semi-sync replica of a primary that
// is then cut off (iptables drops the replication connection both ways, as a partition does). Under
// the partition MariaDB's STOP SLAVE IO_THREAD takes seconds; the early stop starts it in the
// background, and the vote guard joins that STOP instead of queueing a second one behind it
// (docs/failover.md, "Elections and votes").
import t from 'tap';
import { connect } from 'node:net';
import { createConnection } from 'mysql2/promise';
import { startInstances } from '../support/mariadb/harness.ts';
import { NetFault, iptablesMissing } from '../support/netfault.ts';
import { eventually } from '../support/eventually.ts';
import { MysqlNode, bootstrapUsers, pointAt, promote, status } from '../../src/mysql/index.ts';
import { IoStopper, stopIoEarly } from '../../src/agent/io-stop.ts';
import { createLogger } from '../../src/util/log.ts';

t.setTimeout(180_000);

const CLIENT = `127.0.9.${20 + (process.pid % 200)}`;
const REPL = { user: 'mysqlraft_repl', password: 'Repl-pw-7f3a9c' };

t.test(
  'early stop under a partition: one STOP, joined by the vote guard, IO thread stopped',
  { skip: iptablesMissing() ?? false },
  async (t) => {
    const h = await startInstances(2, t, { port: 20000 + Math.floor(Math.random() * 30000) });
    const [p, r] = h.instances as [(typeof h.instances)[0], (typeof h.instances)[0]];
    const P = new MysqlNode(h.root(p));
    const R = new MysqlNode(h.root(r));
    for (const n of [P, R])
      await bootstrapUsers(
        n,
        {
          replication: REPL,
          agent: { user: 'a', password: 'Agent-pw-2b8e1d' },
          probe: { user: 'b', password: 'Probe-pw-5c4d2a' },
        },
        5000,
      );
    await promote(P, { waitCount: 1, fallbackAfterMs: 'never' }, 5000);
    await pointAt(
      R,
      { host: p.host, port: p.port, replicationUser: REPL.user, replicationPassword: REPL.password },
      5000,
    );
    await eventually(async () => (await status(R, 2000)).replica?.ioRunning === 'yes', 'the replica receiving');

    const net = new NetFault();
    t.teardown(() => net.removeSync());
    net.install();
    // The replica's mysqld connection to the primary is cut both ways; our root sessions bind CLIENT.
    net.partition({ ip: p.host, gid: 65_001 }, [{ ip: r.host, gid: 65_002 }], p.port, CLIENT);
    // A write waiting for an acknowledgement that cannot come, as the writers of a cut-off primary do.
    // (mysql2 3.24 ignores its localAddress option: the socket is bound here.)
    const writer = await createConnection({
      ...h.root(p),
      stream: connect({ host: p.host, port: p.port, localAddress: CLIENT }),
    });
    writer.on('error', () => {});
    t.teardown(() => writer.destroy());
    void writer.query('CREATE DATABASE early_stop_waits_for_an_ack').catch(() => undefined);

    const lines: string[] = [];
    const log = createLogger('test', { level: 'info' }, { write: (l: string) => void lines.push(l) });
    const root = await createConnection({ ...h.root(r) });
    t.teardown(() => root.destroy());
    const stops = async () => {
      const [rows] = await root.query(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'STOP SLAVE%'",
      );
      return Number((rows as { n: number | string }[])[0]!.n);
    };
    const io = new IoStopper(R, 10_000);
    stopIoEarly(io, 'db-0', 'test: leader silent', log);
    t.ok(io.inFlight, 'the early stop is running');
    stopIoEarly(io, 'db-0', 'test: leader silent again', log);
    await eventually(
      async () => (await stops()) === 1,
      'the early STOP running on the replica (the partition holds it)',
    );
    // The vote guard, arriving while the early stop runs, joins it: the server never sees a second STOP.
    let done = false;
    const joinedAt = Date.now();
    const guard = io.stop(10_000).finally(() => (done = true));
    let most = 0;
    while (!done) {
      most = Math.max(most, await stops());
      await new Promise((r) => setTimeout(r, 50));
    }
    await guard;
    t.equal(most, 1, 'one STOP on the replica while the guard waited');
    t.comment(`the guard waited ${Date.now() - joinedAt} ms for the early STOP`);
    t.ok(net.packets() > 0, 'the partition dropped packets');
    t.equal((await status(R, 2000)).replica?.ioRunning, 'no', 'the IO thread is stopped when the guard goes on');
    t.notOk(io.inFlight, 'no STOP left running');
    await eventually(() => lines.some((l) => l.includes('IO thread stopped')), 'the early stop logged its outcome');
    t.equal(lines.filter((l) => l.includes('stopping the IO thread ahead of a vote')).length, 1, 'started once');

    // Once it is done, a later guard issues a STOP of its own (a finished one is never reused).
    await io.stop(5000);
    t.equal((await status(R, 2000)).replica?.ioRunning, 'no', 'still stopped');
  },
);
