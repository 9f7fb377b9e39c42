// Approximate byte size of an entry, for the storage's maxSize limit.
import type { Entry } from './types.ts';

/** An entry's approximate size in bytes: the length of its JSON. */
export function entrySize(e: Entry): number {
  return JSON.stringify(e).length;
}
