// What it takes to start one container as a process.

/** A container's process: program, arguments, environment, working directory. */
export interface LaunchSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Runs before every start; may replace the arguments (database initialisation, config files). */
  prepare?: () => Promise<string[] | void>;
}
