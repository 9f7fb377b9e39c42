// The registry of kinds the server serves: built-in kinds from a fixed table, custom kinds added and
// removed as CustomResourceDefinitions become Established or go away. Lookups by URL (group, version,
// resource) and by apiVersion+kind (for ownerReferences and admission).
import type { CompiledVersionSchema } from './crd-schema.ts';
import { groupResource } from './store.ts';

/** When metadata.generation increases: never, on a spec change, or on any change outside metadata. */
export type GenerationPolicy = 'none' | 'spec' | 'nonMetadata';

/** Where a kind keeps the replica counts and selector its scale subresource shows. */
export interface ScaleSpec {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** A CRD's additionalPrinterColumns entry. */
export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** A CRD's conversion settings. */
export interface ConversionConfig {
  strategy: 'None' | 'Webhook';
  url?: string;
  service?: { namespace: string; name: string; path?: string; port?: number };
  caBundle?: string;
  conversionReviewVersions?: string[];
}

/**
 * Everything the server knows of one served kind version: names, scope, subresources, generation, storage version, and
 * for a custom resource its CRD's schema, columns and conversion.
 */
export interface KindInfo {
  group: string;
  version: string;
  resource: string;
  kind: string;
  listKind: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  status: boolean;
  scale?: ScaleSpec;
  generation: GenerationPolicy;
  /** Version objects are stored at; equals `version` for built-ins. */
  storageVersion: string;
  /** Present for custom resources. */
  crd?: {
    name: string;
    schema?: CompiledVersionSchema;
    columns: PrinterColumn[];
    conversion: ConversionConfig;
    versions: string[];
    preserveAll: boolean;
  };
}

/** `group/version`, or just `version` for the core group. */
export function apiVersionOf(k: { group: string; version: string }): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

/** Where a built-in kind's objects live: in a namespace, or cluster-wide. */
type Scope = 'Namespaced' | 'Cluster';

/** A built-in kind from its apiVersion (`apps/v1`, `v1`), plural, Kind, scope and what differs from the defaults. */
function builtin(
  apiVersion: string,
  resource: string,
  kind: string,
  scope: Scope,
  opts: Partial<KindInfo> = {},
): KindInfo {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return {
    group: group!,
    version: version!,
    resource,
    kind,
    listKind: `${kind}List`,
    singular: kind.toLowerCase(),
    namespaced: scope === 'Namespaced',
    shortNames: [],
    categories: [],
    status: false,
    generation: 'none',
    storageVersion: version!,
    ...opts,
  };
}

/** A workload controller: status and scale subresources, generation bumped on spec changes, in `kubectl get all`. */
function workload(labelSelectorPath: string): Partial<KindInfo> {
  return {
    status: true,
    generation: 'spec',
    categories: ['all'],
    scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath },
  };
}

/** The built-in kinds the server serves from the start (a new one: a row here, its group in GROUP_ORDER). */
export const BUILTIN_KINDS: readonly KindInfo[] = [
  builtin('v1', 'namespaces', 'Namespace', 'Cluster', { shortNames: ['ns'], status: true }),
  builtin('v1', 'configmaps', 'ConfigMap', 'Namespaced', { shortNames: ['cm'] }),
  builtin('v1', 'secrets', 'Secret', 'Namespaced'),
  builtin('v1', 'services', 'Service', 'Namespaced', { shortNames: ['svc'], status: true, categories: ['all'] }),
  builtin('v1', 'pods', 'Pod', 'Namespaced', { shortNames: ['po'], status: true, categories: ['all'] }),
  builtin('v1', 'events', 'Event', 'Namespaced', { shortNames: ['ev'] }),
  builtin('v1', 'serviceaccounts', 'ServiceAccount', 'Namespaced', { shortNames: ['sa'] }),
  builtin('v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', 'Namespaced', { shortNames: ['pvc'], status: true }),
  builtin('v1', 'endpoints', 'Endpoints', 'Namespaced', { shortNames: ['ep'], singular: 'endpoints' }),
  builtin('v1', 'nodes', 'Node', 'Cluster', { shortNames: ['no'], status: true }),
  builtin('apps/v1', 'deployments', 'Deployment', 'Namespaced', {
    shortNames: ['deploy'],
    ...workload('.status.selector'),
  }),
  builtin('apps/v1', 'replicasets', 'ReplicaSet', 'Namespaced', {
    shortNames: ['rs'],
    ...workload('.status.selector'),
  }),
  builtin('apps/v1', 'statefulsets', 'StatefulSet', 'Namespaced', {
    shortNames: ['sts'],
    ...workload('.spec.selector'),
  }),
  builtin('policy/v1', 'poddisruptionbudgets', 'PodDisruptionBudget', 'Namespaced', {
    shortNames: ['pdb'],
    status: true,
    generation: 'spec',
  }),
  builtin('networking.k8s.io/v1', 'networkpolicies', 'NetworkPolicy', 'Namespaced', {
    shortNames: ['netpol'],
    generation: 'spec',
  }),
  builtin('coordination.k8s.io/v1', 'leases', 'Lease', 'Namespaced'),
  builtin('discovery.k8s.io/v1', 'endpointslices', 'EndpointSlice', 'Namespaced'),
  builtin('rbac.authorization.k8s.io/v1', 'roles', 'Role', 'Namespaced'),
  builtin('rbac.authorization.k8s.io/v1', 'rolebindings', 'RoleBinding', 'Namespaced'),
  builtin('rbac.authorization.k8s.io/v1', 'clusterroles', 'ClusterRole', 'Cluster'),
  builtin('rbac.authorization.k8s.io/v1', 'clusterrolebindings', 'ClusterRoleBinding', 'Cluster'),
  builtin('apiextensions.k8s.io/v1', 'customresourcedefinitions', 'CustomResourceDefinition', 'Cluster', {
    shortNames: ['crd', 'crds'],
    status: true,
    generation: 'spec',
  }),
  builtin(
    'admissionregistration.k8s.io/v1',
    'mutatingwebhookconfigurations',
    'MutatingWebhookConfiguration',
    'Cluster',
  ),
  builtin(
    'admissionregistration.k8s.io/v1',
    'validatingwebhookconfigurations',
    'ValidatingWebhookConfiguration',
    'Cluster',
  ),
];

