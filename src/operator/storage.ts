// Storage growth. A StatefulSet's volumeClaimTemplates cannot change, so, as MOCO does, the operator
// grows each claim itself: every PersistentVolumeClaim of the cluster whose request is below
// spec.storage.size gets its request patched up (the storage class must allow expansion; the API server
// refuses otherwise, and that refusal becomes a Warning event). Claims are never shrunk (the webhook
// refuses a smaller size; a claim already larger than the spec is left alone). A claim the StatefulSet
// creates later from its old template is grown by the same rule on the next reconcile.
import { compareQuantities, parseQuantity, QuantityError } from '../api/quantity.ts';

/** A claim as the decision sees it. */
export interface ClaimView {
  name: string;
  /** spec.resources.requests.storage, as stored. */
  request: string | undefined;
  /** status.capacity.storage, when the volume is bound. */
  capacity?: string;
  deleting: boolean;
}

/** One claim to patch, and why. */
export interface Resize {
  claim: string;
  from: string;
  to: string;
}

/** What to do about storage: resize some claims, or nothing, with the reason. */
export type StorageDecision = { kind: 'resize'; resizes: Resize[] } | { kind: 'none'; why: string };

const lessThan = (a: string, b: string): boolean => compareQuantities(parseQuantity(a), parseQuantity(b)) < 0;

/** The claims whose request is below `size` (claims being deleted and unparsable requests are skipped). Pure. */
export function storageGrowth(size: string | number, claims: ClaimView[]): StorageDecision {
  const want = String(size);
  try {
    parseQuantity(want);
  } catch (e) {
    if (e instanceof QuantityError) return { kind: 'none', why: `spec.storage.size "${want}" is not a quantity` };
    throw e;
  }
  const resizes: Resize[] = [];
  for (const c of claims) {
    if (c.deleting || c.request === undefined) continue;
    try {
      if (lessThan(c.request, want)) resizes.push({ claim: c.name, from: c.request, to: want });
    } catch (e) {
      if (!(e instanceof QuantityError)) throw e;
    }
  }
  if (resizes.length) return { kind: 'resize', resizes: resizes.sort((a, b) => a.claim.localeCompare(b.claim)) };
  return { kind: 'none', why: claims.length ? 'every claim requests at least spec.storage.size' : 'no claims yet' };
}
