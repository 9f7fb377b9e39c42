// The validating webhook: every violation in one denial; warnings always passed on.
import { ConversionError, v2ToV1 } from '../src/api/convert.ts';
import { replicasRule, replicasUpdateRule } from '../src/api/rules.ts';
import type { MysqlClusterV2 } from '../src/api/types.ts';
import { validateUpdate } from '../src/api/validate.ts';
import { formatViolations, type ValidationResult, type Violation } from '../src/api/violations.ts';
import { allow, deny, forbid, unsupported, type AdmissionRequest, type AdmissionResponse } from './admission-review.ts';
import { SERVED_TEXT, servedKind } from './served.ts';

/** v1 field paths as a v2alpha1 user wrote them. */
const V2_FIELDS: [string, string][] = [
  ['spec.masterService', 'spec.primaryService'],
  ['spec.slaveService', 'spec.replicaService'],
  ['spec.semiSync.waitForSlaveCount', 'spec.semiSync.waitForReplicaCount'],
];
const toV2Field = (v: Violation): Violation => ({
  ...v,
  field: V2_FIELDS.find(([a]) => a === v.field)?.[1] ?? v.field,
});
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function objectName(req: AdmissionRequest): string {
  const meta = isRecord(req.object) ? req.object['metadata'] : undefined;
  return req.name || (isRecord(meta) && typeof meta['name'] === 'string' ? meta['name'] : '');
}

function check(req: AdmissionRequest, version: 'v1' | 'v2alpha1'): ValidationResult {
  const old = req.operation === 'UPDATE' ? req.oldObject : undefined;
  if (version === 'v1') return validateUpdate(req.object, old);
  const r = validateUpdate(
    v2ToV1(req.object as MysqlClusterV2),
    isRecord(old) ? v2ToV1(old as unknown as MysqlClusterV2) : undefined,
  );
  return { ...r, violations: r.violations.map(toV2Field) };
}

function checkScale(req: AdmissionRequest): ValidationResult {
  const out: ValidationResult = { violations: [], warnings: [] };
  const spec = isRecord(req.object) && isRecord(req.object['spec']) ? req.object['spec'] : {};
  const old = isRecord(req.oldObject) && isRecord(req.oldObject['spec']) ? req.oldObject['spec'] : undefined;
  // A scale write that leaves replicas as they were (e.g. a label on the Scale) is ratcheted too.
  if (req.operation === 'UPDATE' && old && spec['replicas'] === old['replicas']) return out;
  replicasRule({ obj: {}, spec: { replicas: spec['replicas'] } }, out);
  replicasUpdateRule(
    {
      obj: {},
      spec: { replicas: spec['replicas'] },
      ...(old ? { old: { obj: {}, spec: { replicas: old['replicas'] } } } : {}),
    },
    out,
  );
  return out;
}

/**
 * The validating webhook's answer: allowed (with warnings), or 403 with every violation. Deletes and clusters being
 * deleted are always allowed; unsupported kinds are refused.
 */
export function handleValidate(req: AdmissionRequest): AdmissionResponse {
  if (req.operation === 'DELETE' || req.operation === 'CONNECT') return allow(req.uid);
  const served = servedKind(req);
  // A cluster being deleted must always be able to shed its finalizers, even if a rule changed since.
  if (
    req.operation === 'UPDATE' &&
    isRecord(req.object) &&
    isRecord(req.object['metadata']) &&
    req.object['metadata']['deletionTimestamp']
  )
    return allow(req.uid);
  if (!served) return unsupported(req, SERVED_TEXT);
  let result: ValidationResult;
  try {
    result = served === 'scale' ? checkScale(req) : check(req, served);
  } catch (e) {
    if (e instanceof ConversionError) return deny(req.uid, 400, 'BadRequest', e.message);
    throw e;
  }
  if (result.violations.length === 0) return allow(req.uid, result.warnings);
  return forbid(req.uid, formatViolations(objectName(req), result.violations), result.warnings);
}
