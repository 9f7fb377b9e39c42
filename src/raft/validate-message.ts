// Structural validation of incoming messages. Anything off (wrong type, missing or non-integer fields,
// NaN, negative numbers, non-contiguous entries, malformed conf entries or snapshots) is rejected with a
// reason before it can touch state. Semantic checks that need node state live in the step functions.
import type { Message } from './messages.ts';
import { MESSAGE_TYPES } from './messages.ts';
import type { ConfState, Entry, Snapshot } from './types.ts';

/** Terms and indexes stay below this so that +1 never loses precision. */
const MAX_NUM = Number.MAX_SAFE_INTEGER - 1;
const MAX_ENTRIES = 100_000;
const MAX_ID = 253;

/** A structurally valid message, or why it was rejected. */
export type Validated = { ok: true; msg: Message } | { ok: false; reason: string };

class Invalid extends Error {}

function fail(why: string): never {
  throw new Invalid(why);
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${what} must be an object`);
  return v as Record<string, unknown>;
}

function num(o: Record<string, unknown>, k: string, min = 0): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > MAX_NUM) {
    fail(`${k}=${String(v)} must be an integer in [${min}, ${MAX_NUM}]`);
  }
  return v;
}

function id(o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ID)
    fail(`${k} must be a non-empty string of at most ${MAX_ID} characters`);
  return v;
}

function bool(o: Record<string, unknown>, k: string): boolean {
  if (typeof o[k] !== 'boolean') fail(`${k} must be a boolean`);
  return o[k] as boolean;
}

function ids(v: unknown, what: string): string[] {
  if (!Array.isArray(v)) fail(`${what} must be an array of node ids`);
  for (const x of v)
    if (typeof x !== 'string' || x.length === 0 || x.length > MAX_ID) fail(`${what} holds an invalid node id`);
  if (new Set(v).size !== v.length) fail(`${what} holds a duplicate node id`);
  return v as string[];
}

function confState(v: unknown, what: string): ConfState {
  const o = obj(v, what);
  const voters = ids(o['voters'], `${what}.voters`);
  const learners = ids(o['learners'], `${what}.learners`);
  if (voters.some((x) => learners.includes(x))) fail(`${what}: a node is both voter and learner`);
  return { voters, learners };
}

function isJson(v: unknown): boolean {
  return (
    v === null ||
    (['string', 'number', 'boolean', 'object'].includes(typeof v) && !(typeof v === 'number' && !Number.isFinite(v)))
  );
}

function entry(v: unknown, i: number): Entry {
  const e = obj(v, `entries[${i}]`);
  num(e, 'index', 1);
  num(e, 'term', 1);
  const type = e['type'];
  if (type !== 'normal' && type !== 'noop' && type !== 'conf')
    fail(`entries[${i}].type=${String(type)} must be normal, noop or conf`);
  if (!isJson(e['data'])) fail(`entries[${i}].data must be a JSON value`);
  if (type === 'conf') {
    const d = obj(e['data'], `entries[${i}].data`);
    const c = obj(d['change'], `entries[${i}].data.change`);
    const ct = c['type'];
    if (ct !== 'addLearner' && ct !== 'promote' && ct !== 'remove')
      fail(`entries[${i}] conf change type=${String(ct)} is unknown`);
    id(c, 'node');
    const conf = confState(d['conf'], `entries[${i}].data.conf`);
    if (conf.voters.length === 0) fail(`entries[${i}].data.conf has no voters`);
  }
  return e as unknown as Entry;
}

function snapshot(v: unknown, term: number): Snapshot {
  const s = obj(v, 'snapshot');
  num(s, 'index', 1);
  const st = num(s, 'term', 1);
  if (st > term) fail(`snapshot.term=${st} is above the message term ${term}`);
  const conf = confState(s['conf'], 'snapshot.conf');
  if (conf.voters.length === 0) fail('snapshot.conf has no voters');
  if (!isJson(s['data'])) fail('snapshot.data must be a JSON value');
  return s as unknown as Snapshot;
}

function appBody(m: Record<string, unknown>, term: number): void {
  const index = num(m, 'index');
  const logTerm = num(m, 'logTerm');
  num(m, 'commit');
  if (logTerm > term) fail(`logTerm=${logTerm} is above the message term ${term}`);
  const ents = m['entries'];
  if (!Array.isArray(ents)) fail('entries must be an array');
  if (ents.length > MAX_ENTRIES) fail(`entries holds ${ents.length} entries, at most ${MAX_ENTRIES} allowed`);
  let prevTerm = logTerm;
  ents.forEach((raw, i) => {
    const e = entry(raw, i);
    if (e.index !== index + 1 + i)
      fail(`entries[${i}].index=${e.index} must be ${index + 1 + i} (contiguous after index)`);
    if (e.term < prevTerm || e.term > term) fail(`entries[${i}].term=${e.term} must be in [${prevTerm}, ${term}]`);
    prevTerm = e.term;
  });
}

function voteBody(m: Record<string, unknown>, term: number): void {
  num(m, 'index');
  const lt = num(m, 'logTerm');
  if (lt > term) fail(`logTerm=${lt} is above the message term ${term}`);
  bool(m, 'transfer');
  if (!isJson(m['context'] ?? null)) fail('context must be a JSON value');
}

function voteRespBody(m: Record<string, unknown>): void {
  bool(m, 'reject');
  if (m['reason'] !== undefined && (typeof m['reason'] !== 'string' || m['reason'].length > 1000))
    fail('reason must be a string of at most 1000 characters');
}

/** The body check of each message type (the header is checked before). */
const BODY: Record<Message['type'], (m: Record<string, unknown>, term: number) => void> = {
  app: appBody,
  appResp: (m) => {
    num(m, 'index');
    num(m, 'hint');
    bool(m, 'reject');
  },
  vote: voteBody,
  preVote: voteBody,
  voteResp: voteRespBody,
  preVoteResp: voteRespBody,
  heartbeat: (m) => {
    num(m, 'commit');
    num(m, 'round', 1);
  },
  heartbeatResp: (m) => {
    num(m, 'round', 1);
  },
  snap: (m, term) => {
    snapshot(m['snapshot'], term);
  },
  timeoutNow: () => {},
};

function checkBody(m: Record<string, unknown>, term: number): void {
  const type = String(m['type']);
  if (!Object.hasOwn(BODY, type)) fail(`type=${type} is unknown`);
  BODY[type as Message['type']](m, term);
}

/** Validate an untrusted message addressed to `self`. */
export function validateMessage(raw: unknown, self: string): Validated {
  try {
    const m = obj(raw, 'message');
    if (!MESSAGE_TYPES.includes(m['type'] as Message['type']))
      fail(`type=${JSON.stringify(m['type'])} must be one of ${MESSAGE_TYPES.join(', ')}`);
    const from = id(m, 'from');
    const to = id(m, 'to');
    if (to !== self) fail(`to=${to} is not this node (${self})`);
    if (from === self) fail('from is this node itself');
    // Only answers can carry term 0 (a node that never saw an election refusing a PreVote).
    const isAnswer =
      m['type'] === 'voteResp' ||
      m['type'] === 'preVoteResp' ||
      m['type'] === 'appResp' ||
      m['type'] === 'heartbeatResp';
    const term = num(m, 'term', isAnswer ? 0 : 1);
    checkBody(m, term);
    return { ok: true, msg: m as unknown as Message };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, reason: e.message };
    throw e;
  }
}
