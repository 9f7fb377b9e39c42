// Bad input and faults against a real server: unreachable, wrong password, SIGSTOP (hung), killed in the
// middle of an operation, failing statements. Each gives a typed error within its timeout, and no
// password ever appears in an error or a log line.
import t from 'tap';
import { inspect } from 'node:util';
import { Writable } from 'node:stream';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { ACCOUNTS, sql, startCluster, T, until } from './cluster.ts';
import { MysqlNode } from '../../src/mysql/session.ts';
import { status } from '../../src/mysql/status.ts';
import { waitApplied } from '../../src/mysql/replication.ts';
import { bootstrapUsers } from '../../src/mysql/users.ts';
import { configureSemiSync } from '../../src/mysql/semisync.ts';
import { parseGtid } from '../../src/mysql/gtid.ts';
import {
  AuthFailedError,
  ConnectionLostError,
  InvalidArgumentError,
  StatementFailedError,
  TimeoutError,
  UnreachableError,
} from '../../src/mysql/mysql-errors.ts';

const SECRETS = [ACCOUNTS.agent.password, ACCOUNTS.replication.password, ACCOUNTS.probe.password, 'Wrong-pw-93k1x'];

function leaks(err: unknown): string[] {
  const text = [String(err), (err as Error)?.stack ?? '', inspect(err, { depth: 5 }), JSON.stringify(err)].join('\n');
  return SECRETS.filter((s) => text.includes(s));
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, host, () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  return undefined;
}

t.test('faults give typed errors within the timeout and never leak passwords', async (t) => {
  const c = await startCluster(1, t);
  const inst = c.h.instances[0]!;
  const agent = c.nodes[0]!;
  // Waits until the server is really executing our MASTER_GTID_WAIT, so the fault hits mid-operation.
  const waitRunning = async () => {
    const rc = await sql(inst, c.h);
    try {
      await until('MASTER_GTID_WAIT running', async () => {
        const [rows] = (await rc.query(
          "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT MASTER_GTID_WAIT%'",
        )) as unknown as [{ n: number }[]];
        return Number(rows[0]!.n) > 0;
      });
    } finally {
      rc.destroy();
    }
  };

  await t.test('unreachable host', async (t) => {
    const port = await freePort('127.0.0.1');
    const err = await caught(
      status(new MysqlNode({ host: '127.0.0.1', port, user: 'agent', password: ACCOUNTS.agent.password }), T),
    );
    t.type(err, UnreachableError);
    t.same(leaks(err), []);
  });

  await t.test('wrong password', async (t) => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk, _e, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
    const err = await caught(
      status(
        new MysqlNode({ host: inst.host, port: inst.port, user: 'agent', password: 'Wrong-pw-93k1x' }, { logger }),
        T,
      ),
    );
    t.type(err, AuthFailedError);
    t.match((err as Error).message, /Access denied for user 'agent'/);
    t.same(leaks(err), []);
    t.ok(lines.length > 0, 'the failure was logged');
    t.same(
      SECRETS.filter((s) => lines.join('').includes(s)),
      [],
      'not in the log either',
    );
  });

  await t.test('a failing statement that carried passwords: typed, and the passwords are gone', async (t) => {
    // The probe account may not create users: bootstrap fails on a statement containing the passwords.
    const probe = new MysqlNode({
      host: inst.host,
      port: inst.port,
      user: ACCOUNTS.probe.user,
      password: ACCOUNTS.probe.password,
    });
    const err = await caught(bootstrapUsers(probe, ACCOUNTS, T));
    t.type(err, StatementFailedError);
    t.equal((err as StatementFailedError).errno, 1227, 'access denied for the statement');
    t.same(leaks(err), []);
  });

  await t.test('bad input is refused before any I/O, naming the field', async (t) => {
    t.throws(
      () => new MysqlNode({ host: inst.host, port: 70000, user: 'a', password: 'b' }),
      /endpoint\.port: 70000 is not a TCP port/,
    );
    await t.rejects(status(agent, 0), InvalidArgumentError);
    await t.rejects(
      configureSemiSync(agent, { role: 'source', waitCount: 2 }, T),
      /waitCount: mariadb always waits for exactly one acknowledgement/,
    );
    await t.rejects(
      bootstrapUsers(agent, { ...ACCOUNTS, agent: { user: "x'; DROP", password: 'long-enough-pw' } }, T),
      /agent\.user: must match/,
    );
    await t.rejects(
      bootstrapUsers(agent, { ...ACCOUNTS, probe: { user: 'probe', password: 'short' } }, T),
      /probe\.password: must be a string of at least 8 characters/,
    );
    t.throws(() => parseGtid('mariadb', '0-1-x', 'spec.gtid'), /spec\.gtid: malformed MariaDB GTID list/);
  });

  await t.test('SIGSTOP: a new call and an in-flight call both time out with a typed error', async (t) => {
    c.h.sigstop(inst);
    t.teardown(() => c.h.sigcont(inst));
    const err = await caught(status(agent, 800));
    t.type(err, TimeoutError);
    t.match((err as Error).message, /read status did not finish within 800 ms/);
    c.h.sigcont(inst);
    t.ok((await status(agent, T)).readOnly, 'answers again after SIGCONT');
    // In flight: the wait is running on the server when it stops.
    const never = parseGtid('mariadb', '0-999-5');
    const pending = caught(waitApplied(agent, never, 3000));
    await waitRunning();
    c.h.sigstop(inst);
    const err2 = await pending;
    c.h.sigcont(inst);
    t.type(err2, TimeoutError, 'in-flight call timed out');
  });

  await t.test('an instance that disappears mid-operation', async (t) => {
    const never = parseGtid('mariadb', '0-999-5');
    const pending = caught(waitApplied(agent, never, 10_000));
    await waitRunning();
    await c.h.kill9(inst);
    const err = await pending;
    t.type(err, ConnectionLostError, `typed (${(err as Error)?.name})`);
    t.same(leaks(err), []);
    const err2 = await caught(status(agent, 2000));
    t.type(err2, UnreachableError, 'and afterwards it is unreachable');
    await c.h.restart(inst);
    t.ok((await status(agent, T)).readOnly);
  });
});
