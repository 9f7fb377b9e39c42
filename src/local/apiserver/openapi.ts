// OpenAPI documents, only as much as kubectl 1.32 needs: /openapi/v3 lists one document per group
// version whose PATCH operations carry x-kubernetes-group-version-kind and the fieldValidation query
// parameter, so kubectl validates server-side (fieldValidation=Strict) instead of downloading a full
// schema. /openapi/v2 answers JSON with an empty swagger document (protobuf is not offered).
import { createHash } from 'node:crypto';
import type { KindInfo, KindRegistry } from './kinds.ts';
import type { Obj } from './meta.ts';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function hashOf(ks: KindInfo[]): string {
  return createHash('sha512')
    .update(JSON.stringify(ks.map((k) => [k.group, k.version, k.resource, k.kind])))
    .digest('hex')
    .slice(0, 64)
    .toUpperCase();
}

/** The /openapi/v3 root: one entry per served group version. */
export function openApiV3Root(kinds: KindRegistry): Obj {
  const byGv = new Map<string, KindInfo[]>();
  for (const k of kinds.all()) {
    const p = gvPath(k.group, k.version);
    byGv.set(p, [...(byGv.get(p) ?? []), k]);
  }
  const paths: Obj = {};
  for (const [p, ks] of byGv) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(ks)}` };
  return { paths };
}

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
  name,
  in: 'query',
  schema: { type: 'string', uniqueItems: true },
}));

/** The OpenAPI v3 document of one group version, or undefined when it is not served. */
export function openApiV3Doc(kinds: KindRegistry, group: string, version: string): Obj | undefined {
  const ks = kinds.all().filter((k) => k.group === group && k.version === version);
  if (ks.length === 0) return undefined;
  const paths: Obj = {};
  const schemas: Obj = {};
  for (const k of ks) {
    const base = `/${gvPath(group, version)}${k.namespaced ? '/namespaces/{namespace}' : ''}/${k.resource}/{name}`;
    const gvk = { group, version, kind: k.kind };
    const ref = `${group || 'core'}.${version}.${k.kind}`;
    // No strategic-merge-patch entry: kubectl then builds SMPs from its compiled-in types, not from a schema
    // we do not publish.
    const content = Object.fromEntries(
      ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'].map((t) => [
        t,
        { schema: { type: 'object' } },
      ]),
    );
    paths[base] = {
      get: {
        'x-kubernetes-action': 'get',
        'x-kubernetes-group-version-kind': gvk,
        responses: { 200: { description: 'OK' } },
      },
      patch: {
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': gvk,
        parameters: QUERY_PARAMS,
        requestBody: { content },
        responses: { 200: { description: 'OK' } },
      },
    };
    schemas[ref] = {
      type: 'object',
      'x-kubernetes-group-version-kind': [gvk],
      ...(k.crd?.schema ? { properties: k.crd.schema.raw['properties'] } : {}),
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas } };
}

/** An empty swagger 2.0 document for /openapi/v2. */
export function openApiV2(): Obj {
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths: {}, definitions: {} };
}
