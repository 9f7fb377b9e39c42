// docs/agent.md is the contract the reconciler builds from: it must list every flag of the agent with
// its env variable and default, exactly as `--help` (src/agent/config.ts) does.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FLAGS } from '../../src/agent/config.ts';

const doc = readFileSync(fileURLToPath(new URL('../../docs/agent.md', import.meta.url)), 'utf8');

t.test('docs/agent.md lists every flag with its env variable and default', async (t) => {
  for (const f of FLAGS) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`--${f.flag}\` |`));
    t.ok(row, `--${f.flag} has a row`);
    t.match(row, `| \`${f.env}\` |`, `--${f.flag}: env ${f.env}`);
    const d = f.dflt === undefined ? 'required' : f.dflt === '' ? '`""`' : `\`${f.dflt}\``;
    t.match(row, d, `--${f.flag}: default ${d}`);
  }
  const rows = doc.split('\n').filter((l) => /^\| `--[a-z-]+` \|/.test(l));
  t.equal(rows.length, FLAGS.length, 'and no flag the agent does not have');
});
