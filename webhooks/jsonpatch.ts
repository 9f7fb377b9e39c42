// RFC 6902 JSON Patch: the diff the mutating webhook returns, and apply for tests and in-process callers.
// Only what defaulting needs (add, replace, remove on objects; whole-array replace).

/** The JSON Patch operations this module writes and applies. */
export type PatchOp = { op: 'add' | 'replace'; path: string; value: unknown } | { op: 'remove'; path: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const escape = (k: string): string => k.replace(/~/g, '~0').replace(/\//g, '~1');
const unescape = (k: string): string => k.replace(/~1/g, '/').replace(/~0/g, '~');

/** Operations that turn `from` into `to`. */
export function diff(from: unknown, to: unknown, path = ''): PatchOp[] {
  if (isRecord(from) && isRecord(to)) {
    const ops: PatchOp[] = [];
    for (const k of Object.keys(from)) if (!(k in to)) ops.push({ op: 'remove', path: `${path}/${escape(k)}` });
    for (const [k, v] of Object.entries(to)) {
      if (!(k in from)) ops.push({ op: 'add', path: `${path}/${escape(k)}`, value: v });
      else ops.push(...diff(from[k], v, `${path}/${escape(k)}`));
    }
    return ops;
  }
  return JSON.stringify(from) === JSON.stringify(to) ? [] : [{ op: 'replace', path, value: to }];
}

/** A JSON Patch cannot be applied; the message says which operation and path. */
export class PatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatchError';
  }
}

/** A patched deep copy of doc. */
export function applyPatch(doc: unknown, ops: readonly PatchOp[]): unknown {
  let root = structuredClone(doc);
  for (const op of ops) {
    if (op.path === '') {
      if (op.op === 'remove') throw new PatchError('cannot remove the root');
      root = structuredClone(op.value);
      continue;
    }
    const keys = op.path.split('/').slice(1).map(unescape);
    const last = keys.pop() as string;
    let cur: unknown = root;
    for (const k of keys) {
      cur = isRecord(cur) || Array.isArray(cur) ? (cur as Record<string, unknown>)[k] : undefined;
      if (cur === undefined) throw new PatchError(`path ${op.path}: parent does not exist`);
    }
    if (!isRecord(cur) && !Array.isArray(cur)) throw new PatchError(`path ${op.path}: parent is not a container`);
    const target = cur as Record<string, unknown>;
    if (op.op === 'remove') delete target[last];
    else if (op.op === 'replace' && !(last in target)) throw new PatchError(`path ${op.path}: nothing to replace`);
    else target[last] = structuredClone(op.value);
  }
  return root;
}
