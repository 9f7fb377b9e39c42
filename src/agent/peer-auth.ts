// Peer authentication for Raft messages between agents: an HMAC-SHA256 with the per-cluster key from
// Secret `<cluster>-peer-auth` (docs/agent.md, "Peer transport"). The MAC covers the cluster, sender,
// receiver, send time and the exact body, so a message forged without the key, sent by another
// cluster, addressed to another node, or altered on the way is rejected before it reaches the core.
// A captured request replayed within the allowed clock skew is accepted: to Raft that is a duplicated
// message, which it tolerates by design.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The HTTP header carrying the credential. */
export const AUTH_HEADER = 'x-mysql-raft-auth';
/** Shortest key accepted (bytes). */
export const MIN_KEY_BYTES = 32;
const VERSION = 'v1';

/** Who sends to whom, when (ms since the epoch), in which cluster. */
export interface AuthFields {
  cluster: string;
  from: string;
  to: string;
  at: number;
}

/** What the receiver knows to check a credential against. */
export interface VerifyContext {
  key: Buffer;
  cluster: string;
  self: string;
  /** Current members of the cluster (pod names); anyone else is refused. */
  isMember: (id: string) => boolean;
  now: number;
  /** Largest accepted difference between the sender's `at` and our `now`. */
  maxSkewMs: number;
}

/** The verdict: the authenticated sender, or why the request is refused. */
export type Verdict = { ok: true; from: string } | { ok: false; reason: string };

function mac(key: Buffer, f: AuthFields, body: Buffer): Buffer {
  return createHmac('sha256', key)
    .update(`mysql-raft/${VERSION}\n${f.cluster}\n${f.from}\n${f.to}\n${f.at}\n`)
    .update(body)
    .digest();
}

/** The header value for a request with this body. */
export function signRequest(key: Buffer, f: AuthFields, body: Buffer): string {
  const m = mac(key, f, body).toString('base64url');
  return `${VERSION} cluster=${f.cluster} from=${f.from} to=${f.to} at=${f.at} mac=${m}`;
}

function parseHeader(header: string): (AuthFields & { mac: string }) | string {
  const parts = header.trim().split(/\s+/);
  if (parts[0] !== VERSION) return `credential version ${JSON.stringify(parts[0] ?? '')} is not ${VERSION}`;
  const kv = new Map<string, string>();
  for (const p of parts.slice(1)) {
    const i = p.indexOf('=');
    if (i <= 0) return `credential field ${JSON.stringify(p)} is not key=value`;
    kv.set(p.slice(0, i), p.slice(i + 1));
  }
  const [cluster, from, to, at, m] = ['cluster', 'from', 'to', 'at', 'mac'].map((k) => kv.get(k) ?? '');
  if (!cluster || !from || !to || !at || !m) return 'credential lacks one of cluster, from, to, at, mac';
  if (!/^\d{1,16}$/.test(at!)) return `credential at=${JSON.stringify(at)} is not a millisecond timestamp`;
  return { cluster: cluster!, from: from!, to: to!, at: Number(at), mac: m! };
}

/** Checks a request's credential; never throws. */
export function verifyRequest(header: string | undefined, body: Buffer, c: VerifyContext): Verdict {
  if (!header) return { ok: false, reason: `missing ${AUTH_HEADER} header` };
  const h = parseHeader(header);
  if (typeof h === 'string') return { ok: false, reason: h };
  if (h.cluster !== c.cluster) return { ok: false, reason: `credential is for cluster ${h.cluster}, not ${c.cluster}` };
  if (h.to !== c.self) return { ok: false, reason: `credential is addressed to ${h.to}, not ${c.self}` };
  const want = mac(c.key, h, body);
  const got = Buffer.from(h.mac, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return { ok: false, reason: 'bad MAC' };
  if (Math.abs(c.now - h.at) > c.maxSkewMs)
    return { ok: false, reason: `credential time ${h.at} is more than ${c.maxSkewMs} ms from ours (${c.now})` };
  if (!c.isMember(h.from)) return { ok: false, reason: `${h.from} is not a member of cluster ${c.cluster}` };
  return { ok: true, from: h.from };
}
