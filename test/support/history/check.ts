// The history checker: pure, from a recorded History to a verdict. The rules are those of a
// list-append workload (Jepsen's "elle" in miniature, enough for one register per key serialised by a
// row lock) plus the project's own: one server per term, terms never go back, never two writable
// nodes at a probed instant. Each rule is tested with a hand-made history that must fail
// (test/support/history/check.test.ts). docs/chaos.md lists them.
import type { FaultMark, History, Op, ProbeSample } from './types.ts';

export type Rule =
  | 'lost-ack' // an acknowledged append is missing from the final list of its key
  | 'duplicate' // a value appears twice in a list (final or read)
  | 'phantom' // a list holds a value nobody appended, or one whose append certainly failed
  | 'read-not-prefix' // an acknowledged read is not a prefix of the final list
  | 'realtime-order' // an operation did not see one that completed before it was invoked
  | 'split-term' // two servers acknowledged writes in one term
  | 'term-regressed' // an acknowledged write saw an older term than one acknowledged before it began
  | 'double-writable'; // two nodes were writable at overlapping probed instants

export interface Violation {
  rule: Rule;
  detail: string;
}

/** A node's writable interval: from the first to the last of a run of consecutive writable samples
 * (a sample without an answer ends the run: a stopped or unreachable node is not observed writable). */
export interface Interval {
  node: string;
  fromMs: number;
  toMs: number;
}

export interface FaultWindow {
  name: string;
  atMs: number;
  /** From the fault to the first acknowledged append on another server than the one that acknowledged
   * the last append before the fault; when none did before the next fault, to the first acknowledged
   * append invoked after the fault (same primary). null: no acknowledged append afterwards. */
  unavailableMs: number | null;
  /** The server uuid of that first acknowledged append. */
  servedBy: string | null;
  primaryChanged: boolean;
}

export interface CheckResult {
  valid: boolean;
  violations: Violation[];
  ops: number;
  acked: number;
  lostAcked: number;
  /** Total length of overlaps between writable intervals of different nodes. */
  doubleWritableMs: number;
  /** Writable samples of a node taken at an instant inside another node's writable interval (a single
   * such sample is an overlap of length 0 ms, yet an observed instant with two writable nodes). */
  doubleWritableSamples: number;
  intervals: Interval[];
  faults: FaultWindow[];
}

