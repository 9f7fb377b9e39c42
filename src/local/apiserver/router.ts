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

/** The route of a URL path, following the real server's layout; 'not-found' for anything else. */
export function route(pathname: string): Route {
  const segs = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (segs.length === 0) return { type: 'not-found' };
  const [head] = segs;
  if (head === 'healthz' || head === 'livez' || head === 'readyz') return { type: 'health' };
  if (head === 'version' && segs.length === 1) return { type: 'version' };
  if (head === 'openapi') {
    if (segs[1] === 'v2' && segs.length === 2) return { type: 'openapi-v2' };
    if (segs[1] === 'v3' && segs.length === 2) return { type: 'openapi-v3-root' };
    if (segs[1] === 'v3' && segs[2] === 'api' && segs.length === 4)
      return { type: 'openapi-v3', group: '', version: segs[3]! };
    if (segs[1] === 'v3' && segs[2] === 'apis' && segs.length === 5)
      return { type: 'openapi-v3', group: segs[3]!, version: segs[4]! };
    return { type: 'not-found' };
  }
  let group: string, version: string, rest: string[];
  if (head === 'api') {
    if (segs.length === 1) return { type: 'discovery-core' };
    group = '';
    version = segs[1]!;
    rest = segs.slice(2);
  } else if (head === 'apis') {
    if (segs.length === 1) return { type: 'discovery-groups' };
    if (segs.length === 2) return { type: 'discovery-group', group: segs[1]! };
    group = segs[1]!;
    version = segs[2]!;
    rest = segs.slice(3);
  } else return { type: 'not-found' };
  if (rest.length === 0) return { type: 'discovery-resources', group, version };
  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  const nsSub =
    rest[0] === 'namespaces' && rest.length === 3 && group === '' && (rest[2] === 'status' || rest[2] === 'finalize');
  if (rest[0] === 'namespaces' && rest.length >= 3 && !nsSub) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  if (!resource || extra.length > 0) return { type: 'not-found' };
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
