// Extracting the Status a client-node call failed with, so tests can compare it field by field.
import { ApiException } from '@kubernetes/client-node';

export async function failure(p: Promise<unknown>): Promise<{ code: number; status: any }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) {
      const body = typeof e.body === 'string' ? safeParse(e.body) : e.body;
      return { code: e.code, status: body };
    }
    throw e;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
