// URL -> request info, following the real server's path layout:
//   /api/v1[/watch][/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
//   /apis/{group}/{version}[/watch][/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
/** What a URL path asks for. */
export type Route =
  | { type: 'discovery-core' }
  | { type: 'discovery-groups' }
  | { type: 'discovery-group'; group: string }
  | { type: 'discovery-resources'; group: string; version: string }
  | {
      type: 'resource';
      group: string;
      version: string;
      resource: string;
      namespace?: string;
      name?: string;
      subresource?: string;
      legacyWatch: boolean;
    }
  | { type: 'version' }
  | { type: 'health' }
  | { type: 'openapi-v2' }
  | { type: 'openapi-v3-root' }
  | { type: 'openapi-v3'; group: string; version: string }
  | { type: 'not-found' };

const NOT_FOUND: Route = { type: 'not-found' };

/** The route of a URL path, following the real server's layout; 'not-found' for anything else. */
export function route(pathname: string): Route {
  const [head, ...tail] = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  switch (head) {
    case 'healthz':
    case 'livez':
    case 'readyz':
      return { type: 'health' };
    case 'version':
      return tail.length === 0 ? { type: 'version' } : NOT_FOUND;
    case 'openapi':
      return openApiRoute(tail);
    case 'api':
      return tail.length === 0 ? { type: 'discovery-core' } : versionRoute('', tail[0]!, tail.slice(1));
    case 'apis':
      if (tail.length === 0) return { type: 'discovery-groups' };
      if (tail.length === 1) return { type: 'discovery-group', group: tail[0]! };
      return versionRoute(tail[0]!, tail[1]!, tail.slice(2));
    default:
      return NOT_FOUND;
  }
}

/** /openapi/v2, /openapi/v3, /openapi/v3/api/{version}, /openapi/v3/apis/{group}/{version}. */
function openApiRoute(segs: string[]): Route {
  const [v, root, ...gv] = segs;
  if (v === 'v2') return segs.length === 1 ? { type: 'openapi-v2' } : NOT_FOUND;
  if (v !== 'v3') return NOT_FOUND;
  if (root === undefined) return { type: 'openapi-v3-root' };
  if (root === 'api' && gv.length === 1) return { type: 'openapi-v3', group: '', version: gv[0]! };
  if (root === 'apis' && gv.length === 2) return { type: 'openapi-v3', group: gv[0]!, version: gv[1]! };
  return NOT_FOUND;
}

/** What follows /api/{version} or /apis/{group}/{version}: the group version's resources, or one resource. */
function versionRoute(group: string, version: string, rest: string[]): Route {
  if (rest.length === 0) return { type: 'discovery-resources', group, version };
  const legacyWatch = rest[0] === 'watch';
  const { namespace, path } = splitNamespace(group, legacyWatch ? rest.slice(1) : rest);
  const [resource, name, subresource, ...extra] = path;
  if (!resource || extra.length > 0) return NOT_FOUND;
  return {
    type: 'resource',
    group,
    version,
    resource,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
    legacyWatch,
  };
}

/**
 * A leading namespaces/{ns} scopes the rest of the path, except for the namespace's own subresources
 * (/api/v1/namespaces/{name}/status and /finalize), which address the Namespace object itself.
 */
function splitNamespace(group: string, rest: string[]): { namespace?: string; path: string[] } {
  if (rest[0] !== 'namespaces' || rest.length < 3) return { path: rest };
  const ownSub = rest.length === 3 && group === '' && (rest[2] === 'status' || rest[2] === 'finalize');
  return ownSub ? { path: rest } : { namespace: rest[1]!, path: rest.slice(2) };
}
