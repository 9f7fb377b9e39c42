// Protobuf request bodies (`application/vnd.kubernetes.protobuf`) as kubectl's typed clients send them:
// the 4-byte magic `k8s\0`, then a runtime.Unknown {typeMeta{apiVersion, kind}, raw, contentEncoding,
// contentType} whose `raw` is the object's message. The object is turned into the JSON the Go types
// would print (omitempty zero values dropped, pointers kept, embedded structs inlined, Time as RFC 3339,
// IntOrString and Quantity as scalars, bytes as base64), so the rest of the server sees what a JSON
// client would have sent. A field the definitions do not list is refused, never dropped.
import protobuf from 'protobufjs';
import { fieldMeta, messageType } from './messages.ts';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** The body could not be decoded; the message says why (the server answers 400 or 415 with it). */
export class ProtobufBodyError extends Error {
  constructor(
    message: string,
    readonly unsupported: boolean,
  ) {
    super(message);
    this.name = 'ProtobufBodyError';
  }
}

type Json = unknown;
type Obj = Record<string, Json>;

const WIRE_LEN = 2;

function readScalar(r: protobuf.Reader, type: string, wire: number): Json {
  switch (type) {
    case 'string':
      return r.string();
    case 'bytes':
      return Buffer.from(r.bytes()).toString('base64');
    case 'bool':
      return r.bool();
    case 'int32':
      return r.int32();
    case 'int64': {
      const v = r.int64();
      return typeof v === 'number' ? v : Number(v.toString());
    }
    default:
      throw new ProtobufBodyError(`unsupported scalar type ${type} (wire type ${wire})`, true);
  }
}

function isScalarType(t: string): boolean {
  return ['string', 'bytes', 'bool', 'int32', 'int64'].includes(t);
}

function readMapEntry(r: protobuf.Reader, field: protobuf.MapField, path: string): [string, Json] {
  const end = r.uint32() + r.pos;
  let key = '';
  let value: Json = isScalarType(field.type) ? (field.type === 'string' || field.type === 'bytes' ? '' : 0) : {};
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) key = r.string();
    else if (tag >>> 3 === 2)
      value = isScalarType(field.type)
        ? readScalar(r, field.type, tag & 7)
        : readMessage(field.resolvedType as protobuf.Type, r, r.uint32() + r.pos, `${path}[${key}]`);
    else r.skipType(tag & 7);
  }
  return [key, value];
}

function readPacked(r: protobuf.Reader, type: string): Json[] {
  const end = r.uint32() + r.pos;
  const out: Json[] = [];
  while (r.pos < end) out.push(readScalar(r, type, 0));
  return out;
}

function readFieldValue(r: protobuf.Reader, f: protobuf.Field, wire: number, path: string): Json | Json[] {
  if (isScalarType(f.type)) {
    if (f.repeated && wire === WIRE_LEN && f.type !== 'string' && f.type !== 'bytes') return readPacked(r, f.type);
    return readScalar(r, f.type, wire);
  }
  if (wire !== WIRE_LEN) throw new ProtobufBodyError(`${path}: wire type ${wire} where a message was expected`, false);
  return readMessage(f.resolvedType as protobuf.Type, r, r.uint32() + r.pos, path);
}

/** Reads one message into its Go-JSON form, refusing fields the definitions do not list. */
function readMessage(type: protobuf.Type, r: protobuf.Reader, end: number, path: string): Json {
  const out: Obj = {};
  while (r.pos < end) {
    const tag = r.uint32();
    const field = type.fieldsById[tag >>> 3];
    if (!field) {
      if (type.name === 'Skip') {
        r.skipType(tag & 7);
        continue;
      }
      throw new ProtobufBodyError(
        `field ${tag >>> 3} of ${type.name} (${path || 'the object'}) is not decoded by the embedded API server`,
        true,
      );
    }
    const at = path ? `${path}.${field.name}` : field.name;
    if (field instanceof protobuf.MapField) {
      const [k, v] = readMapEntry(r, field, at);
      ((out[field.name] ??= {}) as Obj)[k] = v;
    } else if (field.repeated) {
      const v = readFieldValue(r, field, tag & 7, at);
      ((out[field.name] ??= []) as Json[]).push(...(Array.isArray(v) && isScalarType(field.type) ? v : [v]));
    } else out[field.name] = readFieldValue(r, field, tag & 7, at);
  }
  return toGoJson(type, out);
}

