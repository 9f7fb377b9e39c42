// Table tests of the roll decision: replicas first, primary last, one at a time, never below a full set.
import t from 'tap';
import { nextRollStep } from '../../src/operator/roll.ts';
import type { PodView } from '../../src/operator/status/inputs.ts';

function pods(spec: string): PodView[] {
  // "0p1r 1r1 2r2-" : ordinal, p(rimary)/r(eplica), revision, flags: - not ready, x deleting
  return spec.split(' ').map((s) => {
    const m = /^(\d)([pr])(\d)([-x]?)$/.exec(s)!;
    return {
      name: `db-${m[1]}`,
      ordinal: Number(m[1]),
      roleLabel: m[2] === 'p' ? 'primary' : 'replica',
      report: undefined,
      ready: m[4] === '',
      running: true,
      deleting: m[4] === 'x',
      revision: `rev${m[3]}`,
    };
  });
}

const CASES: [name: string, spec: string, want: string][] = [
  ['all current', '0p2 1r2 2r2', 'done'],
  ['highest replica first', '0p1 1r1 2r1', 'delete db-2'],
  ['then the other replica', '0p1 1r1 2r2', 'delete db-1'],
  ['primary last', '0p1 1r2 2r2', 'delete db-0'],
  ['primary at ordinal 2 is still last', '0r1 1r1 2p1', 'delete db-1'],
  ['wait while one terminates', '0p1 1r1 2r2x', 'wait'],
  ['wait until all pods exist', '0p1 1r1', 'wait'],
  ['wait while an up-to-date member is not ready', '0p1 1r1 2r2-', 'wait'],
  ['an outdated unready pod goes first', '0p1 1r1- 2r1', 'delete db-1'],
];

t.test('next roll step', async (t) => {
  for (const [name, spec, want] of CASES) {
    const d = nextRollStep(pods(spec), 'rev2', 3, pods(spec).find((p) => p.roleLabel === 'primary')?.name ?? '');
    t.equal(d.kind === 'delete' ? `delete ${d.pod}` : d.kind, want, name);
  }
  t.equal(nextRollStep(pods('0p1 1r1 2r1'), undefined, 3, 'db-0').kind, 'done', 'no update revision yet');
});
