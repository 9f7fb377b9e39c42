// Each pod's processes in a cgroup of their own, as a real kubelet does. Local pods share this machine's
// network stack and their outgoing connections all leave from 127.0.0.1, so a pod is told apart on the
// wire only by its cgroup: `iptables -m cgroup --path <podCgroupPath>` then cuts one pod off from the
// others (the chaos harness's partitions) while clients still reach it. Needs a writable cgroup v2
// hierarchy (root); without one, pods run as before and partition faults are unavailable.
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

/** The parent of every local pod's cgroup, relative to the cgroup v2 root (iptables takes this form). */
export const LOCAL_CGROUP_PARENT = 'mysql-raft-local';

/** Where cgroup v2 is mounted, from /proc/mounts; undefined when it is not. */
export function cgroup2Root(mounts = '/proc/mounts'): string | undefined {
  let text: string;
  try {
    text = readFileSync(mounts, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [, dir, type] = line.split(' ');
    if (type === 'cgroup2' && dir) return dir;
  }
  return undefined;
}

/** A pod's cgroup path relative to the cgroup v2 root. */
export function podCgroupPath(uid: string): string {
  return `${LOCAL_CGROUP_PARENT}/pod${uid}`;
}

/** Creates the pod's cgroup; its cgroup.procs file, or undefined when cgroups are not writable here. */
export function ensurePodCgroup(uid: string, root = cgroup2Root()): string | undefined {
  if (!root) return undefined;
  const dir = join(root, podCgroupPath(uid));
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    return undefined;
  }
  const procs = join(dir, 'cgroup.procs');
  return existsSync(procs) ? procs : undefined;
}

/** Removes the pod's cgroup once its processes are gone (the kernel refuses while any remain). */
export function removePodCgroup(uid: string, root = cgroup2Root()): void {
  if (!root) return;
  try {
    rmdirSync(join(root, podCgroupPath(uid)));
  } catch {
    // Not there, or processes still in it: a later pod stop or restart of local cleans it.
  }
}

/**
 * The command line that starts `command args` inside the cgroup whose `cgroup.procs` is `procs`: a shell
 * moves itself there and execs the program, so the program (same pid) and every socket it opens belong
 * to the pod from the first instruction on. If the move fails the program still starts (outside it).
 */
export function inCgroup(procs: string, command: string, args: string[]): { command: string; args: string[] } {
  // A failed move (the hierarchy changed under us) must not keep the container from starting.
  return { command: '/bin/sh', args: ['-c', 'echo $$ 2>/dev/null > "$0"; exec "$@"', procs, command, ...args] };
}
