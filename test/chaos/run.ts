// One chaos run: `local` with a MysqlCluster of real mariadbd and agents, the list-append workload through
// the master Service, the read_only probe on every pod, and the seeded nemesis schedule. At the end the
// history is checked (test/support/history/check.ts), the nodes' data compared, and a JSON report and
// an SVG timeline written. docs/chaos.md describes what is injected and checked.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';
import { checkHistory, type CheckResult } from '../support/history/check.ts';
import type { FaultMark, History } from '../support/history/types.ts';
import { prepareSchema, readFinal, Writer, HIST_SCHEMA } from '../support/history/writer.ts';
import { Probe } from '../support/history/probe.ts';
import { eventually } from '../support/eventually.ts';
import { LocalCluster, type PodView } from './local-cluster.ts';
import { inject, currentPrimary, type NemesisDeps } from './nemesis.ts';
import { planFaults, type FaultKind, FAULT_KINDS } from './schedule.ts';
import { IptablesCutter, iptablesUsable } from './iptables.ts';
import { Annotations } from '../../src/api/names.ts';
import { cgroup2Root } from '../../src/local/kubelet/cgroup.ts';
import { renderTimeline, type Timeline } from './timeline.ts';
import { writeHistory } from './history-file.ts';

// Many short lists, not the fault tests' four long ones. Every append rewrites its whole list (one
// row-image pair in the binlog) and every read keeps a copy in the history: with four keys, once
// failovers got faster, a 30-minute run wrote 22 GB of binlog per node in 17 minutes and ran the chaos
// process out of its 4 GB heap.
const KEYS = Array.from({ length: 256 }, (_, i) => `k${i}`);

/** What to run. */
export interface ChaosOptions {
  seed: number;
  /** Stop injecting faults after this long (the run then settles and checks). */
  minutes: number;
  /** At least this many faults even when `minutes` is short. */
  minFaults?: number;
  replicas?: number;
  kinds?: readonly FaultKind[];
  outDir: string;
  /** Keep local's data dir (logs of every pod) instead of deleting it. */
  keepData?: boolean;
  log?: (line: string) => void;
}

/** The figures of a run (the last line `npm run chaos` prints). */
export interface ChaosSummary {
  minutes: number;
  faults: number;
  ops: number;
  acked: number;
  lost_acked_writes: number;
  double_writable_ms: number;
  split_terms: number;
  failover_p50_ms: number | null;
  failover_p99_ms: number | null;
  seed: number;
}

/** Everything a run produced. */
export interface ChaosReport {
  summary: ChaosSummary;
  check: CheckResult;
  converged: boolean;
  checksums: Record<string, string>;
  unrecovered: string[];
  /** Errant nodes the harness re-cloned, as an operator would (docs/chaos.md). */
  reclones: Reclone[];
  skippedKinds: { kind: FaultKind; reason: string }[];
  outDir: string;
}

const WRITER_USER = 'chaos';
const WRITER_PASSWORD = 'chaos-writer-pw';
const MYSQL_PORT = 3306;

function percentile(xs: number[], q: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!);
}

/** The figures from a checked history. */
export function summarise(seed: number, minutes: number, check: CheckResult, faults: number): ChaosSummary {
  const windows = check.faults.map((f) => f.unavailableMs).filter((v): v is number => v !== null);
  return {
    minutes,
    faults,
    ops: check.ops,
    acked: check.acked,
    lost_acked_writes: check.lostAcked,
    double_writable_ms: Math.round(check.doubleWritableMs),
    split_terms: check.violations.filter((v) => v.rule === 'split-term').length,
    failover_p50_ms: percentile(windows, 0.5),
    failover_p99_ms: percentile(windows, 0.99),
    seed,
  };
}

/** The picture's input from a history and its check. */
export function timelineOf(title: string, h: History, check: CheckResult, nodes: string[]): Timeline {
  // Loops, not Math.min(...xs): a 30-minute run has more operations than a call can take arguments.
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const o of h.ops) [t0, t1] = [Math.min(t0, o.invokeMs), Math.max(t1, o.completeMs)];
  for (const p of h.probes) [t0, t1] = [Math.min(t0, p.atMs), Math.max(t1, p.atMs)];
  return {
    title,
    durationMs: Math.max(1, t1 - t0),
    nodes,
    ops: h.ops.map((o) => ({ at: o.completeMs - t0, latencyMs: o.completeMs - o.invokeMs, outcome: o.type })),
    faults: h.faults.map((f) => ({
      kind: f.name.split(' ')[0]!,
      start: f.atMs - t0,
      end: (f.healedMs ?? f.atMs) - t0,
    })),
    writable: check.intervals.map((i) => ({ node: i.node, start: i.fromMs - t0, end: i.toMs - t0 })),
  };
}

