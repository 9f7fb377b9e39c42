// Converts custom resources between served versions: `None` only rewrites apiVersion, `Webhook` sends a
// ConversionReview v1 over HTTPS and checks what comes back as the real server does (same uids, names,
// namespaces, labels-only metadata changes).
import { randomUUID } from 'node:crypto';
import { errors } from './status-errors.ts';
import type { KindInfo } from './kinds.ts';
import { isPlainObject, meta, type Obj } from './meta.ts';
import { postJson, serviceServerName, webhookUrl, type ServiceResolver } from './webhook-client.ts';

/** Converts custom resources between served versions. */
export interface Converter {
  /** Objects of `k`'s group-resource, in any served version, to `toVersion`. */
  convert(k: KindInfo, objects: Obj[], toVersion: string): Promise<Obj[]>;
}

/**
 * A Converter: built-in kinds and objects already in the version pass unchanged, in order; `None` rewrites apiVersion,
 * `Webhook` calls the CRD's conversion webhook (within `timeoutMs`) and rejects with an ApiError when it fails.
 */
export function createConverter(resolve: ServiceResolver | undefined, timeoutMs = 30_000): Converter {
  return {
    async convert(k, objects, toVersion) {
      const desired = k.group ? `${k.group}/${toVersion}` : toVersion;
      const todo = objects.filter((o) => o['apiVersion'] !== desired);
      if (todo.length === 0 || !k.crd) return objects;
      const conv = k.crd.conversion;
      let converted: Obj[];
      if (conv.strategy === 'None') {
        converted = todo.map((o) => ({ ...o, apiVersion: desired }));
      } else {
        converted = await callWebhook(k, todo, desired, resolve, timeoutMs);
      }
      // Put converted objects back in their original positions.
      let i = 0;
      return objects.map((o) => (o['apiVersion'] === desired ? o : converted[i++]!));
    },
  };
}

async function callWebhook(
  k: KindInfo,
  objects: Obj[],
  desired: string,
  resolve: ServiceResolver | undefined,
  timeoutMs: number,
): Promise<Obj[]> {
  const conv = k.crd!.conversion;
  const fail = (why: string) =>
    errors.internal(
      `conversion webhook for ${k.group}/${objects[0]?.['apiVersion']?.split('/')[1] ?? ''}, Kind=${k.kind} failed: ${why}`,
    );
  const uid = randomUUID();
  const review = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'ConversionReview',
    request: { uid, desiredAPIVersion: desired, objects },
  };
  let res: unknown;
  try {
    res = await postJson(
      webhookUrl({ url: conv.url, service: conv.service, caBundle: conv.caBundle }, resolve),
      review,
      conv.caBundle,
      timeoutMs,
      serviceServerName(conv.service),
    );
  } catch (e) {
    throw fail(e instanceof Error ? e.message : String(e));
  }
  const response = isPlainObject(res) ? res['response'] : undefined;
  if (!isPlainObject(response)) throw fail('conversion webhook response is missing "response"');
  if (response['uid'] !== uid) throw fail(`expected response uid ${uid}, got ${String(response['uid'])}`);
  const result = isPlainObject(response['result']) ? response['result'] : {};
  if (result['status'] !== 'Success') throw fail(String(result['message'] ?? 'conversion was not successful'));
  const out = response['convertedObjects'];
  if (!Array.isArray(out) || out.length !== objects.length)
    throw fail(`returned ${Array.isArray(out) ? out.length : 0} objects, expected ${objects.length}`);
  out.forEach((o: Obj, i) => {
    const src = objects[i]!;
    if (o['apiVersion'] !== desired)
      throw fail(
        `invalid converted object at index ${i}: invalid apiVersion "${String(o['apiVersion'])}", expected "${desired}"`,
      );
    if (o['kind'] !== src['kind'])
      throw fail(`invalid converted object at index ${i}: invalid kind "${String(o['kind'])}"`);
    const m = meta(o),
      sm = meta(src);
    if (m['uid'] !== sm['uid'] || m['name'] !== sm['name'] || (m['namespace'] ?? '') !== (sm['namespace'] ?? ''))
      throw fail(`invalid converted object at index ${i}: must not change metadata.name, namespace or uid`);
    // Only labels and annotations may change; everything else in metadata comes from the source.
    o['metadata'] = { ...sm, labels: m['labels'] ?? sm['labels'], annotations: m['annotations'] ?? sm['annotations'] };
    if (o['metadata']['labels'] === undefined) delete o['metadata']['labels'];
    if (o['metadata']['annotations'] === undefined) delete o['metadata']['annotations'];
  });
  return out as Obj[];
}
