// The early IO stop (src/agent/io-stop.ts) on two real mariadbd: a semi-sync replica of a primary that
// is then cut off (iptables drops the replication connection both ways, as a partition does). The
// early stop starts a stop in the background; the vote guard, arriving meanwhile, joins it instead of
// queueing a second STOP behind it (docs/failover.md, "Elections and votes"). The server's own
// statement counters show how many STOPs and KILLs it ran. (A plain STOP took 2 s here; stopIo()
// kills the IO thread when its STOP is slow, so the stop ends within a fraction of a second.)
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
    const counters = async () => {
      const [rows] = await root.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_stop_slave', 'Com_kill')");
      const m = new Map(
        (rows as { Variable_name: string; Value: string }[]).map((x) => [x.Variable_name, Number(x.Value)]),
      );
      return { stops: m.get('Com_stop_slave') ?? NaN, kills: m.get('Com_kill') ?? NaN };
    };
    const before = await counters();
    const io = new IoStopper(R, 10_000);
    stopIoEarly(io, 'db-0', 'test: leader silent', log);
    t.ok(io.inFlight, 'the early stop is running');
    stopIoEarly(io, 'db-0', 'test: leader silent again', log);
    // The vote guard, arriving while the early stop runs, joins it: the server sees one stop.
    await io.stop(10_000);
    const after = await counters();
    t.equal(after.stops - before.stops, 1, 'one STOP on the replica, the guard joined it');
    t.equal(after.kills - before.kills, 1, 'its IO thread killed once');
    t.ok(net.packets() > 0, 'the partition dropped packets');
    t.equal((await status(R, 2000)).replica?.ioRunning, 'no', 'the IO thread is stopped when the guard goes on');
    t.notOk(io.inFlight, 'no STOP left running');
    await eventually(() => lines.some((l) => l.includes('IO thread stopped')), 'the early stop logged its outcome');
    t.equal(lines.filter((l) => l.includes('stopping the IO thread ahead of a vote')).length, 1, 'started once');

    // Once it is done, a later guard issues a STOP of its own (a finished one is never reused); with
    // no IO thread left, nothing to kill.
    await io.stop(5000);
    const later = await counters();
    t.equal(later.stops - after.stops, 1, 'a second STOP, of its own');
    t.equal(later.kills - after.kills, 0, 'no thread to kill');
    t.equal((await status(R, 2000)).replica?.ioRunning, 'no', 'still stopped');
  },
);