/** timeline.svg and history.jsonl next to report.json. */
async function writeOutputs(dir: string, title: string, history: History, check: CheckResult, nodes: string[]) {
  writeFileSync(join(dir, 'timeline.svg'), renderTimeline(timelineOf(title, history, check, nodes)));
  await writeHistory(join(dir, 'history.jsonl'), history);
}

async function rootConnection(host: string, password: string): Promise<Connection> {
  return createConnection({ host, port: MYSQL_PORT, user: 'root', password, connectTimeout: 5000 });
}

/** Waits until every pod answers the same CHECKSUM TABLE; returns the checksums seen last. */
async function converge(pods: PodView[], password: string, timeoutMs: number): Promise<Record<string, string>> {
  let last: Record<string, string> = {};
  try {
    await eventually(
      async () => {
        last = {};
        for (const p of pods) {
          const c = await rootConnection(p.ip, password).catch(() => undefined);
          if (!c) return false;
          try {
            const [rows] = await c.query(`CHECKSUM TABLE ${HIST_SCHEMA}.lists`);
            last[p.name] = String((rows as { Checksum: unknown }[])[0]?.Checksum);
          } finally {
            await c.end().catch(() => undefined);
          }
        }
        return new Set(Object.values(last)).size === 1;
      },
      'every node to hold the same data',
      timeoutMs,
      1000,
    );
  } catch {
    // Reported as not converged, with the checksums seen.
  }
  return last;
}

/** Each key's final list, read through the master Service once it serves again. */
async function finalLists(master: string, password: string): Promise<Record<string, number[]>> {
  return eventually(
    async () => {
      const c = await rootConnection(master, password).catch(() => undefined);
      if (!c) return undefined;
      try {
        return await readFinal(c, KEYS);
      } catch {
        return undefined;
      } finally {
        await c.end().catch(() => undefined);
      }
    },
    'the final lists through the master Service',
    180_000,
    1000,
  );
}

class PodCache {
  pods: PodView[] = [];
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly c: LocalCluster) {}
  async start(): Promise<void> {
    this.pods = await this.c.pods();
    const tick = () => {
      this.timer = setTimeout(() => {
        this.c
          .pods()
          .then((p) => (this.pods = p))
          .catch(() => undefined)
          .finally(() => this.timer && tick());
      }, 1000);
    };
    tick();
  }
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** An errant node re-cloned after a fault. */
export interface Reclone {
  after: string;
  pod: string;
  /** Whether it came back as a healthy replica. */
  rejoined: boolean;
}

/**
 * Nodes the agents report errant (a primary cut off commits what its clients sent while it waited for
 * acknowledgements; none of it was acknowledged) are re-cloned, so the next faults meet three nodes.
 * Waits until each is a ready, non-errant replica again.
 */
async function recloneErrant(c: LocalCluster, after: string, log: (l: string) => void): Promise<Reclone[]> {
  const errant = (await c.pods().catch(() => [])).filter((p) => p.errant);
  const out: Reclone[] = [];
  for (const p of errant) {
    log(`  ${p.name} is errant: re-cloning it`);
    await c.reclone(p.name);
    let rejoined = true;
    try {
      await eventually(
        async () => {
          const now = (await c.pods()).find((x) => x.name === p.name);
          return now && now.uid !== p.uid && now.ready && now.role === 'replica' && !now.errant;
        },
        `${p.name} back as a healthy replica`,
        240_000,
        1000,
      );
    } catch {
      rejoined = false;
      log(`  ${p.name} did not come back as a healthy replica within 240 s`);
    }
    out.push({ after, pod: p.name, rejoined });
  }
  return out;
}

/** Kinds this machine cannot inject, with why. */
async function unavailableKinds(): Promise<{ kind: FaultKind; reason: string }[]> {
  const net: FaultKind[] = ['partition-primary', 'partition-heal-mid-failover', 'apiserver-down'];
  if (cgroup2Root() && (await iptablesUsable())) return [];
  return net.map((kind) => ({ kind, reason: 'needs root, iptables and a writable cgroup v2 hierarchy' }));
}

/** Waits until a primary pod is ready and the workload acknowledged a write invoked after `since`. */
async function recovered(c: LocalCluster, w: Writer, since: number, timeoutMs: number): Promise<boolean> {
  try {
    await eventually(
      async () => {
        const p = await currentPrimary(c).catch(() => undefined);
        return p?.ready && w.ops.some((o) => o.kind === 'append' && o.type === 'ok' && o.invokeMs >= since);
      },
      'a ready primary acknowledging writes',
      timeoutMs,
      250,
    );
    return true;
  } catch {
    return false;
  }
}

