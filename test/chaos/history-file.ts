// A chaos run's history on disk as JSON Lines: one record per line, so a run of any length fits (one
// JSON string of a 30-minute history exceeds what V8 can hold: "Invalid string length"). Lines:
// {"final": {...}}, {"fault": {...}} per fault, {"op": {...}} per operation, {"probe": {...}} per sample.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { History } from '../support/history/types.ts';

/** Writes `h` to `path` line by line; resolves once the file is complete. */
export async function writeHistory(path: string, h: History): Promise<void> {
  const out = createWriteStream(path);
  const line = async (o: unknown): Promise<void> => {
    if (!out.write(`${JSON.stringify(o)}\n`)) await once(out, 'drain');
  };
  await line({ final: h.final });
  for (const fault of h.faults) await line({ fault });
  for (const op of h.ops) await line({ op });
  for (const probe of h.probes) await line({ probe });
  out.end();
  await once(out, 'finish');
}