/** Preferred order of groups in discovery, as the real server lists its built-in groups first. */
const GROUP_ORDER = [
  '',
  'apps',
  'policy',
  'networking.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'rbac.authorization.k8s.io',
  'apiextensions.k8s.io',
  'admissionregistration.k8s.io',
];

/** The kinds served now, looked up by URL (group, version, resource) or by apiVersion and kind. */
export class KindRegistry {
  private readonly kinds = new Map<string, KindInfo>();

  constructor(initial: readonly KindInfo[] = BUILTIN_KINDS) {
    for (const k of initial) this.add(k);
  }

  private static key(group: string, version: string, resource: string): string {
    return `${group}/${version}/${resource}`;
  }

  add(k: KindInfo): void {
    this.kinds.set(KindRegistry.key(k.group, k.version, k.resource), k);
  }

  /** Removes every version of a custom resource (group + plural). */
  removeResource(group: string, resource: string): void {
    for (const [key, k] of this.kinds)
      if (k.group === group && k.resource === resource && k.crd) this.kinds.delete(key);
  }

  get(group: string, version: string, resource: string): KindInfo | undefined {
    return this.kinds.get(KindRegistry.key(group, version, resource));
  }

  byApiVersionKind(apiVersion: string, kind: string): KindInfo | undefined {
    const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['', apiVersion];
    for (const k of this.kinds.values()) if (k.group === group && k.version === version && k.kind === kind) return k;
    return undefined;
  }

  /** Any served version of group+resource: used when the version does not matter (GC, namespace cleanup). */
  anyVersion(group: string, resource: string): KindInfo | undefined {
    for (const k of this.kinds.values())
      if (k.group === group && k.resource === resource && k.version === k.storageVersion) return k;
    for (const k of this.kinds.values()) if (k.group === group && k.resource === resource) return k;
    return undefined;
  }

  versionsOf(group: string, resource: string): KindInfo[] {
    return [...this.kinds.values()].filter((k) => k.group === group && k.resource === resource);
  }

  all(): KindInfo[] {
    return [...this.kinds.values()];
  }

  /** Distinct group+resource pairs at their storage version. */
  storageKinds(): KindInfo[] {
    const seen = new Map<string, KindInfo>();
    for (const k of this.kinds.values()) {
      const gr = groupResource(k);
      if (!seen.has(gr) || k.version === k.storageVersion) seen.set(gr, k);
    }
    return [...seen.values()];
  }

  groups(): { name: string; versions: string[]; preferred: string }[] {
    const m = new Map<string, Set<string>>();
    for (const k of this.kinds.values()) {
      if (!m.has(k.group)) m.set(k.group, new Set());
      m.get(k.group)!.add(k.version);
    }
    const names = [...m.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    // The preferred version is the highest by Kubernetes version priority, not the storage version.
    return names.map((name) => {
      const versions = [...m.get(name)!].sort(compareVersions);
      return { name, versions, preferred: versions[0]! };
    });
  }
}

function rank(group: string): number {
  const i = GROUP_ORDER.indexOf(group);
  return i < 0 ? GROUP_ORDER.length : i;
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0] as const;
    const stage = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [stage, Number(m[1]), Number(m[3] ?? 0)] as const;
  };
  const pa = parse(a),
    pb = parse(b);
  return pb[0] - pa[0] || pb[1] - pa[1] || pb[2] - pa[2] || a.localeCompare(b);
}
