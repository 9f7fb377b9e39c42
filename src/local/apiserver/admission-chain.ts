// Dynamic admission: MutatingWebhookConfigurations (in name order, serially, JSON Patch applied) then
// ValidatingWebhookConfigurations (in parallel), each webhook called over HTTPS with an AdmissionReview
// v1 exactly as kube-apiserver sends it. Denials and failures become the real server's Status errors.
import { randomUUID } from 'node:crypto';
import { ApiError, errors, type StatusDetails } from './status-errors.ts';
import type { KindInfo } from './kinds.ts';
import { apiVersionOf } from './kinds.ts';
import { applyJsonPatch } from './patch.ts';
import { clone, isPlainObject, meta, setPath, type Obj } from './meta.ts';
import { SCALE_KIND, toScale } from './scale-view.ts';
import { fromLabelSelectorObject, matchesLabels } from './selectors.ts';
import { postJson, serviceServerName, webhookUrl, type ServiceResolver } from './webhook-client.ts';

/** An admission operation, as AdmissionReview spells it. */
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** What admission knows of one request: operation, kind and subresource, where, the objects, dry run and options. */
export interface AdmissionAttributes {
  operation: Operation;
  kind: KindInfo;
  subResource: string;
  namespace: string;
  name: string;
  object?: Obj;
  oldObject?: Obj;
  dryRun: boolean;
  options: Obj;
}

/** What admission needs from the server: webhook configurations, namespace labels, versions, conversion, the caller. */
export interface AdmissionDeps {
  listConfigurations(type: 'mutating' | 'validating'): Obj[];
  namespaceLabels(ns: string): Record<string, string> | undefined;
  /** Other served versions of the same group-resource (for matchPolicy: Equivalent). */
  versionsOf(k: KindInfo): KindInfo[];
  convert(k: KindInfo, o: Obj, toVersion: string): Promise<Obj>;
  resolve: ServiceResolver | undefined;
  user: { username: string; uid?: string; groups: string[] };
}

interface Webhook {
  name: string;
  hook: Obj;
}

function matchesRule(rule: Obj, a: AdmissionAttributes, k: KindInfo): boolean {
  const has = (list: unknown, v: string) => Array.isArray(list) && (list.includes('*') || list.includes(v));
  if (!has(rule['operations'], a.operation)) return false;
  if (!has(rule['apiGroups'], k.group) || !has(rule['apiVersions'], k.version)) return false;
  const scope = String(rule['scope'] ?? '*');
  if (scope === 'Cluster' && k.namespaced) return false;
  if (scope === 'Namespaced' && !k.namespaced) return false;
  const resources = Array.isArray(rule['resources']) ? rule['resources'].map(String) : [];
  return resources.some((r) => {
    const [res, sub] = r.split('/') as [string, string | undefined];
    const resOk = res === '*' || res === k.resource;
    if (sub === undefined) return resOk && a.subResource === '';
    return resOk && (sub === '*' || sub === a.subResource);
  });
}

/** Which version (if any) the webhook sees the request in. */
function matchingKind(h: Obj, a: AdmissionAttributes, deps: AdmissionDeps): KindInfo | undefined {
  const rules = Array.isArray(h['rules']) ? (h['rules'] as Obj[]) : [];
  if (rules.some((r) => matchesRule(r, a, a.kind))) return a.kind;
  if ((h['matchPolicy'] ?? 'Equivalent') !== 'Equivalent') return undefined;
  for (const other of deps.versionsOf(a.kind))
    if (other !== a.kind && rules.some((r) => matchesRule(r, a, other))) return other;
  return undefined;
}

function selectorsMatch(h: Obj, a: AdmissionAttributes, deps: AdmissionDeps): boolean {
  const subject = a.object ?? a.oldObject ?? {};
  if (!matchesLabels(fromLabelSelectorObject(h['objectSelector']), meta(clone(subject))['labels'])) {
    const old = a.oldObject ? meta(clone(a.oldObject))['labels'] : undefined;
    if (!a.oldObject || !matchesLabels(fromLabelSelectorObject(h['objectSelector']), old)) return false;
  }
  const nsSel = fromLabelSelectorObject(h['namespaceSelector']);
  if (nsSel.length === 0) return true;
  if (a.kind.kind === 'Namespace' && a.kind.group === '') return matchesLabels(nsSel, meta(clone(subject))['labels']);
  if (!a.kind.namespaced) return true;
  return matchesLabels(nsSel, deps.namespaceLabels(a.namespace));
}

