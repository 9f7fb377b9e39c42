// Writes crds/ from src/api/ (npm run gen:crds). Deterministic: the same source gives the same bytes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCrdFiles } from '../src/api/crd.ts';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'crds');
mkdirSync(dir, { recursive: true });
for (const [name, text] of Object.entries(renderCrdFiles())) {
  writeFileSync(join(dir, name), text);
  process.stdout.write(`wrote crds/${name}\n`);
}
