// Server-side printing: `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` returns a meta.k8s.io/v1
// Table with the kind's columns (a CRD's additionalPrinterColumns, or the built-in kinds' usual ones),
// which is what `kubectl get` and `-o wide` render.
import type { KindInfo, PrinterColumn } from './kinds.ts';
import { getPath, type Obj } from './meta.ts';
import { podStatusText, workloadColumns } from './table-workloads.ts';

/** How much of each object a Table row carries. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

interface Column {
  def: { name: string; type: string; format: string; description: string; priority: number };
  cell: (o: Obj) => unknown;
}

/** duration.HumanDuration from apimachinery, the format of every Age column. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 730) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

const col = (name: string, type: string, cell: (o: Obj) => unknown, priority = 0, format = ''): Column => ({
  def: { name, type, format, description: name, priority },
  cell,
});

function nameColumn(): Column {
  return {
    def: {
      name: 'Name',
      type: 'string',
      format: 'name',
      description:
        'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
      priority: 0,
    },
    cell: (o) => o['metadata']['name'],
  };
}

function age(now: number): Column {
  return col('Age', 'string', (o) => humanDuration(now - Date.parse(o['metadata']['creationTimestamp'])));
}

const count = (v: unknown) => (v && typeof v === 'object' ? Object.keys(v).length : 0);

function builtinColumns(k: KindInfo, now: number): Column[] {
  switch (k.kind) {
    case 'Namespace':
      return [nameColumn(), col('Status', 'string', (o) => o['status']?.['phase'] ?? ''), age(now)];
    case 'ConfigMap':
      return [nameColumn(), col('Data', 'integer', (o) => count(o['data']) + count(o['binaryData'])), age(now)];
    case 'Secret':
      return [
        nameColumn(),
        col('Type', 'string', (o) => o['type'] ?? ''),
        col('Data', 'integer', (o) => count(o['data'])),
        age(now),
      ];
    case 'Service':
      return [
        nameColumn(),
        col('Type', 'string', (o) => o['spec']?.['type'] ?? ''),
        col('Cluster-IP', 'string', (o) => o['spec']?.['clusterIP'] ?? ''),
        col('External-IP', 'string', () => '<none>'),
        col(
          'Port(s)',
          'string',
          (o) =>
            ((o['spec']?.['ports'] ?? []) as Obj[]).map((p) => `${p['port']}/${p['protocol'] ?? 'TCP'}`).join(',') ||
            '<none>',
        ),
        age(now),
        col(
          'Selector',
          'string',
          (o) =>
            Object.entries(o['spec']?.['selector'] ?? {})
              .map(([a, b]) => `${a}=${String(b)}`)
              .join(',') || '<none>',
          1,
        ),
      ];
    case 'Pod':
      return [
        nameColumn(),
        col(
          'Ready',
          'string',
          (o) =>
            `${((o['status']?.['containerStatuses'] ?? []) as Obj[]).filter((c) => c['ready']).length}/${((o['spec']?.['containers'] ?? []) as Obj[]).length}`,
        ),
        col('Status', 'string', podStatusText),
        col('Restarts', 'string', (o) =>
          String(
            ((o['status']?.['containerStatuses'] ?? []) as Obj[]).reduce(
              (n, c) => n + Number(c['restartCount'] ?? 0),
              0,
            ),
          ),
        ),
        age(now),
        col('IP', 'string', (o) => o['status']?.['podIP'] ?? '<none>', 1),
        col('Node', 'string', (o) => o['spec']?.['nodeName'] ?? '<none>', 1),
      ];
    case 'StatefulSet':
      return [
        nameColumn(),
        col('Ready', 'string', (o) => `${o['status']?.['readyReplicas'] ?? 0}/${o['spec']?.['replicas'] ?? 0}`),
        age(now),
        col(
          'Containers',
          'string',
          (o) => ((o['spec']?.['template']?.['spec']?.['containers'] ?? []) as Obj[]).map((c) => c['name']).join(','),
          1,
        ),
        col(
          'Images',
          'string',
          (o) => ((o['spec']?.['template']?.['spec']?.['containers'] ?? []) as Obj[]).map((c) => c['image']).join(','),
          1,
        ),
      ];
    case 'PodDisruptionBudget':
      return [
        nameColumn(),
        col('Min Available', 'string', (o) => String(o['spec']?.['minAvailable'] ?? 'N/A')),
        col('Max Unavailable', 'string', (o) => String(o['spec']?.['maxUnavailable'] ?? 'N/A')),
        col('Allowed Disruptions', 'integer', (o) => o['status']?.['disruptionsAllowed'] ?? 0),
        age(now),
      ];
    case 'NetworkPolicy':
      return [nameColumn(), col('Pod-Selector', 'string', (o) => selectorText(o['spec']?.['podSelector'])), age(now)];
    case 'Lease':
      return [nameColumn(), col('Holder', 'string', (o) => o['spec']?.['holderIdentity'] ?? ''), age(now)];
    case 'CustomResourceDefinition':
      return [nameColumn(), col('Created At', 'date', (o) => o['metadata']['creationTimestamp'])];
    case 'Event':
      return [
        col('Last Seen', 'string', (o) =>
          humanDuration(now - Date.parse(o['lastTimestamp'] ?? o['eventTime'] ?? o['metadata']['creationTimestamp'])),
        ),
        col('Type', 'string', (o) => o['type'] ?? ''),
        col('Reason', 'string', (o) => o['reason'] ?? ''),
        col(
          'Object',
          'string',
          (o) => `${String(o['involvedObject']?.['kind'] ?? '').toLowerCase()}/${o['involvedObject']?.['name'] ?? ''}`,
        ),
        col('Message', 'string', (o) => o['message'] ?? ''),
      ];
    default: {
      const extra = workloadColumns(k.kind);
      if (!extra) return [nameColumn(), age(now)];
      const cols = extra.map((c) => col(c.name, c.type, c.cell, c.priority));
      const wideAt = cols.findIndex((c) => c.def.priority > 0);
      const at = wideAt < 0 ? cols.length : wideAt;
      return [nameColumn(), ...cols.slice(0, at), age(now), ...cols.slice(at)];
    }
  }
}

/** JSONPath subset used in printer columns: `.a.b`, `[0]`, and `[?(@.type=="Ready")]` filters. */
export function evalColumnPath(o: Obj, path: string): unknown {
  const filter = /^(.*?)\[\?\(@\.([A-Za-z0-9_]+)\s*==\s*["']([^"']*)["']\)\](.*)$/.exec(path);
  if (filter) {
    const list = getPath(o, filter[1]!);
    if (!Array.isArray(list)) return undefined;
    const hit = list.find((x) => x && typeof x === 'object' && String(x[filter[2]!]) === filter[3]);
    return hit === undefined ? undefined : filter[4] ? getPath(hit, filter[4]) : hit;
  }
  return getPath(o, path);
}

