// Per-kind defaulting and validation for the built-in kinds, limited to what the real server does that a
// client of ours can observe: Secret stringData, Service defaults, the ConfigMap 1 MiB limit, Lease
// and webhook configuration field checks, StatefulSet defaults.
import type { FieldError } from './status-errors.ts';
import type { KindInfo } from './kinds.ts';
import { isPlainObject, type Obj } from './meta.ts';
import { normalizeMicroTime } from './go-time.ts';
import { crdProblems } from './crd-definition.ts';
import type { ClusterIpAllocator } from './cluster-ip.ts';
import { defaultPodSpec, replicasProblems, workloadHooks } from './builtins-workloads.ts';

/** core.MaxSecretSize: the cap on a ConfigMap's or Secret's total data. */
export const MAX_DATA_SIZE = 1024 * 1024;

/** What a hook may consult beyond the object: the server's allocators. */
export interface BuiltinEnv {
  clusterIps?: ClusterIpAllocator;
}

type Hook = (o: Obj, old: Obj | undefined, env: BuiltinEnv) => FieldError[];

function dataSize(o: Obj, fields: string[]): number {
  let n = 0;
  for (const f of fields)
    for (const [k, v] of Object.entries((o[f] ?? {}) as Obj))
      n +=
        Buffer.byteLength(k) +
        (typeof v === 'string'
          ? f === 'binaryData' || (f === 'data' && o['kind'] === 'Secret')
            ? Buffer.from(v, 'base64').length
            : Buffer.byteLength(v)
          : 0);
  return n;
}

const hooks: Record<string, Hook> = {
  ConfigMap: (o) => {
    const errs: FieldError[] = [];
    if (dataSize(o, ['data', 'binaryData']) > MAX_DATA_SIZE)
      errs.push({ type: 'TooLong', field: '[]', detail: `may not be more than ${MAX_DATA_SIZE} bytes` });
    return errs;
  },
  Secret: (o) => {
    if (isPlainObject(o['stringData'])) {
      const data = (o['data'] ?? {}) as Obj;
      for (const [k, v] of Object.entries(o['stringData'])) data[k] = Buffer.from(String(v)).toString('base64');
      o['data'] = data;
      delete o['stringData'];
    }
    o['type'] ??= 'Opaque';
    const errs: FieldError[] = [];
    if (dataSize(o, ['data']) > MAX_DATA_SIZE)
      errs.push({ type: 'TooLong', field: 'data', detail: `may not be more than ${MAX_DATA_SIZE} bytes` });
    return errs;
  },
  Namespace: (o) => {
    o['spec'] = { finalizers: ['kubernetes'], ...(o['spec'] ?? {}) };
    o['status'] = { phase: 'Active', ...(o['status'] ?? {}) };
    const m = o['metadata'] as Obj;
    m['labels'] = { ...(m['labels'] ?? {}), 'kubernetes.io/metadata.name': m['name'] };
    return [];
  },
  Service: (o, old, env) => {
    const spec = (o['spec'] ??= {}) as Obj;
    spec['type'] ??= 'ClusterIP';
    spec['sessionAffinity'] ??= 'None';
    for (const p of (spec['ports'] ?? []) as Obj[]) {
      p['protocol'] ??= 'TCP';
      p['targetPort'] ??= p['port'];
    }
    o['status'] ??= { loadBalancer: {} };
    const oldSpec = old && isPlainObject(old['spec']) ? old['spec'] : undefined;
    if (env.clusterIps) return env.clusterIps.assign(spec, oldSpec);
    randomClusterIp(spec, oldSpec);
    return [];
  },
  Pod: (o) => {
    o['status'] ??= {};
    (o['status'] as Obj)['phase'] ??= 'Pending';
    const spec = (o['spec'] ??= {}) as Obj;
    defaultPodSpec(spec);
    const errs: FieldError[] = [];
    if (!Array.isArray(spec['containers']) || spec['containers'].length === 0)
      errs.push({ type: 'Required', field: 'spec.containers' });
    return errs;
  },
  StatefulSet: (o) => {
    const spec = (o['spec'] ??= {}) as Obj;
    spec['replicas'] ??= 1;
    spec['podManagementPolicy'] ??= 'OrderedReady';
    spec['revisionHistoryLimit'] ??= 10;
    spec['updateStrategy'] ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
    const errs: FieldError[] = [];
    if (!isPlainObject(spec['selector'])) errs.push({ type: 'Required', field: 'spec.selector' });
    return [...errs, ...replicasProblems(spec)];
  },
  Lease: (o) => {
    const errs: FieldError[] = [];
    const spec = (o['spec'] ?? {}) as Obj;
    for (const f of ['acquireTime', 'renewTime'])
      if (typeof spec[f] === 'string') spec[f] = normalizeMicroTime(spec[f]);
    if (spec['leaseDurationSeconds'] !== undefined && !(Number(spec['leaseDurationSeconds']) > 0)) {
      errs.push({
        type: 'Invalid',
        field: 'spec.leaseDurationSeconds',
        value: spec['leaseDurationSeconds'],
        detail: 'must be greater than 0',
      });
    }
    if (spec['leaseTransitions'] !== undefined && Number(spec['leaseTransitions']) < 0) {
      errs.push({
        type: 'Invalid',
        field: 'spec.leaseTransitions',
        value: spec['leaseTransitions'],
        detail: 'must be greater than or equal to 0',
      });
    }
    return errs;
  },
  ...workloadHooks,
  CustomResourceDefinition: (o) => crdProblems(o),
  MutatingWebhookConfiguration: (o) => webhookConfigProblems(o, true),
  ValidatingWebhookConfiguration: (o) => webhookConfigProblems(o, false),
};

