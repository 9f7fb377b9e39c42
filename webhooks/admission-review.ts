// AdmissionReview v1: reading a request that may be anything, and writing the three kinds of answer.
// Denials use code 403 / reason Forbidden so kubectl prints
//   admission webhook "vmysqlcluster.apps.ryansu.com" denied the request: <message>

/** A group, version and kind. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** The fields of an AdmissionReview request the webhooks use. */
export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  subResource?: string;
  name?: string;
  namespace?: string;
  object?: unknown;
  oldObject?: unknown;
  dryRun?: boolean;
}

/** An AdmissionReview response: allowed, or refused with a Status; warnings; a JSON Patch (base64) when mutating. */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { metadata: Record<string, never>; status: 'Failure'; code: number; reason: string; message: string };
  warnings?: string[];
  patchType?: 'JSONPatch';
  patch?: string;
}

/** The AdmissionReview v1 body the webhooks answer with. */
export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

/** The body is not an AdmissionReview we can answer (no uid to echo): HTTP 400. */
export class BadReviewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadReviewError';
  }
}

const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The request of an admission.k8s.io/v1 AdmissionReview; BadReviewError naming the field when it is not one. */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  if (!isRecord(body)) throw new BadReviewError('body must be a JSON object: an admission.k8s.io/v1 AdmissionReview');
  if (body['apiVersion'] !== 'admission.k8s.io/v1' || body['kind'] !== 'AdmissionReview') {
    throw new BadReviewError(
      `expected apiVersion "admission.k8s.io/v1" and kind "AdmissionReview", got ${JSON.stringify(body['apiVersion'])} ${JSON.stringify(body['kind'])}`,
    );
  }
  const req = body['request'];
  if (!isRecord(req)) throw new BadReviewError('request: required object missing');
  if (typeof req['uid'] !== 'string' || req['uid'] === '')
    throw new BadReviewError('request.uid: required string missing');
  const kind = req['kind'];
  if (
    !isRecord(kind) ||
    typeof kind['kind'] !== 'string' ||
    typeof kind['version'] !== 'string' ||
    typeof kind['group'] !== 'string'
  ) {
    throw new BadReviewError('request.kind: required {group, version, kind} missing');
  }
  if (!OPERATIONS.includes(req['operation'] as AdmissionRequest['operation'])) {
    throw new BadReviewError(
      `request.operation: ${JSON.stringify(req['operation'])} is not one of ${OPERATIONS.join(', ')}`,
    );
  }
  return req as unknown as AdmissionRequest;
}

/** The response wrapped in an AdmissionReview v1. */
export function review(response: AdmissionResponse): AdmissionReview {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}

/** An allowing response, with warnings when there are any. */
export function allow(uid: string, warnings: string[] = []): AdmissionResponse {
  return warnings.length ? { uid, allowed: true, warnings } : { uid, allowed: true };
}

/** A refusing response with a failure Status of this code, reason and message. */
export function deny(
  uid: string,
  code: number,
  reason: string,
  message: string,
  warnings: string[] = [],
): AdmissionResponse {
  const res: AdmissionResponse = {
    uid,
    allowed: false,
    status: { metadata: {}, status: 'Failure', code, reason, message },
  };
  if (warnings.length) res.warnings = warnings;
  return res;
}

/** A 403 Forbidden refusal, which kubectl prints as "denied the request: <message>". */
export function forbid(uid: string, message: string, warnings: string[] = []): AdmissionResponse {
  return deny(uid, 403, 'Forbidden', message, warnings);
}

/** A review for a kind or version this webhook does not serve: answered, refused, explained. */
export function unsupported(req: AdmissionRequest, allowed: string): AdmissionResponse {
  const k = req.kind;
  return deny(
    req.uid,
    400,
    'BadRequest',
    `unsupported kind ${k.group || 'core'}/${k.version}, Kind=${k.kind}${req.subResource ? ` (subresource ${req.subResource})` : ''}; this webhook serves ${allowed}`,
  );
}
