// Label and field selectors in their query-string form (`a=b,c!=d,e in (x,y),!f`) and as the
// LabelSelector structure used by webhooks (matchLabels / matchExpressions).
import { errors } from './status-errors.ts';
import { isPlainObject, type Obj } from './meta.ts';

type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

/** A parsed label selector: requirements that must all hold. */
export type LabelSelector = Requirement[];

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * A label selector from its query-string form; empty selects everything; a 400 ApiError naming the bad part otherwise.
 */
export function parseLabelSelector(s: string | undefined): LabelSelector {
  if (!s || !s.trim()) return [];
  const out: Requirement[] = [];
  for (const raw of splitTopLevel(s)) {
    const part = raw.trim();
    if (!part) continue;
    let m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
    if (m) {
      out.push({
        op: m[2] as 'in' | 'notin',
        key: m[1]!,
        values: m[3]!
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      });
      continue;
    }
    m = /^([^\s!=]+)\s*(==|=|!=)\s*([^\s]*)$/.exec(part);
    if (m) {
      if (!LABEL_VALUE.test(m[3]!)) {
        throw errors.badRequest(
          `unable to parse requirement: values[0][${m[1]}]: Invalid value: "${m[3]}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
        );
      }
      out.push({ op: m[2] === '!=' ? 'neq' : 'eq', key: m[1]!, value: m[3]! });
      continue;
    }
    m = /^(!?)([^\s!=()]+)$/.exec(part);
    if (m) {
      out.push({ op: m[1] ? 'notexists' : 'exists', key: m[2]! });
      continue;
    }
    throw errors.badRequest(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt`);
  }
  return out;
}

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0,
    cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Whether the labels satisfy every requirement of the selector. */
export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return sel.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'eq':
        return has && l[r.key] === r.value;
      case 'neq':
        return !has || l[r.key] !== r.value;
      case 'in':
        return has && r.values.includes(l[r.key]!);
      case 'notin':
        return !has || !r.values.includes(l[r.key]!);
      case 'exists':
        return has;
      case 'notexists':
        return !has;
      default: {
        const never: never = r;
        return never;
      }
    }
  });
}

/** metav1.LabelSelector (matchLabels + matchExpressions); an absent selector matches everything. */
export function fromLabelSelectorObject(sel: Obj | undefined | null): LabelSelector {
  if (!sel) return [];
  const out: Requirement[] = [];
  for (const [k, v] of Object.entries((sel['matchLabels'] ?? {}) as Record<string, string>))
    out.push({ op: 'eq', key: k, value: v });
  for (const e of (sel['matchExpressions'] ?? []) as Obj[]) {
    const key = String(e['key']);
    const values = ((e['values'] ?? []) as unknown[]).map(String);
    switch (e['operator']) {
      case 'In':
        out.push({ op: 'in', key, values });
        break;
      case 'NotIn':
        out.push({ op: 'notin', key, values });
        break;
      case 'Exists':
        out.push({ op: 'exists', key });
        break;
      case 'DoesNotExist':
        out.push({ op: 'notexists', key });
        break;
      default:
        throw errors.badRequest(`"${String(e['operator'])}" is not a valid label selector operator`);
    }
  }
  return out;
}

/** Selector string form, e.g. for a Scale's status.selector. */
export function labelSelectorToString(sel: Obj | undefined | null): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries((sel?.['matchLabels'] ?? {}) as Record<string, string>)) parts.push(`${k}=${v}`);
  for (const e of (sel?.['matchExpressions'] ?? []) as Obj[]) {
    const vals = ((e['values'] ?? []) as string[]).join(',');
    if (e['operator'] === 'In') parts.push(`${e['key']} in (${vals})`);
    else if (e['operator'] === 'NotIn') parts.push(`${e['key']} notin (${vals})`);
    else if (e['operator'] === 'Exists') parts.push(String(e['key']));
    else if (e['operator'] === 'DoesNotExist') parts.push(`!${e['key']}`);
  }
  return parts.sort().join(',');
}

/** One field selector term: field, = or !=, value. */
export interface FieldRequirement {
  field: string;
  op: 'eq' | 'neq';
  value: string;
}

/** Fields every kind supports, plus a few per-kind ones the real server also indexes. */
const SUPPORTED_FIELDS: Record<string, string[]> = {
  '*': ['metadata.name', 'metadata.namespace'],
  Pod: [
    'spec.nodeName',
    'status.phase',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'status.podIP',
  ],
  Secret: ['type'],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  Namespace: ['status.phase'],
};

/** A field selector from its query-string form; 400 for a malformed term or a field the kind does not index. */
export function parseFieldSelector(s: string | undefined, kind: string, apiVersion: string): FieldRequirement[] {
  if (!s || !s.trim()) return [];
  return s
    .split(',')
    .filter((p) => p.trim())
    .map((part) => {
      const m = /^\s*([^!=\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(part);
      if (!m) throw errors.badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
      const field = m[1]!;
      const allowed = [...SUPPORTED_FIELDS['*']!, ...(SUPPORTED_FIELDS[kind] ?? [])];
      if (!allowed.includes(field)) throw errors.badRequest(`field label not supported: ${field}`);
      void apiVersion;
      return { field, op: m[2] === '!=' ? 'neq' : 'eq', value: m[3]! } as FieldRequirement;
    });
}

/** Whether the object satisfies every field requirement (a missing field reads as ''). */
export function matchesFields(reqs: FieldRequirement[], o: Obj): boolean {
  return reqs.every((r) => {
    const v = fieldValue(o, r.field);
    return r.op === 'eq' ? v === r.value : v !== r.value;
  });
}

function fieldValue(o: Obj, field: string): string {
  let cur: unknown = o;
  for (const p of field.split('.')) cur = isPlainObject(cur) ? cur[p] : undefined;
  if (field === 'source' && o['source']) return String(o['source']['component'] ?? '');
  return cur === undefined || cur === null ? '' : String(cur);
}
