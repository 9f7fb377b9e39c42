// Tiny constructors for OpenAPI v3 structural schemas, so that the one schema source reads like the API
// and every node is forced to carry a description (kubectl explain prints them).

/** The subset of OpenAPI v3 schema (with Kubernetes extensions) that the MysqlCluster schema uses. */
export interface JSONSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, JSONSchema>;
  required?: string[];
  items?: JSONSchema;
  additionalProperties?: JSONSchema | boolean;
  enum?: readonly (string | number | boolean)[];
  format?: string;
  minimum?: number;
  anyOf?: JSONSchema[];
  default?: unknown;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: CelRule[];
  maxLength?: number;
}

/** One x-kubernetes-validations entry: a CEL expression over `self` (and `oldSelf` for transition rules). */
export interface CelRule {
  rule: string;
  message: string;
}

/** A string schema with a description. */
export const str = (description: string, extra: Partial<JSONSchema> = {}): JSONSchema => ({
  type: 'string',
  description,
  ...extra,
});
/** An integer schema with a description. */
export const int = (description: string, extra: Partial<JSONSchema> = {}): JSONSchema => ({
  type: 'integer',
  description,
  ...extra,
});
/** A boolean schema with a description. */
export const bool = (description: string): JSONSchema => ({ type: 'boolean', description });
/** An array schema of `items` with a description. */
export const arr = (description: string, items: JSONSchema, extra: Partial<JSONSchema> = {}): JSONSchema => ({
  type: 'array',
  description,
  items,
  ...extra,
});
/** An object schema with these properties; `required` is left out when empty. */
export const obj = (
  description: string,
  properties: Record<string, JSONSchema>,
  required: string[] = [],
): JSONSchema =>
  required.length ? { type: 'object', description, properties, required } : { type: 'object', description, properties };
/** An object schema of string values under any keys (labels, my.cnf settings). */
export const stringMap = (description: string, valueDescription: string): JSONSchema => ({
  type: 'object',
  description,
  additionalProperties: { type: 'string', description: valueDescription },
});
/** Opaque Kubernetes structure (e.g. corev1.Affinity) that the API server keeps as written. */
export const opaque = (description: string): JSONSchema => ({
  type: 'object',
  description,
  'x-kubernetes-preserve-unknown-fields': true,
});
/** A Kubernetes quantity: an integer or a string such as "10Gi" (int-or-string). */
export const quantity = (description: string): JSONSchema => ({
  description,
  anyOf: [{ type: 'integer' }, { type: 'string' }],
  'x-kubernetes-int-or-string': true,
});