function timeString(o: Obj, micro: boolean): string | null {
  const seconds = Number(o['seconds'] ?? 0);
  const nanos = Number(o['nanos'] ?? 0);
  if (seconds === 0 && nanos === 0) return null;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return micro ? `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${base}Z`;
}

function isZero(v: Json): boolean {
  return v === '' || v === 0 || v === false || v === null || v === undefined;
}

/** The wire-to-JSON rendering of the types Kubernetes serialises as scalars; Skip is dropped. */
const SCALARS: Record<string, (o: Obj) => Json> = {
  Time: (o) => timeString(o, false),
  MicroTime: (o) => timeString(o, true),
  IntOrString: (o) => (Number(o['type'] ?? 0) === 1 ? String(o['strVal'] ?? '') : Number(o['intVal'] ?? 0)),
  Quantity: (o) => String(o['string'] ?? ''),
  FieldsV1: (o) => JSON.parse(Buffer.from(String(o['Raw'] ?? ''), 'base64').toString('utf8') || '{}') as Json,
  Skip: () => undefined,
};

/** Special types become scalars; the rest keep set fields, inline embedded structs, drop Go zero values. */
function toGoJson(type: protobuf.Type, o: Obj): Json {
  const scalar = Object.hasOwn(SCALARS, type.name) ? SCALARS[type.name] : undefined;
  if (scalar) return scalar(o);
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) {
    const meta = fieldMeta(type.name, k);
    if (meta.inline && v && typeof v === 'object') Object.assign(out, v);
    else if (v === undefined || (!meta.pointer && isZero(v))) continue;
    else if (v === null) continue;
    else out[k] = v;
  }
  return out;
}

/** Whether the body starts with the Kubernetes protobuf magic. */
export function hasProtobufMagic(body: Buffer): boolean {
  return body.length >= 4 && body.subarray(0, 4).equals(MAGIC);
}

/**
 * Decodes a Kubernetes protobuf body into the object's JSON form, apiVersion and kind included.
 * Throws ProtobufBodyError for bodies that are not the envelope or carry a kind or field not defined.
 */
export function decodeProtobufBody(body: Buffer): Record<string, unknown> {
  if (!hasProtobufMagic(body))
    throw new ProtobufBodyError(
      'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]',
      false,
    );
  const unknown = messageType('Unknown')!;
  try {
    const r = protobuf.Reader.create(body.subarray(4));
    const env = readMessage(unknown, r, r.len, '') as Obj;
    const tm = (env['typeMeta'] ?? {}) as Obj;
    const kind = String(tm['kind'] ?? '');
    const type = kind ? messageType(kind) : undefined;
    if (!type || kind === 'Unknown' || kind === 'Skip')
      throw new ProtobufBodyError(
        `the embedded API server does not decode ${kind || 'this kind'} from protobuf; send JSON`,
        true,
      );
    if (env['contentEncoding'])
      throw new ProtobufBodyError(`unsupported content encoding ${String(env['contentEncoding'])}`, true);
    const raw = Buffer.from(String(env['raw'] ?? ''), 'base64');
    const rr = protobuf.Reader.create(raw);
    const obj = readMessage(type, rr, rr.len, '') as Obj;
    return { apiVersion: tm['apiVersion'], kind, ...obj };
  } catch (e) {
    if (e instanceof ProtobufBodyError) throw e;
    throw new ProtobufBodyError(e instanceof Error ? e.message : String(e), false);
  }
}
