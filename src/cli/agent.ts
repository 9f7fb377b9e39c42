// `mysql-raft-operator agent`: the per-pod sidecar (docs/agent.md). Configuration from flags and the
// pod's environment; a bad setting fails at start naming it; SIGTERM stops it.
import { AgentConfigError, helpText, parseAgentConfig } from '../agent/config.ts';
import { startAgent } from '../agent/agent.ts';
import { createLogger } from '../util/log.ts';

/** Runs the agent until SIGTERM/SIGINT or a fatal error; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(helpText());
    return 0;
  }
  let agent: Awaited<ReturnType<typeof startAgent>>;
  try {
    const config = parseAgentConfig(argv, process.env);
    const log = createLogger('agent', { level: config.logLevel });
    agent = await startAgent(config, log);
  } catch (err) {
    if (err instanceof AgentConfigError) {
      process.stderr.write(`mysql-raft-operator agent: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const signalled = new Promise<string>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve(sig));
  });
  const why = await Promise.race([signalled, agent.fatal.then((e) => e)]);
  // SIGTERM (pod delete, drain, rolling restart): demote and hand leadership over before exiting.
  if (typeof why === 'string') await agent.drain(50_000);
  await agent.stop();
  return typeof why === 'string' ? 0 : 1;
}
