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

function builtin(
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  opts: Partial<KindInfo> = {},
): KindInfo {
  return {
    group,
    version,
    resource,
    kind,
    listKind: `${kind}List`,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    categories: [],
    status: false,
    generation: 'none',
    storageVersion: version,
    ...opts,
  };
}

/** The built-in kinds the server serves from the start. */
export const BUILTIN_KINDS: readonly KindInfo[] = [
  builtin('', 'v1', 'namespaces', 'Namespace', false, { shortNames: ['ns'], status: true }),
  builtin('', 'v1', 'configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  builtin('', 'v1', 'secrets', 'Secret', true),
  builtin('', 'v1', 'services', 'Service', true, { shortNames: ['svc'], status: true, categories: ['all'] }),
  builtin('', 'v1', 'pods', 'Pod', true, { shortNames: ['po'], status: true, categories: ['all'] }),
  builtin('', 'v1', 'events', 'Event', true, { shortNames: ['ev'] }),
  builtin('', 'v1', 'serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'] }),
  builtin('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, { shortNames: ['pvc'], status: true }),
  builtin('', 'v1', 'endpoints', 'Endpoints', true, { shortNames: ['ep'], singular: 'endpoints' }),
  builtin('', 'v1', 'nodes', 'Node', false, { shortNames: ['no'], status: true }),
  builtin('apps', 'v1', 'deployments', 'Deployment', true, {
    shortNames: ['deploy'],
    status: true,
    generation: 'spec',
    categories: ['all'],
    scale: {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    },
  }),
  builtin('apps', 'v1', 'replicasets', 'ReplicaSet', true, {
    shortNames: ['rs'],
    status: true,
    generation: 'spec',
    categories: ['all'],
    scale: {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    },
  }),
  builtin('apps', 'v1', 'statefulsets', 'StatefulSet', true, {
    shortNames: ['sts'],
    status: true,
    generation: 'spec',
    categories: ['all'],
    scale: {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.spec.selector',
    },
  }),
  builtin('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, {
    shortNames: ['pdb'],
    status: true,
    generation: 'spec',
  }),
  builtin('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true, {
    shortNames: ['netpol'],
    generation: 'spec',
  }),
  builtin('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  builtin('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  builtin('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  builtin('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  builtin('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  builtin('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  builtin('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, {
    shortNames: ['crd', 'crds'],
    status: true,
    generation: 'spec',
  }),
  builtin('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false),
  builtin(
    'admissionregistration.k8s.io',
    'v1',
    'validatingwebhookconfigurations',
    'ValidatingWebhookConfiguration',
    false,
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
