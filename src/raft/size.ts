// Approximate byte size of an entry, for the storage's maxSize limit.
import type { Entry } from './types.ts';

export function entrySize(e: Entry): number {
  return JSON.stringify(e).length;
}
