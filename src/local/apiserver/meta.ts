// Small helpers over untyped Kubernetes objects: the server handles every kind as plain JSON.
import { randomInt } from 'node:crypto';

/** An untyped Kubernetes object. */
// The server handles every kind as plain JSON: members are read loosely here and checked where it
// matters (decode.ts, the schemas), so `any` is this one type's deliberate choice.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type Obj = Record<string, any>;

/** A deep copy (structuredClone). */
export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** The object's metadata, created as {} in place when missing or not an object. */
export function meta(o: Obj): Obj {
  if (typeof o['metadata'] !== 'object' || o['metadata'] === null || Array.isArray(o['metadata'])) o['metadata'] = {};
  return o['metadata'] as Obj;
}

/** Whether `v` is a non-null object that is not an array. */
export function isPlainObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function nowTime(clock: () => number = Date.now): string {
  return new Date(Math.floor(clock() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Five random characters from the alphabet the real server uses for generateName suffixes. */
export function generateNameSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_SUFFIX_ALPHABET[randomInt(NAME_SUFFIX_ALPHABET.length)];
  return s;
}

/** Reads a simple JSONPath like `.spec.replicas` or `.status.conditions[0].type`. */
export function getPath(o: unknown, path: string): unknown {
  const parts = splitPath(path);
  let cur: unknown = o;
  for (const p of parts) {
    if (cur === null || cur === undefined) return undefined;
    if (typeof p === 'number') cur = Array.isArray(cur) ? cur[p] : undefined;
    else cur = isPlainObject(cur) ? cur[p] : undefined;
  }
  return cur;
}

/** Sets the value at a simple JSONPath, creating missing objects and arrays on the way. */
export function setPath(o: Obj, path: string, value: unknown): void {
  const parts = splitPath(path);
  // Arrays are indexed by number and objects by string: one record type reads and writes both.
  type Container = Record<string | number, unknown>;
  let cur = o as Container;
  parts.forEach((p, i) => {
    if (i === parts.length - 1) {
      cur[p] = value;
      return;
    }
    if (cur[p] === undefined || cur[p] === null) cur[p] = typeof parts[i + 1] === 'number' ? [] : {};
    cur = cur[p] as Container;
  });
}

function splitPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\['([^']+)'\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

/** Structural equality of JSON values; a property set to undefined counts as absent. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ak = Object.keys(a as Obj).filter((k) => (a as Obj)[k] !== undefined);
  const bk = Object.keys(b as Obj).filter((k) => (b as Obj)[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => deepEqual((a as Obj)[k], (b as Obj)[k]));
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The real server's wording for name validation failures (apimachinery validation.IsDNS1123*). */
export function dnsSubdomainProblem(name: string): string | undefined {
  if (name.length > 253) return 'must be no more than 253 characters';
  if (!DNS1123_SUBDOMAIN.test(name)) {
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  }
  return undefined;
}

/** The real server's message when `name` is not an RFC 1123 label; undefined when it is one. */
export function dnsLabelProblem(name: string): string | undefined {
  if (name.length > 63) return 'must be no more than 63 characters';
  if (!DNS1123_LABEL.test(name)) {
    return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
  }
  return undefined;
}
