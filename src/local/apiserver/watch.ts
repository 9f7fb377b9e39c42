// Watch streams, framed as the real server frames them for JSON: one `{"type":..,"object":..}` per
// line, each flushed as its own chunk. Resumes from the store's history, answers a compacted
// resourceVersion with an ERROR event carrying a 410 Expired Status, turns selector transitions into
// ADDED/DELETED as the watch cache does, and sends BOOKMARKs when asked.
import type { ServerResponse } from 'node:http';
import { ApiError, errors } from './status-errors.ts';
import type { KindInfo } from './kinds.ts';
import { apiVersionOf } from './kinds.ts';
import { clone, type Obj } from './meta.ts';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import type { StoreEvent } from './store.ts';
import { grOf, toRequestVersion, type ServerContext } from './context.ts';

/** What a watch asks for: its namespace (undefined: all) and query parameters. */
export interface WatchQuery {
  namespace?: string;
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  sendInitialEvents?: boolean;
}

/** Watch timings (ms), an optional Table transform, and the registration that lets shutdown end the stream. */
export interface WatchOptions {
  bookmarkIntervalMs: number;
  defaultTimeoutMs: number;
  /** Table rendering for `kubectl get -w`. */
  transform?: (o: Obj, first: boolean) => Obj;
  /** Registers the stream so that server shutdown can end it. */
  track: (end: () => void) => () => void;
}

type WireType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/**
 * Streams the matching events to `res` from the requested resourceVersion until the timeout, the client leaves or the
 * server stops. Bad selectors throw before anything is written; an expired resourceVersion ends with a 410 ERROR event.
 */
export function serveWatch(
  ctx: ServerContext,
  k: KindInfo,
  q: WatchQuery,
  res: ServerResponse,
  opts: WatchOptions,
): void {
  const ns = q.namespace;
  const labels = parseLabelSelector(q.labelSelector);
  const fields = parseFieldSelector(q.fieldSelector, k.kind, apiVersionOf(k));
  const gr = grOf(k);
  const matches = (o: Readonly<Obj> | undefined) =>
    !!o &&
    (ns === undefined || (o['metadata']['namespace'] ?? '') === ns) &&
    matchesLabels(labels, o['metadata']['labels']) &&
    matchesFields(fields, o as Obj);

  let startRv: number | undefined;
  if (q.resourceVersion !== undefined && q.resourceVersion !== '' && q.resourceVersion !== '0') {
    startRv = Number(q.resourceVersion);
    if (!Number.isInteger(startRv) || startRv < 0)
      throw errors.badRequest(`invalid resource version: ${q.resourceVersion}`);
  }

  res.writeHead(200, {
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
    'transfer-encoding': 'chunked',
  });
  res.flushHeaders();
  let closed = false;
  let first = true;
  let chain: Promise<void> = Promise.resolve();
  let progressRv = ctx.store.currentRv();

  const write = (type: WireType, object: Obj) => {
    if (closed) return;
    let out = object;
    if (opts.transform && type !== 'ERROR' && type !== 'BOOKMARK') {
      out = opts.transform(object, first);
      first = false;
    }
    res.write(`${JSON.stringify({ type, object: out })}\n`);
  };
  const enqueue = (fn: () => Promise<void> | void) => {
    chain = chain.then(fn).catch((e: unknown) => {
      write('ERROR', e instanceof ApiError ? e.toStatus() : errors.internal(String(e)).toStatus());
      end();
    });
  };
  const bookmark = (annotations?: Record<string, string>) =>
    write('BOOKMARK', {
      kind: k.kind,
      apiVersion: apiVersionOf(k),
      metadata: { resourceVersion: String(progressRv), ...(annotations ? { annotations } : {}) },
    });

  const deliver = async (e: StoreEvent) => {
    progressRv = e.rv;
    if (e.gr !== gr) return;
    const now = e.type === 'DELETED' ? false : matches(e.object);
    const before = e.type === 'ADDED' ? false : matches(e.prev ?? (e.type === 'DELETED' ? e.object : undefined));
    let type: WireType | undefined;
    if (e.type === 'DELETED') type = before || matches(e.object) ? 'DELETED' : undefined;
    else if (now && before) type = 'MODIFIED';
    else if (now) type = 'ADDED';
    else if (before) type = 'DELETED';
    if (!type) return;
    write(type, await toRequestVersion(ctx, k, clone(e.object)));
  };

  // Subscribe first so nothing committed between the snapshot and the subscription is lost.
  const unsubscribe = ctx.store.subscribe((e) => enqueue(() => deliver(e)));
  const timers: NodeJS.Timeout[] = [];
  let untrack = () => {};
  const end = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    untrack();
    for (const t of timers) clearTimeout(t);
    res.end();
  };
  untrack = opts.track(end);
  res.on('close', end);

  if (startRv === undefined) {
    const snapshotRv = ctx.store.currentRv();
    const initial = ctx.store.list(gr, ns).filter(matches);
    enqueue(async () => {
      for (const o of initial) write('ADDED', await toRequestVersion(ctx, k, o));
      progressRv = Math.max(progressRv, snapshotRv);
      if (q.sendInitialEvents && q.allowWatchBookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });
    });
  } else {
    const past = ctx.store.eventsSince(startRv);
    if (past === 'gone') {
      write(
        'ERROR',
        errors
          .gone(`too old resource version: ${startRv} (${ctx.store.oldestResumableRv() + 1})`)
          .toStatus() as unknown as Obj,
      );
      end();
      return;
    }
    for (const e of past) enqueue(() => deliver(e));
  }

  const timeoutMs =
    q.timeoutSeconds !== undefined && q.timeoutSeconds > 0 ? q.timeoutSeconds * 1000 : opts.defaultTimeoutMs;
  timers.push(setTimeout(() => enqueue(end), timeoutMs));
  if (q.allowWatchBookmarks) {
    const every = setInterval(() => enqueue(() => bookmark()), opts.bookmarkIntervalMs);
    timers.push(every);
  }
}
