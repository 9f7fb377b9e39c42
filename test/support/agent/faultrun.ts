// One fault run: three real mariadbd and three agent processes (env.ts), the history writer and the
// read_only probe (test/support/history) running throughout, fault marks, and at the end the checker's
// verdict on the whole history with the final lists read on the primary. Used by the fault tests
// (test/agent/faults-*.test.ts) and the failover bench (bench/failover.ts).
import { fromAddress } from '../history/client-address.ts';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';
import type { Test } from 'tap';
import { templateDir } from '../mariadb/template.ts';
import { ADMIN, AgentEnv, ROOT_PASSWORD, type AgentEnvOptions, type AgentStatus } from './env.ts';
import { eventually } from '../eventually.ts';
import { Writer, prepareSchema, readFinal, type WriterOptions } from '../history/writer.ts';
import { Probe } from '../history/probe.ts';
import { checkHistory, type CheckResult } from '../history/check.ts';
import type { FaultMark, History } from '../history/types.ts';
import type { NetNode } from '../netfault.ts';

export const APP_USER = 'hist_app';
const APP_PASSWORD = 'Hist-app-pw-5e6f';

/** What the run reads from each agent's /status. */
export interface NodeView {
  role: string;
  term: number;
  primary: string | null;
  writable: boolean;
  from: string | null;
  errant: boolean;
  up: boolean;
}

export interface FaultRunOptions extends AgentEnvOptions {
  writer?: Partial<WriterOptions>;
  /** A line of progress (tests: t.comment). */
  say?: (msg: string) => void;
}

function view(s: AgentStatus | undefined): NodeView | undefined {
  return s
    ? {
        role: s.raft.role,
        term: s.raft.term,
        primary: s.state.primary?.pod ?? null,
        writable: s.mysql.writable === true,
        from: s.mysql.replicatingFrom ?? null,
        errant: s.mysql.errant === true,
        up: s.mysql.up,
      }
    : undefined;
}

export class FaultRun {
  readonly faults: FaultMark[] = [];
  /** Leaders seen per term by the /status sampler. */
  readonly leadersOfTerm = new Map<number, Set<string>>();
  /** Every leader the /status sampler saw, and when. */
  readonly leaderSightings: { pod: string; term: number; atMs: number }[] = [];
  writer!: Writer;
  probe!: Probe;
  /** Source address of every client connection of the run (writer, probe, root helper). */
  readonly clientAddress = `127.0.9.${20 + (process.pid % 200)}`;
  private constructor(
    readonly env: AgentEnv,
    private readonly say: (msg: string) => void,
  ) {}

  static async start(o: FaultRunOptions = {}): Promise<FaultRun> {
    const env = await AgentEnv.start({ ...o, mysql: true });
    const run = new FaultRun(env, o.say ?? (() => {}));
    try {
      for (let i = 0; i < env.replicas; i++) env.launch(i);
      const { l } = await run.settle([], 300_000);
      await run.root(l, async (c) => prepareSchema(c, APP_USER, APP_PASSWORD));
      run.writer = new Writer({
        endpoints: () => env.agents.map((a) => ({ host: a.ip, port: env.mysqlPort })),
        user: APP_USER,
        password: APP_PASSWORD,
        localAddress: run.clientAddress,
        // About 100 transactions a second per client at most: a steady load, not a flood that makes
        // replicas lag by seconds on a small shared machine (failover would then measure the lag).
        thinkMs: 10,
        ...o.writer,
      });
      run.probe = new Probe({
        nodes: () => env.agents.map((a) => ({ name: a.pod, host: a.ip, port: env.mysqlPort })),
        user: 'root',
        password: ROOT_PASSWORD,
        localAddress: run.clientAddress,
      });
      run.probe.start();
      run.writer.start();
      await run.acksOn(l, 10);
      run.say(`${env.agents[l]!.pod} is primary; the writer has acknowledged writes on it`);
    } catch (err) {
      await run.stop();
      throw err;
    }
    return run;
  }

  node(i: number): NetNode {
    const a = this.env.agents[i]!;
    return { ip: a.ip, gid: a.gid };
  }

  /** Every node's /status, recording the leader of each term seen. */
  async sample(): Promise<(NodeView | undefined)[]> {
    const all = await Promise.all(this.env.agents.map((_, i) => this.env.status(i)));
    all.forEach((s, i) => {
      if (s?.raft.role !== 'leader') return;
      const set = this.leadersOfTerm.get(s.raft.term) ?? new Set();
      set.add(this.env.agents[i]!.pod);
      this.leadersOfTerm.set(s.raft.term, set);
      this.leaderSightings.push({ pod: this.env.agents[i]!.pod, term: s.raft.term, atMs: performance.now() });
    });
    return all.map(view);
  }

