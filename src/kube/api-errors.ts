// The HTTP status of a failed client-node call, wherever that version of the client put it.
/** The HTTP status code of a failed API call, or undefined when `err` carries none (e.g. a socket error). */
export function statusOf(err: unknown): number | undefined {
  const e = err as { code?: number; statusCode?: number; response?: { statusCode?: number } };
  return e?.code ?? e?.statusCode ?? e?.response?.statusCode;
}
