// Errors as the real API server shapes them: a metav1.Status body, so that kubectl and client-node print
// exactly what they print against a real cluster. See docs/apiserver.md.

/** metav1.StatusReason values the server answers with ('' for none). */
export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'Expired'
  | 'Gone'
  | 'MethodNotAllowed'
  | 'InternalError'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'Timeout'
  | 'TooManyRequests'
  | '';

/** metav1.StatusCause. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}
/** metav1.StatusDetails. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** A metav1.Status body. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A failure that becomes a Status response; thrown anywhere below the HTTP layer. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): StatusBody {
    const s: StatusBody = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      code: this.code,
    };
    if (this.reason) s.reason = this.reason;
    if (this.details) s.details = this.details;
    return s;
  }
}

/** What the real server names a resource in messages: `configmaps` or `statefulsets.apps`. */
export function qualifiedResource(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

function details(group: string, resource: string, name: string): StatusDetails {
  return group ? { name, group, kind: resource } : { name, kind: resource };
}

/** Makers of the real server's errors, each with its code, reason and message wording. */
export const errors = {
  notFound: (group: string, resource: string, name: string): ApiError =>
    new ApiError(
      404,
      'NotFound',
      `${qualifiedResource(group, resource)} "${name}" not found`,
      details(group, resource, name),
    ),
  alreadyExists: (group: string, resource: string, name: string): ApiError =>
    new ApiError(
      409,
      'AlreadyExists',
      `${qualifiedResource(group, resource)} "${name}" already exists`,
      details(group, resource, name),
    ),
  conflict: (
    group: string,
    resource: string,
    name: string,
    why = 'the object has been modified; please apply your changes to the latest version and try again',
  ): ApiError =>
    new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(group, resource)} "${name}": ${why}`,
      details(group, resource, name),
    ),
  badRequest: (message: string): ApiError => new ApiError(400, 'BadRequest', message),
  unauthorized: (): ApiError => new ApiError(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (group: string, resource: string, name: string, why: string): ApiError =>
    new ApiError(
      403,
      'Forbidden',
      `${qualifiedResource(group, resource)}${name ? ` "${name}"` : ''} is forbidden: ${why}`,
      name ? details(group, resource, name) : group ? { group, kind: resource } : { kind: resource },
    ),
  resourceNotFound: (): ApiError =>
    new ApiError(404, 'NotFound', 'the server could not find the requested resource', {}),
  methodNotAllowed: (verb: string, resource: string): ApiError =>
    new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`, {
      kind: resource,
      causes: [{ reason: 'UnexpectedServerResponse', message: verb }],
    }),
  gone: (message: string): ApiError => new ApiError(410, 'Expired', message),
  internal: (message: string): ApiError =>
    new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] }),
  unsupportedMediaType: (type: string): ApiError =>
    new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got ${type})`,
    ),
  tooLarge: (message: string): ApiError => new ApiError(413, 'RequestEntityTooLarge', message),
};

/** One field error, printed by the real server as `path: Type: detail`. */
export type FieldErrorType =
  'Invalid' | 'Required' | 'Unsupported' | 'TooLong' | 'TooMany' | 'Forbidden' | 'Duplicate' | 'NotFound';

/** One field error: type, path, the bad value and detail. */
export interface FieldError {
  type: FieldErrorType;
  field: string;
  value?: unknown;
  detail?: string;
}

const causeReason: Record<FieldErrorType, string> = {
  Invalid: 'FieldValueInvalid',
  Required: 'FieldValueRequired',
  Unsupported: 'FieldValueNotSupported',
  TooLong: 'FieldValueTooLong',
  TooMany: 'FieldValueTooMany',
  Forbidden: 'FieldValueForbidden',
  Duplicate: 'FieldValueDuplicate',
  NotFound: 'FieldValueNotFound',
};

/** Go's %v rendering of a value, close enough for messages: strings quoted, numbers bare. */
export function renderValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A field error without its path, worded as the real server words it (`Invalid value: 0: must be ...`). */
export function fieldErrorBody(e: FieldError): string {
  switch (e.type) {
    case 'Required':
      return `Required value${e.detail ? `: ${e.detail}` : ''}`;
    case 'Forbidden':
      return `Forbidden${e.detail ? `: ${e.detail}` : ''}`;
    case 'TooLong':
      return `Too long${e.detail ? `: ${e.detail}` : ''}`;
    case 'TooMany':
      return `Too many: ${renderValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'Unsupported':
      return `Unsupported value: ${renderValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'Duplicate':
      return `Duplicate value: ${renderValue(e.value)}`;
    case 'NotFound':
      return `Not found: ${renderValue(e.value)}`;
    case 'Invalid':
      return `Invalid value: ${renderValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
    default: {
      const never: never = e.type;
      return never;
    }
  }
}

/** A field error as the real server prints it: `path: <body>`. */
export function fieldErrorString(e: FieldError): string {
  return `${e.field}: ${fieldErrorBody(e)}`;
}

/** 422 Invalid, with the message layout of apierrors.NewInvalid. */
export function invalid(group: string, kind: string, name: string, errs: FieldError[]): ApiError {
  const parts = errs.map(fieldErrorString);
  const list = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  const d: StatusDetails = {
    name,
    kind,
    causes: errs.map((e) => ({ reason: causeReason[e.type], message: fieldErrorBody(e), field: e.field })),
  };
  if (group) d.group = group;
  return new ApiError(422, 'Invalid', `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${list}`, d);
}
