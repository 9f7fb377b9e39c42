// Printer columns for the kinds the local pod runner adds (Deployment, ReplicaSet, PVC, Endpoints,
// Node) and the STATUS cell of a Pod as kubectl's printPod computes it (waiting/terminated reasons,
// Init:..., Terminating), so `kubectl get` looks as it does on a real cluster.
import type { Obj } from './meta.ts';

/** One column: header, type, priority (1 = -o wide only) and how a row's cell is computed. */
export interface ColumnSpec {
  name: string;
  type: string;
  priority: number;
  cell: (o: Obj) => unknown;
}

const spec = (name: string, cell: (o: Obj) => unknown, priority = 0, type = 'string'): ColumnSpec => ({
  name,
  type,
  priority,
  cell,
});

const containers = (o: Obj): Obj[] => (o['spec']?.['template']?.['spec']?.['containers'] ?? []) as Obj[];
const selectorText = (sel: Obj | undefined): string =>
  Object.entries((sel?.['matchLabels'] ?? {}) as Record<string, string>)
    .map(([k, v]) => `${k}=${v}`)
    .join(',') || '<none>';

/** kubectl's pod STATUS: the most telling container reason, else the phase. */
export function podStatusText(o: Obj): string {
  if (o['metadata']['deletionTimestamp']) return 'Terminating';
  const st = o['status'] ?? {};
  return initStatusText((st['initContainerStatuses'] ?? []) as Obj[]) ?? containerStatusText(st);
}

/** `Init:<reason>` or `Init:<done>/<all>` while an init container has not succeeded; undefined once all have. */
function initStatusText(inits: Obj[]): string | undefined {
  for (let i = 0; i < inits.length; i++) {
    const s = inits[i]!['state'] ?? {};
    if (s['terminated']?.['exitCode'] === 0) continue;
    if (s['waiting']?.['reason'] && s['waiting']['reason'] !== 'PodInitializing')
      return `Init:${s['waiting']['reason']}`;
    return `Init:${i}/${inits.length}`;
  }
  return undefined;
}

/** The first container's waiting or terminated reason (kubectl walks them last to first), else the phase. */
function containerStatusText(st: Obj): string {
  let reason = String(st['reason'] ?? st['phase'] ?? '');
  let running = false;
  for (const c of [...((st['containerStatuses'] ?? []) as Obj[])].reverse()) {
    const s = c['state'] ?? {};
    if (s['waiting']?.['reason']) reason = s['waiting']['reason'];
    else if (s['terminated']) reason = s['terminated']['reason'] ?? `ExitCode:${s['terminated']['exitCode']}`;
    else if (s['running'] && c['ready']) running = true;
  }
  if (reason === 'Completed' && running) reason = 'Running';
  return reason;
}

/** Columns of the kinds above, or undefined for a kind this module does not print. */
export function workloadColumns(kind: string): ColumnSpec[] | undefined {
  switch (kind) {
    case 'Deployment':
      return [
        spec('Ready', (o) => `${o['status']?.['readyReplicas'] ?? 0}/${o['spec']?.['replicas'] ?? 0}`),
        spec('Up-to-date', (o) => o['status']?.['updatedReplicas'] ?? 0, 0, 'integer'),
        spec('Available', (o) => o['status']?.['availableReplicas'] ?? 0, 0, 'integer'),
        spec(
          'Containers',
          (o) =>
            containers(o)
              .map((c) => c['name'])
              .join(','),
          1,
        ),
        spec(
          'Images',
          (o) =>
            containers(o)
              .map((c) => c['image'])
              .join(','),
          1,
        ),
        spec('Selector', (o) => selectorText(o['spec']?.['selector']), 1),
      ];
    case 'ReplicaSet':
      return [
        spec('Desired', (o) => o['spec']?.['replicas'] ?? 0, 0, 'integer'),
        spec('Current', (o) => o['status']?.['replicas'] ?? 0, 0, 'integer'),
        spec('Ready', (o) => o['status']?.['readyReplicas'] ?? 0, 0, 'integer'),
      ];
    case 'PersistentVolumeClaim':
      return [
        spec('Status', (o) => o['status']?.['phase'] ?? ''),
        spec('Volume', (o) => o['spec']?.['volumeName'] ?? ''),
        spec('Capacity', (o) => o['status']?.['capacity']?.['storage'] ?? ''),
        spec('Access Modes', (o) => ((o['status']?.['accessModes'] ?? []) as string[]).join(',')),
        spec('StorageClass', (o) => o['spec']?.['storageClassName'] ?? ''),
      ];
    case 'Endpoints':
      return [
        spec('Endpoints', (o) => {
          const out: string[] = [];
          for (const s of (o['subsets'] ?? []) as Obj[])
            for (const a of (s['addresses'] ?? []) as Obj[])
              for (const p of (s['ports'] ?? []) as Obj[]) out.push(`${a['ip']}:${p['port']}`);
          return out.join(',') || '<none>';
        }),
      ];
    case 'Node':
      return [
        spec('Status', (o) =>
          ((o['status']?.['conditions'] ?? []) as Obj[]).some((c) => c['type'] === 'Ready' && c['status'] === 'True')
            ? 'Ready'
            : 'NotReady',
        ),
        spec('Roles', () => '<none>'),
        spec('Version', (o) => o['status']?.['nodeInfo']?.['kubeletVersion'] ?? ''),
      ];
    default:
      return undefined;
  }
}
