// Compare and merge desired objects with live ones, owning only the fields we set: a live object
// "matches" when every field of the desired one has the same value there (defaults the API server
// added, labels or annotations other controllers put, stay theirs); an update overlays our fields on
// the live object, so what others wrote survives. Lists of named items (containers, env, ports,
// volumes) are matched by name, others by position. Quantities compare by value ("1000m" == "1").
import { compareQuantities, parseQuantity } from '../api/quantity.ts';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

const QUANTITY_PATH = /(^|\.)(resources\.(requests|limits)|requests|limits)\.[^.]+$/;

function sameQuantity(a: unknown, b: unknown): boolean {
  if ((typeof a !== 'string' && typeof a !== 'number') || (typeof b !== 'string' && typeof b !== 'number'))
    return false;
  try {
    return compareQuantities(parseQuantity(a), parseQuantity(b)) === 0;
  } catch {
    return false;
  }
}

function named(list: unknown[]): boolean {
  return list.length > 0 && list.every((x) => isObj(x) && typeof x['name'] === 'string');
}

function counterpart(desired: unknown[], live: unknown[], i: number): unknown {
  const d = desired[i];
  if (named(desired) && named(live)) return live.find((x) => (x as Json)['name'] === (d as Json)['name']);
  return live[i];
}

function arraySubset(desired: unknown[], live: unknown, path: string): boolean {
  if (!Array.isArray(live) || live.length !== desired.length) return false;
  if (named(desired) && !named(live)) return false;
  return desired.every((d, i) => isSubset(d, counterpart(desired, live, i), `${path}[${i}]`));
}

/** Whether every field of `desired` has the same value in `live` (extra live fields are ignored). */
export function isSubset(desired: unknown, live: unknown, path = ''): boolean {
  if (Array.isArray(desired)) return arraySubset(desired, live, path);
  if (isObj(desired)) {
    if (!isObj(live)) return false;
    return Object.entries(desired).every(
      ([k, v]) => v === undefined || isSubset(v, live[k], path ? `${path}.${k}` : k),
    );
  }
  if (desired === live) return true;
  return QUANTITY_PATH.test(path) && sameQuantity(desired, live);
}

/** `live` with every field of `desired` written over it; fields only `live` has are kept. */
export function overlay(live: unknown, desired: unknown): unknown {
  if (Array.isArray(desired)) {
    const liveList = Array.isArray(live) ? live : [];
    const byName = named(desired) && named(liveList);
    return desired.map((d, i) => overlay(byName ? counterpart(desired, liveList, i) : liveList[i], d));
  }
  if (isObj(desired)) {
    const out: Json = isObj(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(desired)) if (v !== undefined) out[k] = overlay(out[k], v);
    return out;
  }
  return desired;
}