  /** A leader that is the writable primary while every other node not in `skip` is a read-only
   * replica of it; the leader is never one of `skip`. */
  settledIn(s: (NodeView | undefined)[], skip: number[] = []): { l: number } | undefined {
    const l = s.findIndex((x, i) => !skip.includes(i) && x?.role === 'leader' && x.writable);
    if (l < 0) return undefined;
    const pod = this.env.agents[l]!.pod;
    const ok = s.every(
      (x, i) => i === l || skip.includes(i) || (x && !x.writable && x.from === pod && x.primary === pod),
    );
    return ok && s[l]!.primary === pod ? { l } : undefined;
  }

  async settle(skip: number[] = [], timeoutMs = 120_000): Promise<{ l: number }> {
    return eventually(
      async () => this.settledIn(await this.sample(), skip),
      `a writable primary and read-only replicas of it (ignoring ${skip.map((i) => this.env.agents[i]!.pod).join(', ') || 'none'})`,
      timeoutMs,
      100,
    );
  }

  /** The index of the current leader by /status, if one answers. */
  async leader(): Promise<number> {
    const s = await this.sample();
    return s.findIndex((x) => x?.role === 'leader');
  }

  /** Waits until the writer has `n` more acknowledged appends served by node `i`. */
  async acksOn(i: number, n: number, timeoutMs = 120_000): Promise<void> {
    const uuid = await this.root(i, async (c) => {
      const [rows] = await c.query('SELECT @@server_id AS u');
      return String((rows as { u: string | number }[])[0]!.u);
    });
    const count = () => this.writer.ops.filter((o) => o.type === 'ok' && o.serverUuid === uuid).length;
    const start = count();
    await eventually(
      () => count() >= start + n,
      `${n} writes acknowledged by ${this.env.agents[i]!.pod}`,
      timeoutMs,
      50,
    );
  }

  /** Runs `fn` on an admin connection to node `i` (from the client address, so partitions let it pass):
   * the agents' own account, which may write on a read-only node (root may not, once an agent ran). */
  async root<T>(i: number, fn: (c: Connection) => Promise<T>): Promise<T> {
    const a = this.env.agents[i]!;
    const c = await createConnection({
      ...fromAddress(a.ip, this.env.mysqlPort, this.clientAddress),
      ...ADMIN,
      connectTimeout: 5000,
    });
    c.on('error', () => {});
    try {
      return await fn(c);
    } finally {
      c.destroy();
    }
  }

  /** Records a fault at this instant. */
  mark(name: string): FaultMark {
    const f: FaultMark = { name, atMs: performance.now() };
    this.faults.push(f);
    this.say(`fault: ${name}`);
    return f;
  }

  /** Stops the workload on a settled cluster, reads the final lists on its primary, and checks. */
  async finish(skip: number[] = []): Promise<{ result: CheckResult; history: History; primary: number }> {
    const { l } = await this.settle(skip);
    await this.acksOn(l, 5);
    const ops = await this.writer.stop();
    const probes = await this.probe.stop();
    const final = await this.root(l, (c) => readFinal(c));
    const history: History = { ops, probes, faults: this.faults, final };
    const result = checkHistory(history);
    this.say(
      `history: ${result.ops} ops, ${result.acked} acknowledged, ${probes.length} probe samples; ` +
        `violations ${result.violations.length}; windows ${result.faults.map((f) => `${f.name}: ${f.unavailableMs?.toFixed(0)} ms`).join(', ')}`,
    );
    for (const v of result.violations.slice(0, 20)) this.say(`violation ${v.rule}: ${v.detail}`);
    return { result, history, primary: l };
  }

  /** Waits until node `old` is back as a read-only replica of the primary, or read-only and detached
   * saying it is errant (what it committed locally after its last acknowledgement: a crashed
   * mysqld's recovery commits the transactions its binary log holds); returns which. */
  async backAs(old: number, timeoutMs = 300_000): Promise<'replica' | 'errant'> {
    return eventually(
      async () => {
        const all = await this.sample();
        const s = all[old];
        const primary = all.findIndex((x, i) => i !== old && x?.role === 'leader' && x.writable);
        if (!s || s.writable || primary < 0) return undefined;
        if (s.from === this.env.agents[primary]!.pod && s.role === 'follower') return 'replica' as const;
        return s.errant && s.from === null ? ('errant' as const) : undefined;
      },
      `${this.env.agents[old]!.pod} back as a replica, or detached as errant`,
      timeoutMs,
      100,
    );
  }

