// Defaults and checks for the workload, networking and RBAC kinds the local pod runner and
// `make deploy` use (Deployment, ReplicaSet, PersistentVolumeClaim, Node, Endpoints, EndpointSlice,
// Role/ClusterRole and their bindings), limited to what a client of ours can observe. The real
// server defaults many more fields; see docs/apiserver.md.
import type { FieldError } from './status-errors.ts';
import { isPlainObject, type Obj } from './meta.ts';
import { fromLabelSelectorObject, matchesLabels } from './selectors.ts';
import { ApiError } from './status-errors.ts';

type Hook = (o: Obj, old: Obj | undefined) => FieldError[];

/** The pod-spec defaults kube-apiserver applies that kubectl and our controllers read. */
export function defaultPodSpec(spec: Obj): void {
  spec['restartPolicy'] ??= 'Always';
  spec['terminationGracePeriodSeconds'] ??= 30;
  spec['dnsPolicy'] ??= 'ClusterFirst';
  spec['schedulerName'] ??= 'default-scheduler';
  spec['securityContext'] ??= {};
  for (const list of ['containers', 'initContainers'])
    for (const c of (Array.isArray(spec[list]) ? spec[list] : []) as Obj[]) if (isPlainObject(c)) defaultContainer(c);
}

/** A container's defaults: pull policy from the image tag (Always for latest), termination message, TCP ports. */
function defaultContainer(c: Obj): void {
  const image = typeof c['image'] === 'string' ? c['image'] : '';
  const tag = image.includes('@') ? 'digest' : (/:([^/:]+)$/.exec(image)?.[1] ?? 'latest');
  c['imagePullPolicy'] ??= tag === 'latest' ? 'Always' : 'IfNotPresent';
  c['terminationMessagePath'] ??= '/dev/termination-log';
  c['terminationMessagePolicy'] ??= 'File';
  c['resources'] ??= {};
  for (const p of (Array.isArray(c['ports']) ? c['ports'] : []) as Obj[]) if (isPlainObject(p)) p['protocol'] ??= 'TCP';
}

/** spec.replicas of a workload: a number, not negative. */
export function replicasProblems(spec: Obj): FieldError[] {
  if (typeof spec['replicas'] !== 'number' || spec['replicas'] < 0)
    return [
      {
        type: 'Invalid',
        field: 'spec.replicas',
        value: spec['replicas'],
        detail: 'must be greater than or equal to 0',
      },
    ];
  return [];
}

function selectorMatchesTemplate(spec: Obj, errs: FieldError[]): void {
  const sel = spec['selector'];
  if (!isPlainObject(sel)) {
    errs.push({ type: 'Required', field: 'spec.selector' });
    return;
  }
  const labels = (spec['template']?.['metadata']?.['labels'] ?? {}) as Record<string, string>;
  let reqs;
  try {
    reqs = fromLabelSelectorObject(sel);
  } catch (e) {
    errs.push({ type: 'Invalid', field: 'spec.selector', value: sel, detail: e instanceof ApiError ? e.message : '' });
    return;
  }
  if (reqs.length === 0) {
    errs.push({
      type: 'Invalid',
      field: 'spec.selector',
      value: sel,
      detail: 'empty selector is invalid for deployment',
    });
    return;
  }
  if (!matchesLabels(reqs, labels))
    errs.push({
      type: 'Invalid',
      field: 'spec.template.metadata.labels',
      value: labels,
      detail: '`selector` does not match template `labels`',
    });
}

function replicated(o: Obj, kind: 'Deployment' | 'ReplicaSet'): FieldError[] {
  const spec = (o['spec'] ??= {}) as Obj;
  spec['replicas'] ??= 1;
  spec['revisionHistoryLimit'] ??= 10;
  if (kind === 'Deployment') {
    spec['progressDeadlineSeconds'] ??= 600;
    spec['strategy'] ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
  }
  const tspec = isPlainObject(spec['template']) ? ((spec['template']['spec'] ??= {}) as Obj) : undefined;
  if (tspec) defaultPodSpec(tspec);
  const errs: FieldError[] = replicasProblems(spec);
  selectorMatchesTemplate(spec, errs);
  return errs;
}

function roleRefFixed(o: Obj, old: Obj | undefined): FieldError[] {
  if (!isPlainObject(o['roleRef'])) return [{ type: 'Required', field: 'roleRef' }];
  const errs: FieldError[] = [];
  for (const f of ['apiGroup', 'kind', 'name'])
    if (typeof o['roleRef'][f] !== 'string') errs.push({ type: 'Required', field: `roleRef.${f}` });
  if (old && JSON.stringify(old['roleRef']) !== JSON.stringify(o['roleRef']))
    errs.push({ type: 'Invalid', field: 'roleRef', value: o['roleRef'], detail: 'cannot change roleRef' });
  return errs;
}

/** Hooks keyed by kind, merged into builtins.ts's table. */
export const workloadHooks: Record<string, Hook> = {
  Deployment: (o) => replicated(o, 'Deployment'),
  ReplicaSet: (o) => replicated(o, 'ReplicaSet'),
  PersistentVolumeClaim: (o) => {
    const spec = (o['spec'] ??= {}) as Obj;
    spec['volumeMode'] ??= 'Filesystem';
    o['status'] ??= { phase: 'Pending' };
    if (!Array.isArray(spec['accessModes']) || spec['accessModes'].length === 0)
      return [{ type: 'Required', field: 'spec.accessModes', detail: 'at least 1 access mode is required' }];
    return [];
  },
  RoleBinding: roleRefFixed,
  ClusterRoleBinding: roleRefFixed,
  EndpointSlice: (o) =>
    typeof o['addressType'] === 'string'
      ? []
      : [{ type: 'Required', field: 'addressType', detail: 'must be one of IPv4, IPv6, FQDN' }],
};
