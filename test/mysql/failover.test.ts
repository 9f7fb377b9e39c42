// Failover against real servers: kill -9 the primary under continuous writes, run the primitive sequence
// (revoke, choose, wait, promote, repoint) and check that every acknowledged INSERT survived; then
// restart the old primary and check errant detection both ways.
import t from 'tap';
import type { Connection } from 'mysql2/promise';
import { ACCOUNTS, replicate, sourceOf, sql, startCluster, T, until, type Cluster } from './cluster.ts';
import { failover, type FailoverMember } from '../../src/mysql/failover.ts';
import { detectErrant, type ErrantReport } from '../../src/mysql/errant.ts';
import { pointAt, stopIo, waitApplied } from '../../src/mysql/replication.ts';
import { status } from '../../src/mysql/status.ts';

function members(c: Cluster, idx: number[]): FailoverMember[] {
  return idx.map((i) => ({
    name: c.h.instances[i]!.name,
    node: c.nodes[i]!,
    host: c.h.instances[i]!.host,
    port: c.h.instances[i]!.port,
  }));
}

/** After the primary `pi` was killed: fail over among `attached`, restart `pi`, and check it against the
 * new primary `ni`. */
async function failoverAndRestart(
  c: Cluster,
  pi: number,
  attached: number[],
): Promise<{ ni: number; rep: ErrantReport }> {
  const res = await failover({
    replicas: members(c, attached),
    replicationUser: ACCOUNTS.replication.user,
    replicationPassword: ACCOUNTS.replication.password,
    timeoutMs: T,
  });
  const ni = c.h.instances.findIndex((i) => i.name === res.candidate);
  await c.h.restart(c.h.instances[pi]!);
  return { ni, rep: await detectErrant(c.nodes[pi]!, c.nodes[ni]!, T) };
}

async function ids(conn: Connection): Promise<Set<number>> {
  const [rows] = (await conn.query('SELECT id FROM app.t')) as unknown as [{ id: number }[]];
  return new Set(rows.map((r) => Number(r.id)));
}

/** Inserts until the connection fails; returns the ids whose INSERT returned OK. */
async function writeUntilDead(conn: Connection, from: number, acked: number[]): Promise<void> {
  for (let id = from; ; id++) {
    try {
      await conn.query('INSERT INTO app.t (id) VALUES (?)', [id]);
      acked.push(id);
    } catch {
      return;
    }
  }
}

