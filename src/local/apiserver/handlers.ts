// Dispatch of one authenticated request to health, version, discovery, OpenAPI or a resource verb
// (resource-handlers.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from './status-errors.ts';
import { route, type Route } from './router.ts';
import { writeJson, writeText } from './http-io.ts';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, SERVER_VERSION } from './discovery.ts';
import { openApiV2, openApiV3Doc, openApiV3Root } from './openapi.ts';
import { handleResource, type ResourceHandlerOptions } from './resource-handlers.ts';
import type { ServerContext } from './context.ts';

/** What handle() needs from the server: its address for discovery, watch timings, and watch tracking for shutdown. */
export interface HandlerOptions extends ResourceHandlerOptions {
  serverAddress: () => string;
}

/** `url` is the request target the listener parsed (and refused when malformed, as Go's net/http does). */
export async function handle(
  ctx: ServerContext,
  opts: HandlerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const r = route(url.pathname);
  if (r.type === 'resource') {
    await handleResource({ ctx, opts, method: req.method ?? 'GET', q: url.searchParams, req, res }, r);
    return;
  }
  if (r.type === 'openapi-v2' && !acceptsJson(req)) {
    writeJson(res, 406, errors.badRequest('only application/json is served').toStatus());
    return;
  }
  const body = documentOf(ctx, opts, r);
  if (body === undefined) writeText(res, 404, '404 page not found\n');
  else if (typeof body === 'string') writeText(res, 200, body);
  else writeJson(res, 200, body);
}

function acceptsJson(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return !accept || /json|\*\/\*/.test(accept);
}

/** The document a non-resource route serves (text for health); undefined answers 404. */
function documentOf(ctx: ServerContext, opts: HandlerOptions, r: Exclude<Route, { type: 'resource' }>): unknown {
  switch (r.type) {
    case 'health':
      return 'ok';
    case 'version':
      return SERVER_VERSION;
    case 'discovery-core':
      return apiVersions(opts.serverAddress());
    case 'discovery-groups':
      return apiGroupList(ctx.kinds);
    case 'discovery-group':
      return apiGroup(ctx.kinds, r.group);
    case 'discovery-resources':
      return apiResourceList(ctx.kinds, r.group, r.version);
    case 'openapi-v2':
      return openApiV2();
    case 'openapi-v3-root':
      return openApiV3Root(ctx.kinds);
    case 'openapi-v3':
      return openApiV3Doc(ctx.kinds, r.group, r.version);
    case 'not-found':
      return undefined;
    default: {
      const never: never = r;
      return never;
    }
  }
}