/** Max over the items completed strictly before `t`, items sorted by completion (prefix maxima). */
class CompletedBefore {
  private readonly done: number[] = [];
  private readonly max: number[] = [];
  constructor(items: { completeMs: number; v: number }[]) {
    const sorted = [...items].sort((a, b) => a.completeMs - b.completeMs);
    let m = -Infinity;
    for (const it of sorted) {
      m = Math.max(m, it.v);
      this.done.push(it.completeMs);
      this.max.push(m);
    }
  }
  /** The largest v among items with completeMs < t, or -Infinity. */
  before(t: number): number {
    let lo = 0;
    let hi = this.done.length; // first index with done >= t
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.done[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? -Infinity : this.max[lo - 1]!;
  }
}

function isPrefix(a: number[], b: number[]): boolean {
  return a.length <= b.length && a.every((x, i) => x === b[i]);
}

/** The lists that must hold only appended values, each once: the final ones and every acknowledged read. */
function checkValues(h: History, out: Violation[]): void {
  const appended = new Map<number, Op>();
  for (const op of h.ops) if (op.kind === 'append' && op.value !== undefined) appended.set(op.value, op);
  const lists: { where: string; key: string; list: number[] }[] = [
    ...Object.entries(h.final).map(([key, list]) => ({ where: 'final', key, list })),
    ...h.ops
      .filter((o) => o.kind === 'read' && o.type === 'ok' && o.list)
      .map((o) => ({ where: `read #${o.id}`, key: o.key, list: o.list! })),
  ];
  for (const { where, key, list } of lists) {
    const seen = new Set<number>();
    for (const v of list) {
      if (seen.has(v)) out.push({ rule: 'duplicate', detail: `${where} of ${key} holds ${v} twice` });
      seen.add(v);
      const why = phantom(appended.get(v), key);
      if (why) out.push({ rule: 'phantom', detail: `${where} of ${key} holds ${v}, ${why}` });
    }
  }
}

function phantom(a: Op | undefined, key: string): string | undefined {
  if (!a) return 'which nobody appended';
  if (a.key !== key) return `appended to ${a.key}`;
  if (a.type === 'fail') return `whose append failed (${a.error ?? ''})`;
  return undefined;
}

/** Acknowledged appends in the final lists, acknowledged reads prefixes of them; returns the number lost. */
function checkLists(h: History, out: Violation[]): number {
  checkValues(h, out);
  let lost = 0;
  for (const op of h.ops) {
    if (op.type !== 'ok') continue;
    const final = h.final[op.key] ?? [];
    if (op.kind === 'append' && !final.includes(op.value!)) {
      lost++;
      out.push({
        rule: 'lost-ack',
        detail: `append #${op.id} of ${op.value} to ${op.key} was acknowledged but is lost`,
      });
    }
    if (op.kind === 'read' && !isPrefix(op.list ?? [], final))
      out.push({
        rule: 'read-not-prefix',
        detail: `read #${op.id} of ${op.key} saw [${op.list?.join(',')}], final is [${final.join(',')}]`,
      });
  }
  return lost;
}

function checkRealtime(h: History, out: Violation[]): void {
  const keys = new Set(h.ops.map((o) => o.key));
  for (const key of keys) {
    const final = h.final[key] ?? [];
    const pos = new Map(final.map((v, i) => [v, i]));
    const ops = h.ops.filter((o) => o.key === key && o.type === 'ok');
    const appends = ops.filter((o) => o.kind === 'append' && pos.has(o.value!));
    const reads = ops.filter((o) => o.kind === 'read');
    const appendPos = new CompletedBefore(appends.map((o) => ({ completeMs: o.completeMs, v: pos.get(o.value!)! })));
    const readLen = new CompletedBefore(reads.map((o) => ({ completeMs: o.completeMs, v: o.list?.length ?? 0 })));
    for (const b of ops) {
      const mustFollow = appendPos.before(b.invokeMs);
      if (b.kind === 'append' && pos.has(b.value!) && pos.get(b.value!)! <= mustFollow)
        out.push({
          rule: 'realtime-order',
          detail: `append #${b.id} of ${b.value} to ${key} began after an append at position ${mustFollow} completed, yet sits at ${pos.get(b.value!)}`,
        });
      if (b.kind === 'read') {
        const len = b.list?.length ?? 0;
        if (len <= mustFollow)
          out.push({
            rule: 'realtime-order',
            detail: `read #${b.id} of ${key} (length ${len}) began after the append at position ${mustFollow} was acknowledged, yet misses it`,
          });
        const longest = readLen.before(b.invokeMs);
        if (len < longest)
          out.push({
            rule: 'realtime-order',
            detail: `read #${b.id} of ${key} (length ${len}) began after a read of length ${longest} completed`,
          });
      }
    }
  }
}

function checkTerms(h: History, out: Violation[]): void {
  const acked = h.ops.filter((o) => o.kind === 'append' && o.type === 'ok' && o.term !== undefined);
  const servers = new Map<number, Set<string>>();
  for (const o of acked) {
    const s = servers.get(o.term!) ?? new Set<string>();
    s.add(o.serverUuid ?? '?');
    servers.set(o.term!, s);
  }
  for (const [term, s] of servers)
    if (s.size > 1)
      out.push({ rule: 'split-term', detail: `term ${term} has acknowledged writes on ${[...s].join(' and ')}` });
  const terms = new CompletedBefore(acked.map((o) => ({ completeMs: o.completeMs, v: o.term! })));
  for (const o of acked) {
    const before = terms.before(o.invokeMs);
    if (o.term! < before)
      out.push({
        rule: 'term-regressed',
        detail: `append #${o.id} saw term ${o.term}, after a write of term ${before} was acknowledged`,
      });
  }
}

/** Runs of consecutive writable samples per node, as intervals between observed instants. */
export function writableIntervals(probes: ProbeSample[]): Interval[] {
  const byNode = new Map<string, ProbeSample[]>();
  for (const p of probes) byNode.set(p.node, [...(byNode.get(p.node) ?? []), p]);
  const out: Interval[] = [];
  for (const [node, samples] of byNode) {
    samples.sort((a, b) => a.atMs - b.atMs);
    let cur: Interval | undefined;
    for (const s of samples) {
      if (s.writable === true) {
        if (cur) cur.toMs = s.atMs;
        else cur = { node, fromMs: s.atMs, toMs: s.atMs };
      } else if (cur) {
        out.push(cur);
        cur = undefined;
      }
    }
    if (cur) out.push(cur);
  }
  return out.sort((a, b) => a.fromMs - b.fromMs);
}

function checkWritable(intervals: Interval[], out: Violation[]): number {
  let total = 0;
  for (let i = 0; i < intervals.length; i++)
    for (let j = i + 1; j < intervals.length; j++) {
      const a = intervals[i]!;
      const b = intervals[j]!;
      if (a.node === b.node || b.fromMs > a.toMs) continue;
      const overlap = Math.min(a.toMs, b.toMs) - b.fromMs;
      total += overlap;
      out.push({
        rule: 'double-writable',
        detail: `${a.node} writable ${a.fromMs.toFixed(1)}..${a.toMs.toFixed(1)} ms and ${b.node} ${b.fromMs.toFixed(1)}..${b.toMs.toFixed(1)} ms overlap by ${overlap.toFixed(1)} ms`,
      });
    }
  return total;
}

/** Write unavailability after each fault (see FaultWindow). */
export function faultWindows(ops: Op[], faults: FaultMark[]): FaultWindow[] {
  const acks = ops.filter((o) => o.kind === 'append' && o.type === 'ok').sort((a, b) => a.completeMs - b.completeMs);
  const sorted = [...faults].sort((a, b) => a.atMs - b.atMs);
  return sorted.map((f, i) => {
    const next = sorted[i + 1]?.atMs ?? Infinity;
    const before = acks.filter((o) => o.completeMs <= f.atMs).at(-1)?.serverUuid;
    const after = acks.filter((o) => o.completeMs > f.atMs && o.completeMs < next);
    const moved = after.find((o) => before !== undefined && o.serverUuid !== before);
    const first = moved ?? after.find((o) => o.invokeMs >= f.atMs);
    return {
      name: f.name,
      atMs: f.atMs,
      unavailableMs: first ? first.completeMs - f.atMs : null,
      servedBy: first?.serverUuid ?? null,
      primaryChanged: moved !== undefined,
    };
  });
}

/** Checks a history; `valid` is false when any rule is broken. */
export function checkHistory(h: History): CheckResult {
  const violations: Violation[] = [];
  const lostAcked = checkLists(h, violations);
  checkRealtime(h, violations);
  checkTerms(h, violations);
  const intervals = writableIntervals(h.probes);
  const doubleWritableMs = checkWritable(intervals, violations);
  const doubleWritableSamples = h.probes.filter(
    (p) => p.writable === true && intervals.some((i) => i.node !== p.node && i.fromMs <= p.atMs && p.atMs <= i.toMs),
  ).length;
  return {
    valid: violations.length === 0,
    violations,
    ops: h.ops.length,
    acked: h.ops.filter((o) => o.type === 'ok').length,
    lostAcked,
    doubleWritableMs,
    doubleWritableSamples,
    intervals,
    faults: faultWindows(h.ops, h.faults),
  };
}
