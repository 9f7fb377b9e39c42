// Who leads, and in which term, from three witnesses: the agents' reports (each names the leader it
// follows in its term), the Lease the leader renews, and the terms persisted in the Raft ConfigMaps.
// The highest term wins; a Lease that expired says nothing about leadership, only about its term.
import type { FoldInput, PodView } from './inputs.ts';

interface Claim {
  leader: string;
  term: number;
  fromLease: boolean;
}

function leaseFresh(input: FoldInput): boolean {
  const l = input.lease;
  if (!l?.holder || !l.renewTime) return false;
  return l.renewTime.getTime() + l.durationSeconds * 1000 >= input.now.getTime();
}

function claims(input: FoldInput): Claim[] {
  const out: Claim[] = [];
  for (const p of input.pods) {
    const r = p.report;
    if (!r || p.deleting || r.term === undefined) continue;
    if (r.role === 'primary') out.push({ leader: p.name, term: r.term, fromLease: false });
    else if (r.leader) out.push({ leader: r.leader, term: r.term, fromLease: false });
  }
  if (input.lease && leaseFresh(input))
    out.push({ leader: input.lease.holder, term: input.lease.term, fromLease: true });
  return out;
}

/** The leader of the highest claimed term: the Lease's holder if it claims that term, else the most named. */
export function currentLeader(input: FoldInput): string {
  const all = claims(input);
  if (all.length === 0) return '';
  const top = Math.max(...all.map((c) => c.term));
  const inTop = all.filter((c) => c.term === top);
  const lease = inTop.find((c) => c.fromLease);
  if (lease) return lease.leader;
  const votes = new Map<string, number>();
  for (const c of inTop) votes.set(c.leader, (votes.get(c.leader) ?? 0) + 1);
  return [...votes.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? '';
}

/** The highest term any witness knows (the Lease's leaseTransitions is the term it was written in). */
export function currentTerm(input: FoldInput): number {
  const terms = [
    ...input.pods.map((p) => p.report?.term ?? 0),
    ...input.raftStates.map((s) => s.term),
    input.lease?.term ?? 0,
  ];
  return Math.max(0, ...terms);
}

/** The pod the master Service routes to: the one labelled primary (the leader's, if several are). */
export function currentMaster(pods: PodView[], leader: string): string {
  const labelled = pods.filter((p) => p.roleLabel === 'primary' && !p.deleting);
  if (labelled.length <= 1) return labelled[0]?.name ?? '';
  const led = labelled.find((p) => p.name === leader);
  if (led) return led.name;
  return [...labelled].sort((a, b) => (b.report?.term ?? 0) - (a.report?.term ?? 0))[0]?.name ?? '';
}