t.test('failover after kill -9 under writes loses no acknowledged row; old primary errant or not', async (t) => {
  const c = await startCluster(3, t);
  await replicate(c, 0);
  const p0 = await sql(c.h.instances[0]!, c.h);
  await p0.query('CREATE DATABASE app');
  await p0.query('CREATE TABLE app.t (id INT PRIMARY KEY)');
  // Which instance is primary after each subtest (subtests run in order on one cluster).
  const state = { newPrimary: 0 };

  await t.test('kill -9 during continuous inserts: every acknowledged row is on the new primary', async (t) => {
    const acked: number[] = [];
    const writer = writeUntilDead(p0, 1, acked);
    await until('some acknowledged writes', async () => acked.length >= 200);
    await c.h.kill9(c.h.instances[0]!);
    await writer;
    p0.destroy();
    const res = await failover({
      replicas: members(c, [1, 2]),
      replicationUser: ACCOUNTS.replication.user,
      replicationPassword: ACCOUNTS.replication.password,
      timeoutMs: T,
      ackCount: 1,
    });
    t.comment(`candidate ${res.candidate}: ${res.reason}; steps ${JSON.stringify(res.stepsMs)}`);
    const ni = c.h.instances.findIndex((i) => i.name === res.candidate);
    const np = await sql(c.h.instances[ni]!, c.h);
    t.teardown(() => np.destroy());
    const have = await ids(np);
    const lost = acked.filter((id) => !have.has(id));
    t.same(lost, [], `all ${acked.length} acknowledged rows present on ${res.candidate}`);
    const st = await status(c.nodes[ni]!, T);
    t.notOk(st.readOnly, 'new primary writable');
    t.ok(st.semiSync.sourceEnabled, 'new primary semi-sync source');
    t.equal(st.replica, null, 'new primary has no replication source');
    // The repointed replica follows the new primary.
    await np.query('INSERT INTO app.t (id) VALUES (1000000)');
    const other = 3 - ni;
    await waitApplied(c.nodes[other]!, (await status(c.nodes[ni]!, T)).executed, T);
    t.equal((await status(c.nodes[other]!, T)).replica?.sourcePort, c.h.instances[ni]!.port, 'other replica repointed');

    // The old primary comes back read-only; whatever it has beyond the new primary was never acknowledged.
    await c.h.restart(c.h.instances[0]!);
    const rep = await detectErrant(c.nodes[0]!, c.nodes[ni]!, T);
    const op = await sql(c.h.instances[0]!, c.h);
    t.teardown(() => op.destroy());
    const oldIds = await ids(op);
    const extra = [...oldIds].filter((id) => !have.has(id));
    const ackedSet = new Set(acked);
    t.same(
      extra.filter((id) => ackedSet.has(id)),
      [],
      'rows only on the old primary were never acknowledged',
    );
    t.equal(
      rep.errant,
      extra.length > 0,
      `errant=${rep.errant} matches the rows only the old primary has (${extra.length})`,
    );
    t.ok((await status(c.nodes[0]!, T)).readOnly, 'restarted old primary is read-only');
    // Put the cluster back in shape for the next subtests: db1 is reinitialised as a replica only if not errant.
    if (!rep.errant) {
      await pointAt(c.nodes[0]!, sourceOf(c.h.instances[ni]!), T);
    }
    state.newPrimary = ni;
  });

  await t.test('a quiet kill -9: the restarted old primary is not errant and rejoins', async (t) => {
    const pi = state.newPrimary;
    const ri = [0, 1, 2].filter((i) => i !== pi);
    const pc = await sql(c.h.instances[pi]!, c.h);
    for (let i = 0; i < 20; i++) await pc.query('INSERT INTO app.t (id) VALUES (?)', [2_000_000 + i]);
    const sp = await status(c.nodes[pi]!, T);
    pc.destroy();
    // Replicas that are attached catch up; an errant leftover from the previous subtest is excluded.
    const attached: number[] = [];
    for (const i of ri) if ((await status(c.nodes[i]!, T)).replica) attached.push(i);
    await Promise.all(attached.map((i) => waitApplied(c.nodes[i]!, sp.executed, T)));
    await c.h.kill9(c.h.instances[pi]!);
    const { ni, rep } = await failoverAndRestart(c, pi, attached);
    t.equal(rep.errant, false, `not errant (${rep.gtids})`);
    await pointAt(c.nodes[pi]!, sourceOf(c.h.instances[ni]!), T);
    const nc = await sql(c.h.instances[ni]!, c.h);
    await nc.query('INSERT INTO app.t (id) VALUES (3000000)');
    nc.destroy();
    await waitApplied(c.nodes[pi]!, (await status(c.nodes[ni]!, T)).executed, T);
    const oc = await sql(c.h.instances[pi]!, c.h);
    t.ok((await ids(oc)).has(3000000), 'the old primary replicates from the new one');
    oc.destroy();
    state.newPrimary = ni;
  });

  await t.test(
    "an unacknowledged commit is cut by the old primary's crash recovery: not errant after restart",
    async (t) => {
      const pi = state.newPrimary;
      const ri = [0, 1, 2].filter((i) => i !== pi);
      const attached: number[] = [];
      for (const i of ri) if ((await status(c.nodes[i]!, T)).replica) attached.push(i);
      t.ok(attached.length >= 1, 'at least one attached replica');
      await Promise.all(attached.map((i) => stopIo(c.nodes[i]!, T)));
      const w = await sql(c.h.instances[pi]!, c.h);
      let acked = false;
      const write = w.query('INSERT INTO app.t (id) VALUES (4000000)').then(
        () => (acked = true),
        () => false,
      );
      const pc = await sql(c.h.instances[pi]!, c.h);
      await until('insert binlogged and waiting for an ack', async () => {
        const [rows] = (await pc.query(
          "SELECT STATE FROM information_schema.PROCESSLIST WHERE INFO LIKE 'INSERT INTO app.t (id) VALUES (4000000)%'",
        )) as unknown as [{ STATE: string }[]];
        return rows[0]?.STATE === 'Waiting for semi-sync ACK from slave';
      });
      pc.destroy();
      await c.h.kill9(c.h.instances[pi]!);
      await write;
      w.destroy();
      t.notOk(acked, 'the client never got an acknowledgement');
      // Crash recovery as a replica (init_rpl_role = SLAVE, as the operator's my.cnf and the harness
      // run it) rolls the prepared transaction back and cuts it from the binlog instead of committing it.
      const { ni, rep } = await failoverAndRestart(c, pi, attached);
      t.equal(rep.errant, false, `not errant (${rep.gtids || 'nothing the new primary lacks'})`);
      const oc = await sql(c.h.instances[pi]!, c.h);
      t.notOk((await ids(oc)).has(4000000), 'the unacknowledged row is gone from the restarted old primary');
      oc.destroy();
      const nc = await sql(c.h.instances[ni]!, c.h);
      t.notOk((await ids(nc)).has(4000000), 'the unacknowledged row is not on the new primary');
      nc.destroy();
    },
  );
});
