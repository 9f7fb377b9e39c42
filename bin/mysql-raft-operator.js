#!/usr/bin/env node
// Runs the TypeScript entry through tsx when no build exists, so a fresh clone works without `npm run build`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'src', 'cli', 'main.js');
let mod;
if (existsSync(built)) {
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
