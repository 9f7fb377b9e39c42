// Which row of src/mysql/flavor.ts a cluster's image runs, decided from spec.image and
// spec.mysql.flavor before any pod exists (the agent later confirms it with SELECT VERSION()).
// An unknown MySQL tag is taken as 8.0: its my.cnf is also valid on 8.4.
import type { Flavor as FlavorSetting } from '../../api/types.ts';
import type { FlavorName } from '../../mysql/flavor.ts';

/** The repository's last path segment and the tag of an image reference (digest dropped). */
export function parseImage(image: string): { repo: string; tag: string } {
  const noDigest = image.split('@')[0] ?? '';
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const hasTag = colon > slash;
  const path = hasTag ? noDigest.slice(0, colon) : noDigest;
  return { repo: path.slice(path.lastIndexOf('/') + 1).toLowerCase(), tag: hasTag ? noDigest.slice(colon + 1) : '' };
}

function mysqlFromTag(tag: string): FlavorName {
  if (/^5\.7(\b|[.-])/.test(tag) || tag === '5.7' || tag === '5') return 'mysql57';
  if (/^8\.0(\b|[.-])/.test(tag) || tag === '8.0') return 'mysql80';
  if (/^(8\.[1-9]|8$|9|lts|latest|innovation)/.test(tag)) return 'mysql84';
  return 'mysql80';
}

/** The flavor row for this image: `mariadb` by name or setting, else MySQL by tag. */
export function flavorFor(image: string, setting: FlavorSetting | undefined): FlavorName {
  const { repo, tag } = parseImage(image);
  if (setting === 'mariadb' || (setting !== 'mysql' && repo.includes('mariadb'))) return 'mariadb';
  return mysqlFromTag(tag);
}

/** The server binary's environment variable for the root password, per family. */
export function rootPasswordEnv(flavor: FlavorName): string {
  return flavor === 'mariadb' ? 'MARIADB_ROOT_PASSWORD' : 'MYSQL_ROOT_PASSWORD';
}
