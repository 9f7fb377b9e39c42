// Single-server membership changes (thesis 4.1-4.3): validation and the configuration they produce.
import type { ConfChange, ConfEntryData, ConfState, Entry, NodeId } from './types.ts';

/** The configuration after `change`, or a reason it is not allowed. */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState | string {
  const isVoter = conf.voters.includes(change.node);
  const isLearner = conf.learners.includes(change.node);
  switch (change.type) {
    case 'addLearner':
      if (isVoter || isLearner) return `${change.node} is already a member`;
      return { voters: [...conf.voters], learners: [...conf.learners, change.node] };
    case 'promote':
      if (!isLearner) return `${change.node} is not a learner`;
      return { voters: [...conf.voters, change.node], learners: conf.learners.filter((n) => n !== change.node) };
    case 'remove':
      if (!isVoter && !isLearner) return `${change.node} is not a member`;
      if (isVoter && conf.voters.length === 1) return `${change.node} is the last voter`;
      return {
        voters: conf.voters.filter((n) => n !== change.node),
        learners: conf.learners.filter((n) => n !== change.node),
      };
    default: {
      const never: never = change.type;
      return `unknown change type ${String(never)}`;
    }
  }
}

/** Whether `id` is a voter or a learner in `conf`. */
export function isMember(conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id) || conf.learners.includes(id);
}

/** The payload of a 'conf' entry (unchecked: the caller knows the entry's type is 'conf'). */
export function confData(e: Entry): ConfEntryData {
  return e.data as unknown as ConfEntryData;
}

/** Whether two configurations have the same voters and learners, in any order. */
export function sameConf(a: ConfState, b: ConfState): boolean {
  const eq = (x: readonly string[], y: readonly string[]) =>
    x.length === y.length && [...x].sort().join('\n') === [...y].sort().join('\n');
  return eq(a.voters, b.voters) && eq(a.learners, b.learners);
}
