// A container's view of its filesystem: volumeMounts map container paths to directories on this
// machine. Processes here share the host filesystem, so paths a container is given (args, env values,
// probe and hook commands) are rewritten when they lie under a mount: `/etc/mysql-raft/credentials/x`
// becomes `<pod dir>/volumes/credentials/x`. A program that uses a built-in default path instead
// (one it is not told) does not see the mount: docs/local.md says so.

/** Container mount path -> host directory (subPath already applied). */
export class PathMap {
  private readonly mounts: [string, string][];

  constructor(mounts: Map<string, string>) {
    this.mounts = [...mounts.entries()]
      .map(([c, h]) => [c.replace(/\/+$/, '') || '/', h] as [string, string])
      .sort((a, b) => b[0].length - a[0].length);
  }

  /** The host path for a container path, or undefined when no mount covers it. */
  hostPath(containerPath: string): string | undefined {
    for (const [c, h] of this.mounts) {
      if (containerPath === c) return h;
      if (containerPath.startsWith(`${c}/`)) return `${h}${containerPath.slice(c.length)}`;
    }
    return undefined;
  }

  /** Rewrites every mounted path in `text` that starts the string or follows `=`, `:` or a space. */
  rewrite(text: string): string {
    return text.replace(/(^|[=:\s])(\/[^\s:=,;'"]*)/g, (all, lead: string, p: string) => {
      const h = this.hostPath(p);
      return h === undefined ? all : `${lead}${h}`;
    });
  }
}
