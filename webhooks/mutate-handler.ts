// The mutating webhook: writes the defaults as a JSON Patch against exactly the object it was sent.
import { v1ToV2, v2ToV1 } from '../src/api/convert.ts';
import { applyDefaults } from '../src/api/defaults.ts';
import type { MysqlClusterV1, MysqlClusterV2 } from '../src/api/types.ts';
import { allow, unsupported, type AdmissionRequest, type AdmissionResponse } from './admission-review.ts';
import { diff } from './jsonpatch.ts';
import { SERVED_TEXT, servedKind } from './served.ts';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function defaulted(obj: unknown, version: 'v1' | 'v2alpha1'): unknown {
  if (version === 'v1') return applyDefaults(obj as MysqlClusterV1);
  return v1ToV2(applyDefaults(v2ToV1(obj as MysqlClusterV2)));
}

/**
 * The mutating webhook's answer: a JSON Patch that writes the defaults, or a plain allow when nothing changes (and for
 * malformed objects, which the validating webhook refuses). Unsupported kinds are refused.
 */
export function handleMutate(req: AdmissionRequest): AdmissionResponse {
  if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return allow(req.uid);
  const served = servedKind(req);
  if (!served) return unsupported(req, SERVED_TEXT);
  // Malformed objects pass through untouched: the validating webhook names what is wrong with them.
  if (served === 'scale' || !isRecord(req.object) || !isRecord(req.object['spec'])) return allow(req.uid);
  let ops;
  try {
    ops = diff(req.object, defaulted(req.object, served));
  } catch {
    return allow(req.uid);
  }
  if (ops.length === 0) return allow(req.uid);
  return {
    uid: req.uid,
    allowed: true,
    patchType: 'JSONPatch',
    patch: Buffer.from(JSON.stringify(ops)).toString('base64'),
  };
}
