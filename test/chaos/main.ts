// `npm run chaos -- --minutes M --seed S [--nodes 3|5] [--faults a,b] [--out DIR] [--keep-data]`
// Prints the schedule as it goes, the violations if any, and last one JSON line of figures. Exit code 1
// when the history breaks a rule, the nodes did not converge, or a fault was never recovered from.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runChaos } from './run.ts';
import { parseFaultKinds } from './schedule.ts';

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: "${text}" is not a positive number`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string' },
      seed: { type: 'string' },
      nodes: { type: 'string' },
      faults: { type: 'string' },
      'min-faults': { type: 'string' },
      out: { type: 'string' },
      'keep-data': { type: 'boolean' },
    },
  });
  const seed =
    values.seed !== undefined ? Math.trunc(positive('seed', values.seed, 1)) : Math.floor(Math.random() * 2 ** 31);
  const nodes = positive('nodes', values.nodes, 3);
  if (nodes !== 3 && nodes !== 5) throw new Error(`--nodes: ${nodes} is not allowed; use 3 or 5`);
  const report = await runChaos({
    seed,
    minutes: positive('minutes', values.minutes, 2),
    minFaults: Math.trunc(positive('min-faults', values['min-faults'], 5)),
    replicas: nodes,
    ...(values.faults ? { kinds: parseFaultKinds(values.faults) } : {}),
    outDir: values.out ?? join('chaos-runs', `seed-${seed}`),
    keepData: values['keep-data'] ?? false,
  });
  for (const v of report.check.violations.slice(0, 50)) console.log(`VIOLATION ${v.rule}: ${v.detail}`);
  for (const f of report.check.faults)
    console.log(
      `${f.name}: write unavailable ${f.unavailableMs === null ? 'until the end' : `${Math.round(f.unavailableMs)} ms`}`,
    );
  if (!report.converged) console.log(`NOT CONVERGED: ${JSON.stringify(report.checksums)}`);
  for (const u of report.unrecovered) console.log(`NOT RECOVERED after ${u}`);
  console.log(`report: ${join(report.outDir, 'report.json')}, picture: ${join(report.outDir, 'timeline.svg')}`);
  console.log(JSON.stringify(report.summary));
  return report.check.valid && report.converged && report.unrecovered.length === 0 ? 0 : 1;
}

// Ctrl-C or SIGTERM: exit, so the exit handlers remove the iptables chain and stop `local`.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(2);
  },
);
