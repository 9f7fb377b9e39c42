// Bearer-token authentication: the one token written into the kubeconfig. Health and version
// endpoints stay public, as system:public-info-viewer makes them on a real cluster.
import { timingSafeEqual } from 'node:crypto';

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

/** Whether the path is served without a token (health and version endpoints). */
export function isPublicPath(path: string): boolean {
  return PUBLIC_PATHS.has(path);
}

/** Whether the Authorization header carries exactly this bearer token (compared in constant time). */
export function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!.trim());
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