function collect(deps: AdmissionDeps, type: 'mutating' | 'validating'): Webhook[] {
  const configs = deps
    .listConfigurations(type)
    .sort((x, y) => String(meta(x)['name']).localeCompare(String(meta(y)['name'])));
  return configs.flatMap((c) => ((c['webhooks'] ?? []) as Obj[]).map((hook) => ({ name: String(hook['name']), hook })));
}

/** apierrors from webhookerrors.ToStatusErr: the webhook's own status, message prefixed. */
function denied(name: string, result: unknown): ApiError {
  const r = isPlainObject(result) ? result : {};
  let code = typeof r['code'] === 'number' ? r['code'] : 0;
  if (code < 400) code = 400;
  const prefix = `admission webhook "${name}" denied the request`;
  const message = r['message']
    ? `${prefix}: ${String(r['message'])}`
    : r['reason']
      ? `${prefix}: ${String(r['reason'])}`
      : `${prefix} without explanation`;
  return new ApiError(
    code,
    (r['reason'] as never) ?? '',
    message,
    isPlainObject(r['details']) ? (r['details'] as StatusDetails) : undefined,
  );
}

function callFailed(name: string, why: string): ApiError {
  return errors.internal(`failed calling webhook "${name}": failed to call webhook: ${why}`);
}

/**
 * Dynamic admission: mutate() runs the mutating webhooks serially, validate() the validating ones in parallel; a denial
 * or a failed call (under failurePolicy Fail) is thrown as the real server's ApiError.
 */
export class Admission {
  constructor(private readonly deps: AdmissionDeps) {}

