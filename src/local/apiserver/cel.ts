// x-kubernetes-validations: CEL rules of a CRD schema, evaluated as kube-apiserver (1.26+) evaluates them
// with @bufbuild/cel: `self` is the node's value typed by the schema (integers are CEL ints), `oldSelf`
// the correlated old value on update (rules that use it are transition rules and are skipped on create
// or when the node is new), nodes whose value is absent are not evaluated. Failures are worded as
// apiextensions-apiserver words them: `spec: Invalid value: "object": <message>` or, without a message,
// `failed rule: <rule>`; an evaluation error is `<error> evaluating rule: <rule>`. Kubernetes' regex
// library (`find`, `findAll`) is provided; other Kubernetes CEL libraries (lists, urls, quantity) are not.
import { CelScalar, celMethod, isCelError, listType, parse, run, type CelFunc, type CelInput } from '@bufbuild/cel';
import { isPlainObject, type Obj } from './meta.ts';
import type { FieldError } from './status-errors.ts';

interface Rule {
  rule: string;
  message?: string;
}

const KUBE_REGEX: CelFunc[] = [
  celMethod('find', CelScalar.STRING, [CelScalar.STRING], CelScalar.STRING, function (re: string) {
    return new RegExp(re, 'u').exec(this)?.[0] ?? '';
  }),
  celMethod('findAll', CelScalar.STRING, [CelScalar.STRING], listType(CelScalar.STRING), function (re: string) {
    return [...this.matchAll(new RegExp(re, 'gu'))].map((m) => m[0]);
  }),
];

/** The JSON value as CEL sees it under this schema: objects are maps, integer fields are ints. */
function toCel(v: unknown, schema: Obj | undefined): CelInput {
  if (Array.isArray(v)) return v.map((x) => toCel(x, schema?.['items'] as Obj | undefined));
  if (isPlainObject(v)) {
    const props = (schema?.['properties'] ?? {}) as Obj;
    const extra = schema?.['additionalProperties'];
    return new Map(
      Object.entries(v).map(([k, x]) => [k, toCel(x, (props[k] ?? (isPlainObject(extra) ? extra : undefined)) as Obj)]),
    );
  }
  if (typeof v === 'number') {
    const intLike = schema?.['type'] === 'integer' || schema?.['x-kubernetes-int-or-string'] === true;
    return intLike && Number.isInteger(v) ? BigInt(v) : v;
  }
  return v as CelInput;
}

function ruleText(r: Rule): string {
  return (r.message ?? '').trim() || r.rule.trim();
}

const usesOldSelf = (rule: string): boolean => /\boldSelf\b/.test(rule);

function evalRule(r: Rule, self: unknown, old: unknown, schema: Obj): string | undefined {
  const bindings: Record<string, CelInput> = { self: toCel(self, schema) };
  if (old !== undefined) bindings['oldSelf'] = toCel(old, schema);
  const out = run(r.rule, bindings, { funcs: KUBE_REGEX });
  if (isCelError(out)) return `${out.message} evaluating rule: ${ruleText(r)}`;
  if (out === true) return undefined;
  return (r.message ?? '').trim() || `failed rule: ${r.rule.trim()}`;
}

function join(path: string, k: string): string {
  return path ? `${path}.${k}` : k;
}

function walk(schema: Obj, v: unknown, old: unknown, path: string, out: FieldError[]): void {
  if (v === undefined || v === null) return;
  out.push(...ruleErrors(schema, v, old, path));
  walkChildren(schema, v, old, path, out);
}

/** The failing rules of one schema node; transition rules (oldSelf) run only when there is an old value. */
function ruleErrors(schema: Obj, v: unknown, old: unknown, path: string): FieldError[] {
  const out: FieldError[] = [];
  for (const r of (schema['x-kubernetes-validations'] ?? []) as Rule[]) {
    if (usesOldSelf(r.rule) && old === undefined) continue;
    const why = evalRule(r, v, old, schema);
    if (why)
      out.push({ type: 'Invalid', field: path || '<nil>', value: String(schema['type'] ?? 'object'), detail: why });
  }
  return out;
}

/** Walks an object's fields (with the old object's same fields) or an array's items. */
function walkChildren(schema: Obj, v: unknown, old: unknown, path: string, out: FieldError[]): void {
  if (isPlainObject(v)) {
    const props = (schema['properties'] ?? {}) as Obj;
    const extra = schema['additionalProperties'];
    const oldObj = isPlainObject(old) ? old : undefined;
    for (const [k, x] of Object.entries(v)) {
      const sub = (props[k] ?? (isPlainObject(extra) ? extra : undefined)) as Obj | undefined;
      if (sub) walk(sub, x, oldObj?.[k], join(path, k), out);
    }
  } else if (Array.isArray(v) && isPlainObject(schema['items'])) {
    // Items are correlated with old items only for map lists; transition rules below an atomic list never run.
    v.forEach((x, i) => walk(schema['items'] as Obj, x, undefined, `${path}[${i}]`, out));
  }
}

/** Whether any node of the schema carries x-kubernetes-validations. */
export function hasCelRules(schema: unknown): boolean {
  if (!isPlainObject(schema)) return false;
  if (Array.isArray(schema['x-kubernetes-validations']) && schema['x-kubernetes-validations'].length) return true;
  return (
    Object.values((schema['properties'] ?? {}) as Obj).some(hasCelRules) ||
    hasCelRules(schema['items']) ||
    hasCelRules(schema['additionalProperties'])
  );
}

/**
 * Every failing x-kubernetes-validations rule of obj (the custom resource without its metadata) against
 * the version's schema; `old` is the stored object at the same version on update.
 */
export function celErrors(schema: Obj, obj: Obj, old?: Obj): FieldError[] {
  const out: FieldError[] = [];
  walk(schema, obj, old, '', out);
  return out;
}

/** apiextensions-apiserver's hasBlockingErr: schema errors that stop CEL rules from running. */
export function blockingCelError(errs: FieldError[]): FieldError | undefined {
  const blocking = errs.some(
    (e) =>
      e.type === 'Required' ||
      e.type === 'TooLong' ||
      e.type === 'TooMany' ||
      (e.type === 'Invalid' && /in body must be of type/.test(e.detail ?? '')),
  );
  if (!blocking) return undefined;
  return {
    type: 'Invalid',
    field: '<nil>',
    value: 'null',
    detail:
      'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
  };
}

/** Escapes CEL string literals accept (cel-spec); `\.` and the like are syntax errors on a real server. */
const BAD_ESCAPE = /\\(?![abfnrtv\\'"`?]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-3][0-7]{2})/;

/** Why a rule would not compile (syntax only; types and cost are not checked), or undefined. */
export function celSyntaxError(rule: string): string | undefined {
  if (BAD_ESCAPE.test(rule)) return 'Syntax error: invalid escape sequence in a string literal';
  try {
    parse(rule);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
