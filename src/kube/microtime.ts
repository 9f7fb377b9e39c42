// metav1.MicroTime on the wire: the ONE place our code turns a Date into a MicroTime field (Lease
// acquireTime/renewTime, Event eventTime). client-node serialises every Date with toISOString(), three
// fractional digits, which a real API server refuses for MicroTime (it parses RFC3339Micro, exactly
// six). A MicroTime is a Date whose toISOString()/toJSON() print six digits, so it passes through
// client-node's typed serializer unchanged in type and right on the wire.

/** A Date that serialises as metav1.MicroTime (`2026-11-30T03:38:27.605000Z`). */
export class MicroTime extends Date {
  /** RFC 3339 in UTC with exactly six fractional digits. */
  override toISOString(): string {
    return super.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  }

  override toJSON(): string {
    return this.toISOString();
  }
}

/** The instant as a MicroTime (a Date read back from the server, or the clock's now). */
export function microTime(at: Date | number): MicroTime {
  return new MicroTime(typeof at === 'number' ? at : at.getTime());
}

const SIX_DIGITS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/;

/**
 * A MicroTime field value ready to be written: a Date becomes a MicroTime; a string read back from the
 * server (client-node may leave them as strings) is kept when it already has six digits, else re-printed.
 */
function forWire(v: Date | string): Date {
  if (typeof v === 'string') return (SIX_DIGITS.test(v) ? v : microTime(Date.parse(v))) as Date;
  return microTime(v);
}

/** The Lease spec with its MicroTime fields (acquireTime, renewTime) ready to be written. */
export function leaseTimes<S extends { acquireTime?: Date; renewTime?: Date }>(spec: S): S {
  const out = { ...spec };
  if (spec.acquireTime) out.acquireTime = forWire(spec.acquireTime);
  if (spec.renewTime) out.renewTime = forWire(spec.renewTime);
  return out;
}
