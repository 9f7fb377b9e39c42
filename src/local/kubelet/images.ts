// Container images mapped to programs on this machine: database images run this machine's mariadbd
// (or mysqld when the image's flavor is installed), the operator image runs bin/mysql-raft-operator.js,
// base-OS images (busybox, alpine, debian, ubuntu) run their command on the host. Anything else cannot
// run here, and the container waits with reason ErrImagePull, as a kubelet that cannot pull it would.

/** How a container image runs locally. */
export type ImagePlan =
  | { runtime: 'mysqld'; imageFlavor: 'mysql' | 'mariadb' | 'percona'; substituted: boolean }
  | { runtime: 'operator' }
  | { runtime: 'host' }
  | { runtime: 'unmapped'; message: string };

/** Which image names mean "the operator" (besides anything named *mysql-raft-operator*). */
export interface ImageOptions {
  operatorImages?: string[];
  /** The flavor of this machine's server: 'mariadb' (mariadbd) or 'mysql'. */
  localFlavor: 'mariadb' | 'mysql';
}

/** The repository part of an image reference: registry host and tag/digest stripped. */
export function repositoryOf(image: string): string {
  let name = image.split('@')[0]!;
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) name = name.slice(0, colon);
  const parts = name.split('/');
  if (parts.length > 1 && (parts[0]!.includes('.') || parts[0]!.includes(':') || parts[0] === 'localhost'))
    parts.shift();
  if (parts[0] === 'library') parts.shift();
  return parts.join('/');
}

const MYSQL_REPOS = new Set(['mysql', 'mysql/mysql-server', 'bitnami/mysql']);
const MARIADB_REPOS = new Set(['mariadb', 'bitnami/mariadb']);
const HOST_REPOS = new Set(['busybox', 'alpine', 'debian', 'ubuntu']);

/** The plan for one image. */
export function planImage(image: string, o: ImageOptions): ImagePlan {
  const repo = repositoryOf(image);
  const flavor = MYSQL_REPOS.has(repo)
    ? 'mysql'
    : MARIADB_REPOS.has(repo)
      ? 'mariadb'
      : repo.startsWith('percona/') || repo === 'percona'
        ? 'percona'
        : undefined;
  if (flavor) {
    const runsAs = flavor === 'percona' ? 'mysql' : flavor;
    return { runtime: 'mysqld', imageFlavor: flavor, substituted: runsAs !== o.localFlavor };
  }
  if (repo.endsWith('mysql-raft-operator') || (o.operatorImages ?? []).some((i) => repositoryOf(i) === repo))
    return { runtime: 'operator' };
  if (HOST_REPOS.has(repo)) return { runtime: 'host' };
  return {
    runtime: 'unmapped',
    message:
      `image "${image}" cannot run on the local pod runner: it maps mysql, mariadb and percona images to this ` +
      `machine's database server, the operator image (*mysql-raft-operator*) to bin/mysql-raft-operator.js, and ` +
      `busybox/alpine/debian/ubuntu to commands on this machine`,
  };
}
