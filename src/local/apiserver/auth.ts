// Bearer-token authentication: the one token written into the kubeconfig. Health and version
// endpoints stay public, as system:public-info-viewer makes them on a real cluster. A request with no
// credentials is system:anonymous and gets RBAC's 403 (a real server with anonymous auth on); a wrong
// token is 401.
import { timingSafeEqual } from 'node:crypto';
import { ApiError, errors } from './status-errors.ts';
import { route } from './router.ts';

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

/** The verb kube-apiserver's RequestInfo derives from a resource request. */
function resourceVerb(method: string, named: boolean, watch: boolean): string {
  switch (method) {
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      return watch ? 'watch' : named ? 'get' : 'list';
  }
}

/**
 * The 403 a real server (anonymous auth on, RBAC) gives a request without credentials: it is
 * system:anonymous, whom no role allows anything but the public info paths.
 */
export function anonymousForbidden(method: string, url: URL): ApiError {
  const r = route(url.pathname);
  const user = 'User "system:anonymous"';
  if (r.type !== 'resource') {
    const why = `${user} cannot ${method.toLowerCase()} path ${JSON.stringify(url.pathname)}`;
    return new ApiError(403, 'Forbidden', `forbidden: ${why}`, {});
  }
  const watch = r.legacyWatch || ['true', '1'].includes(url.searchParams.get('watch') ?? '');
  const verb = resourceVerb(method, r.name !== undefined, watch);
  const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  // RequestInfo takes a namespace's own name as the namespace of requests on it.
  const ns = r.group === '' && r.resource === 'namespaces' && r.name !== undefined ? r.name : r.namespace;
  const scope = ns !== undefined ? `in the namespace ${JSON.stringify(ns)}` : 'at the cluster scope';
  const why = `${user} cannot ${verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(r.group)} ${scope}`;
  return errors.forbidden(r.group, r.resource, r.name ?? '', why);
}