function crdColumns(cols: PrinterColumn[], now: number): Column[] {
  const out: Column[] = [nameColumn()];
  for (const c of cols) {
    out.push({
      def: {
        name: c.name,
        type: c.type,
        format: c.format ?? '',
        description: c.description ?? '',
        priority: c.priority ?? 0,
      },
      cell: (o) => {
        const v = evalColumnPath(o, c.jsonPath);
        if (v === undefined || v === null) return null;
        if (c.type === 'date') return typeof v === 'string' ? humanDuration(now - Date.parse(v)) : null;
        if (c.type === 'integer' || c.type === 'number') return typeof v === 'number' ? v : Number(v);
        if (c.type === 'boolean') return Boolean(v);
        return typeof v === 'object' ? JSON.stringify(v) : String(v);
      },
    });
  }
  if (!cols.some((c) => c.name === 'Age')) out.push(age(now));
  return out;
}

/**
 * A kind's Table columns: a CRD's printer columns, or the built-in kind's usual ones; Age computed against `now` (ms).
 */
export function columnsFor(k: KindInfo, now: number): Column[] {
  return k.crd ? crdColumns(k.crd.columns, now) : builtinColumns(k, now);
}

/** How a Table is rendered: what each row carries, whether headers are left out (watch after the first), now (ms). */
export interface TableView {
  include: IncludeObject;
  noHeaders: boolean;
  now: number;
}

/** The objects as a meta.k8s.io/v1 Table; a cell that cannot be computed is null. */
export function toTable(k: KindInfo, objects: Obj[], listMeta: Obj, view: TableView): Obj {
  const { include, noHeaders, now } = view;
  const cols = columnsFor(k, now);
  const rows = objects.map((o) => {
    const row: Obj = {
      cells: cols.map((c) => {
        try {
          return c.cell(o) ?? null;
        } catch {
          return null;
        }
      }),
    };
    if (include === 'Object') row['object'] = o;
    else if (include === 'Metadata')
      row['object'] = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o['metadata'] };
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: noHeaders ? [] : cols.map((c) => c.def),
    rows,
  };
}

/** A label selector as kubectl prints it (`<none>` when it selects everything). */
function selectorText(sel: Obj | undefined): string {
  const parts = Object.entries((sel?.['matchLabels'] ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`);
  for (const e of (sel?.['matchExpressions'] ?? []) as Obj[])
    parts.push(`${e['key']} ${String(e['operator']).toLowerCase()} (${((e['values'] ?? []) as string[]).join(',')})`);
  return parts.length ? parts.join(',') : '<none>';
}
