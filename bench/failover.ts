// Failover figures on real processes: three mariadbd and three agents (the fault tests' FaultRun), the
// history writer and the 50 ms read_only probe running throughout, and N runs of each kind of fault:
// graceful stop (SIGTERM of the primary's agent), kill -9 of the primary's mysqld, kill -9 of its
// agent, and a silent loss (the primary partitioned from the others with iptables; SIGSTOP of its
// agent when iptables is missing). Write unavailability = from the fault to the first write
// acknowledged by the new primary, as the writer saw it. The whole history goes through the checker:
// lost acknowledged writes and double-writable time come from it. Last line: one JSON object.
//   npm run bench:failover -- [--runs 20] [--election-timeout 3s] [--kinds graceful,mysqld_crash,agent_crash,silent]
//                             [--crash-fence]   (--help says what each does)
import { writeFileSync } from 'node:fs';
import { FaultRun } from '../test/support/agent/faultrun.ts';
import { NetFault, iptablesMissing } from '../test/support/netfault.ts';
import { eventually } from '../test/support/eventually.ts';
import { parseDuration } from '../src/api/duration.ts';

type Kind = 'graceful' | 'mysqld_crash' | 'agent_crash' | 'silent';
const ALL_KINDS: Kind[] = ['graceful', 'mysqld_crash', 'agent_crash', 'silent'];

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

function percentile(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!);
}

const USAGE = `usage: npm run bench:failover -- [--runs N] [--election-timeout 3s] [--kinds ${ALL_KINDS.join(',')}]
  --runs              runs of each kind (default 20)
  --election-timeout  spec.raft.electionTimeout of the cluster (default 3s)
  --kinds             which faults, comma-separated (default all)
  --crash-fence       give the agents their mysqld's pid file (fencing by crash) and restart a mysqld
                      that exits, as a kubelet does (default off)
`;
if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const KNOWN = new Set(['--runs', '--election-timeout', '--kinds', '--crash-fence']);
for (const a of process.argv.slice(2))
  if (a.startsWith('-') && !KNOWN.has(a)) throw new Error(`unknown option ${a}\n${USAGE}`);
const crashFence = process.argv.includes('--crash-fence');
const KINDS = arg('kinds', ALL_KINDS.join(',')).split(',') as Kind[];
for (const k of KINDS)
  if (!ALL_KINDS.includes(k)) throw new Error(`--kinds ${k}: must be among ${ALL_KINDS.join(', ')}`);
const runs = Number(arg('runs', '20'));
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${arg('runs', '')}: must be a positive integer`);
const electionTimeout = arg('election-timeout', '3s');
const electionTimeoutMs = parseDuration(electionTimeout);
const say = (m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`);

const noIptables = iptablesMissing();
if (noIptables) say(`silent loss by SIGSTOP of the primary's agent: ${noIptables}`);
const net = new NetFault();
const run = await FaultRun.start({ spec: { raft: { electionTimeout } }, say, crashFence });
const h = run.env.harness!;
let recloned = 0;

async function inject(kind: Kind, l: number): Promise<void> {
  switch (kind) {
    case 'graceful':
      run.env.signal(l, 'SIGTERM');
      return;
    case 'mysqld_crash':
      await h.kill9(h.instances[l]!);
      return;
    case 'agent_crash':
      run.env.signal(l, 'SIGKILL');
      return;
    case 'silent':
      if (noIptables) run.env.signal(l, 'SIGSTOP');
      else
        net.partition(
          run.node(l),
          [0, 1, 2].filter((i) => i !== l).map((i) => run.node(i)),
          run.env.mysqlPort,
          run.clientAddress,
        );
  }
}

async function recover(kind: Kind, l: number): Promise<void> {
  if (kind === 'mysqld_crash') await h.restart(h.instances[l]!);
  else if (kind === 'silent') {
    if (noIptables) run.env.signal(l, 'SIGCONT');
    else net.heal();
  } else {
    await eventually(() => run.env.agents[l]!.proc === null, `${run.env.agents[l]!.pod}'s agent exited`, 60_000);
    run.env.launch(l);
  }
  // Back as a replica, or errant (it committed locally what was never acknowledged): then replaced.
  const pod = run.env.agents[l]!.pod;
  const state = await eventually(
    async () => {
      const s = (await run.sample())[l];
      if (!s || s.writable) return undefined;
      if (s.errant) return 'errant';
      return s.from && s.role === 'follower' ? 'replica' : undefined;
    },
    `${pod} back`,
    300_000,
    100,
  );
  if (state === 'errant') {
    recloned++;
    say(`${pod} came back errant: replaced by a fresh node`);
    await run.reclone(l);
  }
}

// FAILOVER_LOGS=<file>: the agents' last log lines, for finding out where a slow failover spent its
// time: <file>.<kind>-<n> after each failover, <file> at the end.
const logFile = process.env['FAILOVER_LOGS'];
try {
  if (!noIptables) net.install();
  for (let r = 0; r < runs; r++)
    for (const kind of KINDS) {
      const { l } = await run.settle([], 300_000);
      await run.acksOn(l, 3);
      const mark = run.mark(`${kind} #${r + 1} (${run.env.agents[l]!.pod})`);
      await inject(kind, l);
      const { l: next } = await run.settle([l], 300_000);
      await run.acksOn(next, 1);
      say(
        `${kind} #${r + 1}: ${run.env.agents[next]!.pod} took over after ${(performance.now() - mark.atMs).toFixed(0)} ms`,
      );
      if (logFile) writeFileSync(`${logFile}.${kind}-${r + 1}`, run.logs(400));
      await recover(kind, l);
      mark.healedMs = performance.now();
    }
  const { result } = await run.finish();
  const by = (k: Kind) =>
    result.faults.filter((f) => f.name.startsWith(`${k} `) && f.unavailableMs !== null).map((f) => f.unavailableMs!);
  for (const f of result.faults)
    say(`${f.name}: ${f.unavailableMs?.toFixed(0)} ms${f.primaryChanged ? '' : ' (no change of primary seen)'}`);
  for (const v of result.violations.slice(0, 20)) say(`violation ${v.rule}: ${v.detail}`);
  say(
    `${result.ops} operations, ${result.acked} acknowledged; ${result.violations.length} violations; ` +
      `${result.doubleWritableSamples} double-writable samples; ${recloned} errant nodes replaced; split terms: ${run.splitTerms().join('; ') || 'none'}`,
  );
  console.log(
    JSON.stringify({
      runs: runs * KINDS.length,
      election_timeout_ms: electionTimeoutMs,
      graceful_p50_ms: percentile(by('graceful'), 50),
      graceful_p99_ms: percentile(by('graceful'), 99),
      mysqld_crash_p99_ms: percentile(by('mysqld_crash'), 99),
      agent_crash_p99_ms: percentile(by('agent_crash'), 99),
      silent_p99_ms: percentile(by('silent'), 99),
      lost_acked_writes: result.lostAcked,
      double_writable_ms: Math.round(result.doubleWritableMs),
    }),
  );
} finally {
  if (logFile) writeFileSync(logFile, run.logs(400));
  net.removeSync();
  await run.stop();
}
