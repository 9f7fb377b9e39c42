// Turns the cached Pods, Raft ConfigMaps, Lease and StatefulSet into the plain views the status fold
// reads. Objects come from informers, so a field may be a string (watch events) or a Date (lists
// decoded by client-node); both are accepted.
import type { KubernetesObject } from '@kubernetes/client-node';
import { Annotations, Labels, PodNames, statefulSetName } from '../api/names.ts';
import { parseAgentReport } from './status/agent-report.ts';
import type { LeaseView, PodView, RaftStateView, StatefulSetView } from './status/inputs.ts';
import type { ClaimView } from './storage.ts';

type Json = Record<string, unknown>;
type Obj = KubernetesObject & { spec?: Json; status?: Json; data?: Record<string, string> };
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The ordinal of `<cluster>-<n>` (a pod or a Raft ConfigMap after its prefix), or undefined. */
export function ordinalOf(name: string, prefix: string): number | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^\d+$/.test(rest) ? Number(rest) : undefined;
}

function podReady(status: Json | undefined): boolean {
  const conditions = Array.isArray(status?.['conditions']) ? (status['conditions'] as Json[]) : [];
  return conditions.some((c) => c['type'] === 'Ready' && c['status'] === 'True');
}

/** A Pod of the cluster as the fold sees it; undefined for a name that is not `<cluster>-<n>`. */
export function podView(pod: Obj, cluster: string): PodView | undefined {
  const m = pod.metadata ?? {};
  const ordinal = ordinalOf(m.name ?? '', `${cluster}-`);
  if (ordinal === undefined) return undefined;
  return {
    name: m.name ?? '',
    ordinal,
    roleLabel: m.labels?.[Labels.role],
    report: parseAgentReport(m.annotations?.[Annotations.agentStatus]),
    ready: podReady(pod.status),
    running: pod.status?.['phase'] === 'Running',
    deleting: Boolean(m.deletionTimestamp),
    revision: m.labels?.['controller-revision-hash'],
  };
}

/** The hard state in ConfigMap `<cluster>-raft-<n>` (docs/raft-storage.md), if readable. */
export function raftStateView(cm: Obj, cluster: string): RaftStateView | undefined {
  const ordinal = ordinalOf(cm.metadata?.name ?? '', `${cluster}-raft-`);
  const text = cm.data?.['hardstate.json'];
  if (ordinal === undefined || !text) return undefined;
  try {
    const h = JSON.parse(text) as Json;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    return {
      ordinal,
      term: num(h['term']),
      vote: typeof h['vote'] === 'string' ? h['vote'] : '',
      commit: num(h['commit']),
    };
  } catch {
    return undefined;
  }
}

function date(v: unknown): Date | undefined {
  if (v instanceof Date) return v;
  if (typeof v !== 'string') return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** Lease `<cluster>-leader`. */
export function leaseView(lease: Obj): LeaseView {
  const s = lease.spec ?? {};
  return {
    holder: typeof s['holderIdentity'] === 'string' ? s['holderIdentity'] : '',
    term: typeof s['leaseTransitions'] === 'number' ? s['leaseTransitions'] : 0,
    renewTime: date(s['renewTime']),
    durationSeconds: typeof s['leaseDurationSeconds'] === 'number' ? s['leaseDurationSeconds'] : 0,
  };
}

/** The StatefulSet's update revision. */
export function statefulSetView(sts: Obj): StatefulSetView {
  const rev = sts.status?.['updateRevision'];
  return { updateRevision: typeof rev === 'string' && rev ? rev : undefined };
}

/** ConfigMap names a pod mounts (to keep an old my.cnf while a pod still uses it). */
export function mountedConfigMaps(pod: Obj): string[] {
  const vols = isObj(pod.spec) && Array.isArray(pod.spec['volumes']) ? (pod.spec['volumes'] as Json[]) : [];
  return vols.flatMap((v) =>
    isObj(v['configMap']) && typeof v['configMap']['name'] === 'string' ? [v['configMap']['name']] : [],
  );
}

/** A data claim `data-<statefulset>-<n>` of the cluster; undefined for any other claim. */
export function claimView(pvc: Obj, cluster: string): ClaimView | undefined {
  const name = pvc.metadata?.name ?? '';
  if (ordinalOf(name, `${PodNames.dataVolume}-${statefulSetName(cluster)}-`) === undefined) return undefined;
  const requests = (pvc.spec?.['resources'] as Json | undefined)?.['requests'] as Json | undefined;
  const capacity = (pvc.status?.['capacity'] as Json | undefined)?.['storage'];
  return {
    name,
    request: typeof requests?.['storage'] === 'string' ? requests['storage'] : undefined,
    ...(typeof capacity === 'string' ? { capacity } : {}),
    deleting: Boolean(pvc.metadata?.deletionTimestamp),
  };
}