  private review(
    a: AdmissionAttributes,
    k: KindInfo,
    object: Obj | undefined,
    oldObject: Obj | undefined,
    uid: string,
  ): Obj {
    // A write to /scale is reviewed as kube-apiserver sends it: kind autoscaling/v1 Scale, resource the
    // main one, objects in their Scale view.
    const scale = isScale(a, k);
    const req: Obj = {
      uid,
      kind: scale ? { ...SCALE_KIND } : { group: k.group, version: k.version, kind: k.kind },
      resource: { group: k.group, version: k.version, resource: k.resource },
      requestKind: scale ? { ...SCALE_KIND } : { group: a.kind.group, version: a.kind.version, kind: a.kind.kind },
      requestResource: { group: a.kind.group, version: a.kind.version, resource: a.kind.resource },
      name: a.name,
      operation: a.operation,
      userInfo: this.deps.user,
      object: (object && scale ? toScale(k, object) : object) ?? null,
      oldObject: (oldObject && scale ? toScale(k, oldObject) : oldObject) ?? null,
      dryRun: a.dryRun,
      options: a.options,
    };
    if (a.namespace) req['namespace'] = a.namespace;
    if (a.subResource) {
      req['subResource'] = a.subResource;
      req['requestSubResource'] = a.subResource;
    }
    return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: req };
  }

  private async call(
    w: Webhook,
    a: AdmissionAttributes,
    k: KindInfo,
    object: Obj | undefined,
    oldObject: Obj | undefined,
  ): Promise<Obj | undefined> {
    const h = w.hook;
    const uid = randomUUID();
    const timeoutMs = Number(h['timeoutSeconds'] ?? 10) * 1000;
    const cc = (h['clientConfig'] ?? {}) as Obj;
    const failurePolicy = String(h['failurePolicy'] ?? 'Fail');
    let res: unknown;
    try {
      const url = webhookUrl(cc, this.deps.resolve);
      res = await postJson(
        url,
        this.review(a, k, object, oldObject, uid),
        cc['caBundle'] as string | undefined,
        timeoutMs,
        serviceServerName(cc['service'] as { namespace: string; name: string } | undefined),
      );
    } catch (e) {
      if (failurePolicy === 'Ignore') return undefined;
      throw callFailed(w.name, e instanceof Error ? e.message : String(e));
    }
    const response = isPlainObject(res) ? res['response'] : undefined;
    const bad = (why: string) => {
      if (failurePolicy === 'Ignore') return undefined;
      throw callFailed(w.name, why);
    };
    if (!isPlainObject(response)) return bad('received invalid webhook response: response is missing');
    if (response['uid'] !== uid) return bad(`expected response.uid="${uid}", got "${String(response['uid'])}"`);
    if (typeof response['allowed'] !== 'boolean') return bad('received invalid webhook response: allowed is missing');
    return response;
  }

  private warningsOf(response: Obj | undefined): string[] {
    return Array.isArray(response?.['warnings']) ? (response!['warnings'] as unknown[]).map(String) : [];
  }

  async mutate(a: AdmissionAttributes): Promise<{ object: Obj | undefined; warnings: string[] }> {
    let object = a.object ? clone(a.object) : undefined;
    const warnings: string[] = [];
    if (isWebhookConfiguration(a.kind)) return { object, warnings };
    for (const w of collect(this.deps, 'mutating')) {
      const k = matchingKind(w.hook, { ...a, object }, this.deps);
      if (!k || !selectorsMatch(w.hook, { ...a, object }, this.deps)) continue;
      const asSeen = await this.asSeenBy(a.kind, k, object);
      const response = await this.call(w, a, k, asSeen, await this.asSeenBy(a.kind, k, a.oldObject));
      if (!response) continue;
      warnings.push(...this.warningsOf(response));
      if (!response['allowed']) throw denied(w.name, response['status']);
      if (response['patch'] && asSeen) object = await this.patched(a, k, w.name, asSeen, patchOps(w.name, response));
    }
    return { object, warnings };
  }

  /** The object in the version the webhook asked for (`k`), converted from the request's kind when they differ. */
  private async asSeenBy(from: KindInfo, k: KindInfo, o: Obj | undefined): Promise<Obj | undefined> {
    return o && k !== from ? await this.deps.convert(from, o, k.version) : o;
  }

  /**
   * A webhook's JSON patch applied to the object as it saw it, converted back to the request's version; for the
   * scale subresource only spec.replicas of the patched Scale maps back onto the object.
   */
  private async patched(a: AdmissionAttributes, k: KindInfo, hook: string, asSeen: Obj, ops: unknown): Promise<Obj> {
    const scale = isScale(a, k);
    let patched: Obj;
    try {
      patched = applyJsonPatch(scale ? toScale(k, asSeen) : asSeen, ops);
    } catch (e) {
      throw errors.internal(
        `admission webhook "${hook}" returned an invalid patch: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    let object = patched;
    if (scale) {
      object = clone(asSeen);
      setPath(object, k.scale!.specReplicasPath, patched['spec']?.['replicas']);
    }
    if (k === a.kind) return object;
    return this.deps.convert(a.kind, { ...object, apiVersion: apiVersionOf(k) }, a.kind.version);
  }

  async validate(a: AdmissionAttributes): Promise<{ warnings: string[] }> {
    if (isWebhookConfiguration(a.kind)) return { warnings: [] };
    const calls = collect(this.deps, 'validating').flatMap((w) => {
      const k = matchingKind(w.hook, a, this.deps);
      if (!k || !selectorsMatch(w.hook, a, this.deps)) return [];
      return [
        (async () => {
          const o = await this.asSeenBy(a.kind, k, a.object);
          const old = await this.asSeenBy(a.kind, k, a.oldObject);
          return { w, response: await this.call(w, a, k, o, old) };
        })(),
      ];
    });
    const results = await Promise.allSettled(calls);
    const warnings: string[] = [];
    for (const r of results) {
      if (r.status === 'rejected') throw r.reason;
      warnings.push(...this.warningsOf(r.value.response));
    }
    for (const r of results) {
      if (r.status === 'fulfilled' && r.value.response && !r.value.response['allowed'])
        throw denied(r.value.w.name, r.value.response['status']);
    }
    return { warnings };
  }
}

/** The JSON patch operations of a mutating webhook's response; a failed call when they are not base64 JSONPatch. */
function patchOps(hook: string, response: Obj): unknown {
  if (response['patchType'] !== 'JSONPatch')
    throw callFailed(hook, `unsupported patch type "${String(response['patchType'])}"`);
  try {
    return JSON.parse(Buffer.from(String(response['patch']), 'base64').toString('utf8'));
  } catch {
    throw callFailed(hook, 'patch is not base64-encoded JSON');
  }
}

function isScale(a: AdmissionAttributes, k: KindInfo): boolean {
  return a.subResource === 'scale' && k.scale !== undefined;
}

function isWebhookConfiguration(k: KindInfo): boolean {
  return k.group === 'admissionregistration.k8s.io';
}