/** Runs the chaos and returns its report; output files go to `o.outDir`. */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? ((l: string) => console.log(l));
  const replicas = o.replicas ?? 3;
  const dataDir = mkdtempSync(join(tmpdir(), 'mro-chaos-'));
  mkdirSync(o.outDir, { recursive: true });
  const cluster = new LocalCluster({ dataDir, replicas });
  const net = new IptablesCutter();
  const skippedKinds = await unavailableKinds();
  const kinds = (o.kinds ?? FAULT_KINDS).filter((k) => !skippedKinds.some((s) => s.kind === k));
  for (const s of skippedKinds) log(`not injected: ${s.kind} (${s.reason})`);
  const electionTimeoutMs = 3000;
  const plan = planFaults(o.seed, 10_000, electionTimeoutMs, kinds);
  log(`chaos seed ${o.seed}: ${o.minutes} min, ${replicas} nodes, data in ${dataDir}`);
  const pods = new PodCache(cluster);
  let writer: Writer | undefined;
  let probe: Probe | undefined;
  try {
    await cluster.startLocal();
    await cluster.apply();
    const ready = await cluster.waitReady(240_000);
    log(`ready: primary ${ready.master}`);
    const password = await cluster.rootPassword();
    const master = await cluster.masterAddress();
    const root = await rootConnection(master, password);
    await prepareSchema(root, WRITER_USER, WRITER_PASSWORD, KEYS);
    await root.end();
    await pods.start();
    writer = new Writer({
      keys: KEYS,
      endpoints: () => [{ host: master, port: MYSQL_PORT }],
      user: WRITER_USER,
      password: WRITER_PASSWORD,
      clients: 4,
    });
    probe = new Probe({
      nodes: () => pods.pods.filter((p) => p.ip).map((p) => ({ name: p.name, host: p.ip, port: MYSQL_PORT })),
      user: 'root',
      password,
    });
    writer.start();
    probe.start();
    const apiUrl = new URL(readFileSync(cluster.kubeconfig, 'utf8').match(/server: (\S+)/)![1]!);
    const deps: NemesisDeps = {
      cluster,
      net,
      now: () => performance.now(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      log,
      apiServer: { ip: apiUrl.hostname, port: Number(apiUrl.port) },
      switchoverDone: async (ms) => {
        try {
          await eventually(
            async () => !(await cluster.cluster()).metadata?.annotations?.[Annotations.switchoverTo],
            'switchover annotation removed',
            ms,
            250,
          );
          return true;
        } catch {
          return false;
        }
      },
    };
    const marks: FaultMark[] = [];
    const unrecovered: string[] = [];
    const reclones: Reclone[] = [];
    const end = performance.now() + o.minutes * 60_000;
    await deps.sleep(3000);
    for (const f of plan) {
      if (performance.now() >= end && marks.length >= (o.minFaults ?? 0)) break;
      const mark = await inject(deps, f);
      if (!mark) {
        log(`fault ${f.index}: no primary to hit; waiting`);
        await recovered(cluster, writer, performance.now(), 120_000);
        continue;
      }
      marks.push(mark);
      const ok = await recovered(cluster, writer, mark.healedMs ?? mark.atMs, 180_000);
      if (!ok) {
        unrecovered.push(mark.name);
        log(`  NOT recovered within 180 s after ${mark.name}`);
      }
      reclones.push(...(await recloneErrant(cluster, mark.name, log)));
      await deps.sleep(f.quietMs);
    }
    const ops = await writer.stop();
    writer = undefined;
    const samples = await probe.stop();
    probe = undefined;
    await cluster.waitReady(180_000).catch(() => log('the cluster is not Ready at the end'));
    const final = await finalLists(master, password);
    const checksums = await converge(await cluster.pods(), password, 120_000);
    const history: History = { ops, probes: samples, faults: marks, final };
    const check = checkHistory(history);
    const converged = new Set(Object.values(checksums)).size === 1;
    const summary = summarise(o.seed, o.minutes, check, marks.length);
    const report: ChaosReport = {
      summary,
      check,
      converged,
      checksums,
      unrecovered,
      reclones,
      skippedKinds,
      outDir: o.outDir,
    };
    // The report first: it is what a run is for; a failure writing the rest must not lose it.
    writeFileSync(join(o.outDir, 'report.json'), JSON.stringify(report, null, 2));
    const nodes = [...Array(replicas).keys()].map((i) => `${cluster.name}-${i}`);
    await writeOutputs(o.outDir, `chaos seed ${o.seed}: ${marks.length} faults`, history, check, nodes).catch(
      (err: unknown) => log(`writing the timeline or the history failed: ${(err as Error).message}`),
    );
    return report;
  } finally {
    pods.stop();
    await writer?.stop().catch(() => undefined);
    await probe?.stop().catch(() => undefined);
    await net.close();
    await cluster.stop();
    if (o.keepData) log(`data kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}