/** Without an allocator (contexts built by hand): the old clusterIP kept, else a random 10.96.x.y. */
function randomClusterIp(spec: Obj, oldSpec: Obj | undefined): void {
  if (oldSpec) spec['clusterIP'] ??= oldSpec['clusterIP'];
  if (spec['clusterIP'] === undefined || spec['clusterIP'] === '')
    spec['clusterIP'] = `10.96.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;
  spec['clusterIPs'] = [spec['clusterIP']];
}

function webhookConfigProblems(o: Obj, mutating: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const hooks = (o['webhooks'] ?? []) as Obj[];
  const names = new Set<string>();
  hooks.forEach((h, i) => {
    const p = `webhooks[${i}]`;
    if (!h['name']) errs.push({ type: 'Required', field: `${p}.name` });
    else if (names.has(h['name'])) errs.push({ type: 'Duplicate', field: `${p}.name`, value: h['name'] });
    names.add(h['name']);
    errs.push(...webhookProblems(h, p));
    defaultWebhook(h, mutating);
  });
  return errs;
}

/** One webhook's sideEffects, review versions, client config and timeout; `p` is its path (`webhooks[0]`). */
function webhookProblems(h: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!['None', 'NoneOnDryRun'].includes(h['sideEffects'])) {
    errs.push(
      h['sideEffects'] === undefined
        ? { type: 'Required', field: `${p}.sideEffects`, detail: 'must specify one of None, NoneOnDryRun' }
        : {
            type: 'Unsupported',
            field: `${p}.sideEffects`,
            value: h['sideEffects'],
            detail: 'supported values: "None", "NoneOnDryRun"',
          },
    );
  }
  const versions = h['admissionReviewVersions'];
  if (!Array.isArray(versions) || !versions.includes('v1'))
    errs.push({ type: 'Required', field: `${p}.admissionReviewVersions`, detail: 'must specify one of v1, v1beta1' });
  const cc = (h['clientConfig'] ?? {}) as Obj;
  if (!cc['url'] === !cc['service'])
    errs.push({ type: 'Required', field: `${p}.clientConfig`, detail: 'exactly one of url or service is required' });
  if (typeof cc['url'] === 'string' && !cc['url'].startsWith('https://'))
    errs.push({
      type: 'Invalid',
      field: `${p}.clientConfig.url`,
      value: cc['url'],
      detail: "'https' is the only allowed URL scheme",
    });
  const t = h['timeoutSeconds'];
  if (t !== undefined && (t < 1 || t > 30))
    errs.push({
      type: 'Invalid',
      field: `${p}.timeoutSeconds`,
      value: t,
      detail: 'the timeout value must be between 1 and 30 seconds',
    });
  return errs;
}

function defaultWebhook(h: Obj, mutating: boolean): void {
  h['failurePolicy'] ??= 'Fail';
  h['matchPolicy'] ??= 'Equivalent';
  h['timeoutSeconds'] ??= 10;
  h['namespaceSelector'] ??= {};
  h['objectSelector'] ??= {};
  if (mutating) h['reinvocationPolicy'] ??= 'Never';
  for (const r of (h['rules'] ?? []) as Obj[]) r['scope'] ??= '*';
}

/** Defaults in place, then returns field errors for the built-in kinds (none for custom ones). */
export function prepareBuiltin(k: KindInfo, o: Obj, old: Obj | undefined, env: BuiltinEnv = {}): FieldError[] {
  if (k.crd) return [];
  return hooks[k.kind]?.(o, old, env) ?? [];
}
