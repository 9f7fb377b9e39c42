// Lists as the real server serves them: selectors, then pages of `limit` in etcd key order, each
// with a continue token pinned to the first page's resourceVersion (410 once history has moved past it).
import { errors } from './status-errors.ts';
import type { KindInfo } from './kinds.ts';
import { apiVersionOf } from './kinds.ts';
import type { Obj } from './meta.ts';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { grOf, toRequestVersionAll, type ServerContext } from './context.ts';
import { shapeCustom } from './rest.ts';

/** A list's query parameters: selectors and paging. */
export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

/** What a continue token carries: the list's resourceVersion and the key the next page starts after. */
interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

const EXPIRED_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/** Where a page starts: the current resourceVersion from the beginning, or what the continue token says. */
function pageStart(ctx: ServerContext, token: string | undefined): { rv: number; start: string } {
  if (!token) return { rv: ctx.store.currentRv(), start: '' };
  let tok: ContinueToken;
  try {
    tok = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as ContinueToken;
  } catch {
    throw errors.badRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
  if (typeof tok.rv !== 'number' || typeof tok.start !== 'string') throw errors.badRequest('continue key is not valid');
  if (tok.rv < ctx.store.oldestResumableRv()) throw errors.gone(EXPIRED_CONTINUE);
  return { rv: tok.rv, start: tok.start };
}

/**
 * The matching objects as a list, paged by limit and continue; 400 for a bad selector or token, 410 for an expired one.
 */
export async function listObjects(ctx: ServerContext, k: KindInfo, ns: string | undefined, q: ListQuery): Promise<Obj> {
  const labels = parseLabelSelector(q.labelSelector);
  const fields = parseFieldSelector(q.fieldSelector, k.kind, apiVersionOf(k));
  const { rv, start } = pageStart(ctx, q.continue);
  const keyOf = (o: Obj): string => `${o['metadata']['namespace'] ?? ''}/${o['metadata']['name']}`;
  const all = ctx.store
    .list(grOf(k), ns)
    .filter((o) => keyOf(o) > start)
    .filter((o) => matchesLabels(labels, o['metadata']['labels']) && matchesFields(fields, o));
  const limit = q.limit && q.limit > 0 ? q.limit : all.length;
  const page = all.slice(0, limit);
  const listMeta: Obj = { resourceVersion: String(rv) };
  if (all.length > page.length) {
    const last = page[page.length - 1]!;
    listMeta['continue'] = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: keyOf(last) })).toString(
      'base64',
    );
    // etcd3's store counts the rest only when nothing filters the list (SelectionPredicate.Empty()).
    if (!q.labelSelector && !q.fieldSelector) listMeta['remainingItemCount'] = all.length - page.length;
  }
  const items = await toRequestVersionAll(ctx, k, page);
  for (const it of items) {
    shapeCustom(k, it);
    if (!k.crd) {
      delete it['apiVersion'];
      delete it['kind'];
    }
  }
  return { kind: k.listKind, apiVersion: apiVersionOf(k), metadata: listMeta, items };
}
