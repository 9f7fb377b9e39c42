// The replicated state the agents agree on through Raft: which pod is primary in which term, with the
// GTID set it had when it became writable. Entries are JSON `{"kind":"primary","pod":..,"term":..,
// "gtid":..}` lines in the ConfigMaps' log.jsonl, so `kubectl get configmap -o yaml` shows the history.
// Pure: apply() folds committed entries (and snapshots) into the state.
import type { Entry, JsonValue, Snapshot } from '../raft/types.ts';
import type { PrimaryRecord } from './decide.ts';

/** The data of a `primary = <pod> @ term` entry. */
export interface PrimaryEntry {
  kind: 'primary';
  pod: string;
  term: number;
  gtid: string;
}

/** What the log has decided so far. */
export interface AppState {
  primary: PrimaryRecord | null;
  /** GTID set the primary had when it became writable. */
  gtid: string;
  /** How many primary changes the log holds (for status and metrics). */
  changes: number;
  /** Each pod's latest record: the term it became primary in and the GTID set it had before its term
   * row (a node that died before its term row reached a replica discards exactly what follows it). */
  records: Readonly<Record<string, { term: number; gtid: string }>>;
}

/** The state before any entry. */
export const INITIAL_STATE: AppState = Object.freeze({ primary: null, gtid: '', changes: 0, records: {} });

/** A primary entry's data, or undefined for any other payload. */
export function asPrimaryEntry(data: JsonValue): PrimaryEntry | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const d = data as Record<string, JsonValue>;
  if (d['kind'] !== 'primary' || typeof d['pod'] !== 'string' || typeof d['term'] !== 'number') return undefined;
  return { kind: 'primary', pod: d['pod'], term: d['term'], gtid: typeof d['gtid'] === 'string' ? d['gtid'] : '' };
}

/** The state after a snapshot (whose data is an AppState) and then `entries`. */
export function applyCommitted(state: AppState, snapshot: Snapshot | undefined, entries: readonly Entry[]): AppState {
  let s = snapshot ? fromSnapshot(snapshot.data) : state;
  for (const e of entries) {
    if (e.type !== 'normal') continue;
    const p = asPrimaryEntry(e.data);
    if (!p) continue;
    // A later term's record wins; an older one committed late never moves the primary back.
    if (s.primary && p.term < s.primary.term) continue;
    s = {
      primary: { pod: p.pod, term: p.term },
      gtid: p.gtid,
      changes: s.changes + 1,
      records: { ...s.records, [p.pod]: { term: p.term, gtid: p.gtid } },
    };
  }
  return s;
}

function fromSnapshot(data: JsonValue): AppState {
  const d = (data ?? {}) as Partial<AppState>;
  return {
    primary: d.primary && typeof d.primary.pod === 'string' ? { pod: d.primary.pod, term: d.primary.term } : null,
    gtid: typeof d.gtid === 'string' ? d.gtid : '',
    changes: typeof d.changes === 'number' ? d.changes : 0,
    records: typeof d.records === 'object' && d.records !== null ? { ...d.records } : {},
  };
}

/** The state as snapshot data. */
export function toSnapshotData(s: AppState): JsonValue {
  const records: Record<string, JsonValue> = {};
  for (const [pod, r] of Object.entries(s.records)) records[pod] = { term: r.term, gtid: r.gtid };
  return { primary: s.primary ? { ...s.primary } : null, gtid: s.gtid, changes: s.changes, records };
}
