// Placeholder until its issue lands: says so plainly rather than pretending to run.
/** `agent` subcommand: not implemented yet; says so on stderr and exits 1. */
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('mysql-raft-operator agent: not implemented yet (see README, "Status")\n');
  return 1;
}
