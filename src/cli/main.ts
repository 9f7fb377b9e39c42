#!/usr/bin/env node
// One executable, subcommands loaded lazily so `agent` never pays for the manager's imports.
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** A subcommand's module: `run` gets the arguments after the subcommand's name; undefined counts as exit code 0. */
export type SubcommandModule = { run(argv: string[]): Promise<number | void> };

/** Every subcommand by name, with its help summary and a lazy import of its module. */
export const subcommands: Record<string, { summary: string; load: () => Promise<SubcommandModule> }> = {
  manager: { summary: 'run the reconcilers and the admission/conversion webhooks', load: () => import('./manager.ts') },
  agent: {
    summary: 'run the per-pod sidecar: Raft node, peer transport, MySQL driver',
    load: () => import('./agent.ts'),
  },
  apiserver: { summary: 'run the embedded Kubernetes API server alone', load: () => import('./apiserver.ts') },
  local: {
    summary: 'run a whole cluster on this machine on the embedded API server',
    load: () => import('./local.ts'),
  },
};

/** `mysql-raft-operator <version>`, from package.json (found beside src/ or beside dist/src/). */
export function versionLine(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8')) as {
        version?: string;
      };
      if (pkg.version) return `mysql-raft-operator ${pkg.version}\n`;
    } catch {
      // not at this depth: try the next
    }
  }
  return 'mysql-raft-operator (version unknown)\n';
}

/** The top-level help: every subcommand with its one-line summary. */
export function usage(): string {
  const lines = Object.entries(subcommands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: mysql-raft-operator <subcommand> [flags]\n       mysql-raft-operator --version\n\nsubcommands:\n${lines.join('\n')}\n`;
}

/** Runs the CLI and resolves to the process exit code: 0 for help and version, 2 for no or an unknown subcommand. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write(versionLine());
    return 0;
  }
  const entry = subcommands[name];
  if (!entry) {
    process.stderr.write(`unknown subcommand "${name}"; allowed: ${Object.keys(subcommands).join(', ')}\n`);
    return 2;
  }
  const mod = await entry.load();
  const code = await mod.run(rest);
  return typeof code === 'number' ? code : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== 0) process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
