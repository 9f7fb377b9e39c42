// Reading request bodies and writing JSON / Status responses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, errors } from './status-errors.ts';
import { decodeProtobufBody, ProtobufBodyError } from './protobuf/decode.ts';

/** The real server's request body limit (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** `parseError` is Go-agnostic wording of why the text is not JSON/YAML; callers word the Status. */
export interface RawBody {
  text: string;
  value: unknown;
  parseError?: string;
}

/** The body as received (for messages that quote it) and decoded from JSON or YAML. */
export async function readRawBody(req: IncomingMessage): Promise<RawBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) throw errors.tooLarge(`Request entity too large: limit is ${MAX_BODY_BYTES}`);
    chunks.push(c as Buffer);
  }
  const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (ct === PROTOBUF) return protobufBody(Buffer.concat(chunks));
  if (ct.includes('protobuf') || ct.includes('cbor')) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (the embedded API server does not decode ${ct})`,
    );
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return { text, value: undefined };
  try {
    return { text, value: ct.endsWith('yaml') ? parseYaml(text, { logLevel: 'error' }) : JSON.parse(text) };
  } catch (e) {
    return { text, value: undefined, parseError: e instanceof Error ? e.message : String(e) };
  }
}

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** A protobuf body, decoded to the JSON object a JSON client would have sent. */
function protobufBody(bytes: Buffer): RawBody {
  try {
    const value = decodeProtobufBody(bytes);
    return { text: JSON.stringify(value), value };
  } catch (e) {
    if (e instanceof ProtobufBodyError && e.unsupported) throw new ApiError(415, 'UnsupportedMediaType', e.message);
    throw errors.badRequest(e instanceof Error ? e.message : String(e));
  }
}

/** The request body decoded (JSON, YAML or protobuf; empty: undefined); 400 when it does not decode. */
export async function readBody(req: IncomingMessage): Promise<unknown> {
  const b = await readRawBody(req);
  if (b.parseError !== undefined)
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${b.parseError}`);
  return b.value;
}

/** Sends `body` as JSON with this status code; each warning becomes a `Warning: 299` header. */
export function writeJson(res: ServerResponse, code: number, body: unknown, warnings: string[] = []): void {
  const payload = JSON.stringify(body);
  const headers: Record<string, string | string[]> = {
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
  };
  if (warnings.length) headers['warning'] = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(payload);
}

/** Sends the error as a Status (a non-ApiError as a 500 InternalError); only ends a response already started. */
export function writeError(res: ServerResponse, e: unknown): void {
  const err = e instanceof ApiError ? e : errors.internal(e instanceof Error ? e.message : String(e));
  if (res.headersSent) {
    res.end();
    return;
  }
  writeJson(res, err.code, err.toStatus());
}

/** Sends plain text with this status code, as Go's net/http does for its own errors. */
export function writeText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(text);
}

/**
 * The request target as a URL. A path is always a path, never `//host/...`; a target Go's net/http
 * would refuse (malformed escapes) gives undefined, answered with its plain `400 Bad Request`.
 */
export function requestUrl(req: IncomingMessage): URL | undefined {
  const target = req.url ?? '/';
  try {
    const url = new URL(`http://localhost${target.startsWith('/') ? '' : '/'}${target}`);
    url.pathname.split('/').forEach((seg) => decodeURIComponent(seg));
    return url;
  } catch {
    return undefined;
  }
}
