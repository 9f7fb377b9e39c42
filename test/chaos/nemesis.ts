// Injects one planned fault into a LocalCluster and heals it. Each kind aims at the current primary (the
// pod labelled role=primary) because that is where a failover has to happen; the returned mark says
// what was hit and when (monotonic ms), for the history and the picture.
import type { FaultMark } from '../support/history/types.ts';
import { podCgroupPath } from '../../src/local/kubelet/cgroup.ts';
import type { PlannedFault } from './schedule.ts';
import type { LocalCluster, PodView } from './local-cluster.ts';

/** A pod as the network sees it: its IP, and the cgroup its processes send from. */
export interface PodEndpoint {
  ip: string;
  cgroup: string;
}

/** Cuts and heals network paths between pods (iptables on this machine's loopback IPs). */
export interface NetworkCutter {
  /** Drops every packet between pod `a` and each of `others`, both directions. */
  isolate(a: PodEndpoint, others: PodEndpoint[]): Promise<void>;
  /** Drops every packet to TCP `port` on `ip` (a server that stops answering). */
  blackhole(ip: string, port: number): Promise<void>;
  /** Removes every cut this cutter made. */
  heal(): Promise<void>;
}

/** What a nemesis needs besides the cluster. */
export interface NemesisDeps {
  cluster: LocalCluster;
  net: NetworkCutter;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  log: (line: string) => void;
  /** The API server's address (for apiserver-down). */
  apiServer: { ip: string; port: number };
  /** Waits until the switchover annotation is gone (the leader acted on it) or `ms` passed. */
  switchoverDone: (ms: number) => Promise<boolean>;
}

function endpoint(p: PodView): PodEndpoint {
  return { ip: p.ip, cgroup: podCgroupPath(p.uid) };
}

/** The pod labelled primary, or undefined when none is (mid-failover). */
export async function currentPrimary(c: LocalCluster): Promise<PodView | undefined> {
  const pods = await c.pods();
  return pods.find((p) => p.role === 'primary');
}

async function holdThenHeal(d: NemesisDeps, mark: FaultMark, holdMs: number, heal: () => Promise<void> | void) {
  await d.sleep(holdMs);
  await heal();
  mark.healedMs = d.now();
}

async function killContainer(d: NemesisDeps, p: PodView, container: 'mysql' | 'agent', mark: FaultMark) {
  if (!d.cluster.signal(p, container, 'SIGKILL')) d.log(`  ${container} of ${p.name} was not running`);
  mark.healedMs = mark.atMs;
}

async function stopPrimary(d: NemesisDeps, p: PodView, f: PlannedFault, mark: FaultMark) {
  d.cluster.signal(p, 'mysql', 'SIGSTOP');
  d.cluster.signal(p, 'agent', 'SIGSTOP');
  await holdThenHeal(d, mark, f.holdMs, () => {
    d.cluster.signal(p, 'agent', 'SIGCONT');
    d.cluster.signal(p, 'mysql', 'SIGCONT');
  });
}

async function partitionPrimary(d: NemesisDeps, p: PodView, f: PlannedFault, mark: FaultMark) {
  const others = (await d.cluster.pods()).filter((x) => x.name !== p.name && x.ip).map(endpoint);
  await d.net.isolate(endpoint(p), others);
  await holdThenHeal(d, mark, f.holdMs, () => d.net.heal());
}

async function apiserverDown(d: NemesisDeps, f: PlannedFault, mark: FaultMark) {
  await d.net.blackhole(d.apiServer.ip, d.apiServer.port);
  await holdThenHeal(d, mark, f.holdMs, () => d.net.heal());
}

async function restartCluster(d: NemesisDeps, mark: FaultMark) {
  const pods = await d.cluster.pods();
  await Promise.all(pods.map((x) => d.cluster.deletePod(x.name)));
  mark.healedMs = d.now();
}

async function switchoverStorm(d: NemesisDeps, f: PlannedFault, mark: FaultMark) {
  for (let i = 0; i < f.holdMs; i++) {
    await d.cluster.switchover('any');
    if (!(await d.switchoverDone(30_000))) d.log(`  switchover ${i + 1} not acted on within 30 s`);
  }
  mark.healedMs = d.now();
}

/** Injects `f` (and heals it, for kinds with a hold); returns its mark, or undefined when no primary to hit. */
export async function inject(d: NemesisDeps, f: PlannedFault): Promise<FaultMark | undefined> {
  const p = await currentPrimary(d.cluster);
  if (!p && f.kind !== 'apiserver-down' && f.kind !== 'restart-cluster') return undefined;
  const mark: FaultMark = { name: `${f.kind}${p ? ` ${p.name}` : ''}`, atMs: d.now() };
  d.log(`fault ${f.index}: ${mark.name}${f.holdMs > 5 ? ` for ${f.holdMs} ms` : ''}`);
  switch (f.kind) {
    case 'kill-mysqld':
      await killContainer(d, p!, 'mysql', mark);
      break;
    case 'kill-agent':
      await killContainer(d, p!, 'agent', mark);
      break;
    case 'kill-pod':
      await d.cluster.deletePod(p!.name);
      mark.healedMs = d.now();
      break;
    case 'stop-primary':
      await stopPrimary(d, p!, f, mark);
      break;
    case 'partition-primary':
    case 'partition-heal-mid-failover':
      await partitionPrimary(d, p!, f, mark);
      break;
    case 'apiserver-down':
      await apiserverDown(d, f, mark);
      break;
    case 'restart-cluster':
      await restartCluster(d, mark);
      break;
    case 'switchover-storm':
      await switchoverStorm(d, f, mark);
      break;
  }
  return mark;
}
