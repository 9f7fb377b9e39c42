// From a container and its image plan to the process to start (see images.ts for the mapping).
import type { Obj } from './client.ts';
import type { ImagePlan } from './images.ts';
import type { LaunchSpec } from './launch-spec.ts';
import { mysqldLaunch, runsServer } from './mysqld.ts';
import type { PathMap } from './paths.ts';

/** Everything a container's launch depends on. */
export interface LaunchInput {
  container: Obj;
  env: Record<string, string>;
  mounts: Map<string, string>;
  paths: PathMap;
  podDir: string;
  podIP: string;
  cacheDir: string;
  serverBinary: string;
  /** bin/mysql-raft-operator.js of this checkout. */
  operatorEntry: string;
}

const OPERATOR_NAMES = /(^|\/)(mysql-raft-operator(\.js)?|manager|node)$/;

/** The process for a mapped image (never called for `unmapped`). */
export function launchFor(plan: Exclude<ImagePlan, { runtime: 'unmapped' }>, i: LaunchInput): LaunchSpec {
  const command = ((i.container['command'] ?? []) as string[]).map((s) => i.paths.rewrite(s));
  const args = ((i.container['args'] ?? []) as string[]).map((s) => i.paths.rewrite(s));
  switch (plan.runtime) {
    case 'mysqld':
      if (runsServer(i.container))
        return mysqldLaunch({
          container: i.container,
          env: i.env,
          mounts: i.mounts,
          podDir: i.podDir,
          podIP: i.podIP,
          cacheDir: i.cacheDir,
          serverBinary: i.serverBinary,
          substituted: plan.substituted,
        });
      return host(command, args, i);
    case 'operator': {
      const rest = command.length && OPERATOR_NAMES.test(command[0]!) ? command.slice(1) : command;
      const all = [...rest, ...args];
      // Pods share this machine's ports: the manager listens on its pod IP unless told otherwise.
      if (all[0] === 'manager' && !all.some((a) => a.startsWith('--bind-address')))
        all.push(`--bind-address=${i.podIP}`);
      return { command: process.execPath, args: [i.operatorEntry, ...all], env: i.env, cwd: i.podDir };
    }
    case 'host':
      return host(command, args, i);
    default: {
      const never: never = plan;
      return never;
    }
  }
}

function host(command: string[], args: string[], i: LaunchInput): LaunchSpec {
  const all = [...command, ...args];
  if (all.length === 0) return { command: 'sh', args: [], env: i.env, cwd: i.podDir };
  return { command: all[0]!, args: all.slice(1), env: i.env, cwd: i.podDir };
}
