// Loading the conformance fixtures with their placeholders filled in.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const FIXTURES = fileURLToPath(new URL('../../conformance/fixtures/', import.meta.url));

export function loadFixture(name: string, vars: Record<string, string> = {}): any {
  const text = readFileSync(`${FIXTURES}${name}`, 'utf8').replace(/\$\{([A-Z_]+)\}/g, (_m, k: string) => {
    const v = vars[k];
    if (v === undefined) throw new Error(`fixture ${name}: no value for \${${k}}`);
    return v;
  });
  return parse(text);
}
