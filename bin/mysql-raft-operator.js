#!/usr/bin/env node
// Runs the compiled build (`npm run build`, dist/) when it is at least as new as every source file;
// otherwise the TypeScript entry through tsx, so a fresh clone or an edited tree never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'src', 'cli', 'main.js');

/** The newest modification time of a .ts file under dir (0 when dir is absent, as in the image). */
function newestSource(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function buildIsCurrent() {
  if (!existsSync(built)) return false;
  const sources = Math.max(newestSource(join(root, 'src')), newestSource(join(root, 'webhooks')));
  return statSync(built).mtimeMs >= sources;
}

let mod;
if (buildIsCurrent()) {
  mod = await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
}
try {
  process.exitCode = await mod.main(process.argv.slice(2));
} catch (err) {
  // An operator's startup failure is read in `kubectl logs`: one line that says what is wrong.
  process.stderr.write(`mysql-raft-operator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
