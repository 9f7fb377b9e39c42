// Discovery documents (/api, /apis, group and group-version resource lists, /version), built from the
// kind registry so that CRD kinds appear as soon as they are Established. Aggregated discovery is not
// offered: clients that ask for it (kubectl 1.32) fall back to these legacy documents.
import type { KindInfo, KindRegistry } from './kinds.ts';
import type { Obj } from './meta.ts';

/** What /version answers. */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-embedded',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'node',
  compiler: 'tsx',
  platform: `${process.platform}/${process.arch}`,
};

const VERBS_MAIN = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** The /api document: core version v1, at this address. */
export function apiVersions(serverAddress: string): Obj {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDoc(g: { name: string; versions: string[]; preferred: string }): Obj {
  return {
    name: g.name,
    versions: g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${g.name}/${g.preferred}`, version: g.preferred },
  };
}

/** The /apis document: every group served, with its versions and preferred version. */
export function apiGroupList(kinds: KindRegistry): Obj {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: kinds
      .groups()
      .filter((g) => g.name !== '')
      .map(groupDoc),
  };
}

/** The /apis/<group> document, or undefined when the group is not served. */
export function apiGroup(kinds: KindRegistry, name: string): Obj | undefined {
  const g = kinds.groups().find((x) => x.name === name && name !== '');
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(g) } : undefined;
}

const POD_SUBRESOURCE_DOCS: [string, string[], string, string][] = [
  ['binding', ['create'], 'Binding', ''],
  ['eviction', ['create'], 'Eviction', 'policy'],
  ['exec', ['create', 'get'], 'PodExecOptions', ''],
  ['log', ['get'], 'Pod', ''],
];

function resourceEntries(k: KindInfo): Obj[] {
  const main: Obj = {
    name: k.resource,
    singularName: k.singular,
    namespaced: k.namespaced,
    kind: k.kind,
    verbs: VERBS_MAIN,
  };
  if (k.shortNames.length) main['shortNames'] = k.shortNames;
  if (k.categories.length) main['categories'] = k.categories;
  const out = [main];
  if (k.status)
    out.push({
      name: `${k.resource}/status`,
      singularName: '',
      namespaced: k.namespaced,
      kind: k.kind,
      verbs: ['get', 'patch', 'update'],
    });
  if (k.scale)
    out.push({
      name: `${k.resource}/scale`,
      singularName: '',
      namespaced: k.namespaced,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    });
  if (k.kind === 'Pod' && !k.group)
    for (const [sub, verbs, kind, group] of POD_SUBRESOURCE_DOCS)
      out.push({
        name: `pods/${sub}`,
        singularName: '',
        namespaced: true,
        ...(group ? { group, version: 'v1' } : {}),
        kind,
        verbs,
      });
  if (k.kind === 'Namespace' && !k.group)
    out.push({
      name: 'namespaces/finalize',
      singularName: '',
      namespaced: false,
      kind: 'Namespace',
      verbs: ['update'],
    });
  return out;
}

/** The resource list of a group version (subresources included), or undefined when it is not served. */
export function apiResourceList(kinds: KindRegistry, group: string, version: string): Obj | undefined {
  const ks = kinds
    .all()
    .filter((k) => k.group === group && k.version === version)
    .sort((a, b) => a.resource.localeCompare(b.resource));
  if (ks.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: ks.flatMap(resourceEntries),
  };
}