  /** Node `old` back as a replica; an errant one is replaced by a fresh node first (as an operator
   * re-clones it). Returns what it came back as. */
  async rejoin(old: number): Promise<'replica' | 'errant'> {
    const how = await this.backAs(old);
    if (how === 'errant') {
      this.say(`${this.env.agents[old]!.pod} came back errant: replaced by a fresh node`);
      await this.reclone(old);
      await this.backAs(old);
    }
    return how;
  }

  /** Makes node `e` errant as an operator's mistake would: its agent dies, a transaction is written on
   * its mysqld directly (root may write on a read-only MariaDB), the agent comes back. Returns its
   * status once it reports itself errant. */
  async makeErrant(e: number): Promise<AgentStatus> {
    const epod = this.env.agents[e]!.pod;
    this.env.signal(e, 'SIGKILL');
    await eventually(async () => (await this.env.status(e)) === undefined, `${epod}'s agent gone`);
    await this.root(e, async (c) => {
      await c.query('STOP SLAVE');
      await c.query('CREATE DATABASE IF NOT EXISTS errant_write');
    });
    this.mark(`${epod} rejoins with an errant transaction`);
    this.env.launch(e);
    return eventually(
      async () => {
        const s = await this.env.status(e);
        return s?.mysql.errant === true ? s : undefined;
      },
      `${epod} reporting errant in /status`,
      300_000,
      100,
    );
  }

  /** Replaces node `i` by a fresh, empty mysqld (a new pod on a new volume, as an operator would
   * recover an errant node) and restarts its agent: it comes back as a replica that replays the
   * primary's binary log. */
  async reclone(i: number): Promise<void> {
    const h = this.env.harness!;
    const inst = h.instances[i]!;
    this.env.signal(i, 'SIGKILL');
    await h.kill9(inst);
    rmSync(inst.dataDir, { recursive: true, force: true });
    cpSync(join(templateDir(), 'data'), inst.dataDir, { recursive: true });
    await h.restart(inst);
    const c = await createConnection({ ...h.root(inst), connectTimeout: 5000 });
    try {
      await c.query('SET SESSION sql_log_bin = 0');
      const [hosts] = await c.query("SELECT Host AS host FROM mysql.user WHERE User = 'root'");
      for (const { host } of hosts as { host: string }[])
        await c.query(`ALTER USER 'root'@'${host}' IDENTIFIED BY '${ROOT_PASSWORD}'`).catch(() => undefined);
    } finally {
      c.destroy();
    }
    this.env.launch(i);
  }

  /** The checker on the history so far, with the lists read now on the current primary `l`: operations
   * still in flight count as unknown outcomes. */
  async checkNow(l: number): Promise<CheckResult> {
    const readAt = performance.now();
    const final = await this.root(l, (c) => readFinal(c));
    // Operations not complete when the read began may or may not be in it: unknown outcomes.
    const ops = this.writer.ops.map((o) =>
      o.completeMs === 0 || o.completeMs >= readAt ? { ...o, type: 'info' as const, completeMs: Infinity } : o,
    );
    return checkHistory({ ops, probes: [...this.probe.samples], faults: this.faults, final });
  }

  /** Leaders seen in one term, when more than one. */
  splitTerms(): string[] {
    return [...this.leadersOfTerm].filter(([, s]) => s.size > 1).map(([t, s]) => `${t}: ${[...s].join(', ')}`);
  }

  /** The last log lines of every agent (for a failing test). */
  logs(lines = 25): string {
    return this.env.agents
      .map(
        (a) =>
          `${a.pod}:\n${a.log
            .join('')
            .split('\n')
            .filter((l) => !l.includes('eligibility'))
            .slice(-lines)
            .join('\n')}`,
      )
      .join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all([this.writer?.stop(), this.probe?.stop()]);
    await this.env.stop();
  }
}

/** The three promises checked after every fault: the history checks, no acknowledged write lost, never two
 * writable nodes at a probed instant. */
export function expectClean(t: Test, r: CheckResult, what: string): void {
  t.same(r.violations.slice(0, 10), [], `${what}: the history checks (${r.acked} acknowledged of ${r.ops})`);
  t.equal(r.lostAcked, 0, `${what}: every acknowledged write is on the primary`);
  t.equal(r.doubleWritableMs, 0, `${what}: never two writable nodes at a probed instant`);
}
