// Optional file storage: the whole store as one JSON document, rewritten atomically (write + rename)
// shortly after each change and on shutdown, so that a local cluster survives a restart.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Store, StoreSnapshot } from './store.ts';

/** The data file cannot be read as a store snapshot; the message names the file and why. */
export class DataFileError extends Error {
  constructor(path: string, why: string) {
    super(`data file ${path}: ${why}`);
    this.name = 'DataFileError';
  }
}

/** The snapshot in the data file, or undefined when there is no file; DataFileError when it is not a snapshot. */
export function loadSnapshot(path: string): StoreSnapshot | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DataFileError(path, `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const s = parsed as StoreSnapshot;
  if (typeof s?.resourceVersion !== 'number' || !Array.isArray(s.objects))
    throw new DataFileError(path, 'expected {"resourceVersion": number, "objects": [...]}');
  return s;
}

/** Keeps the data file in step with the store: rewritten atomically shortly after each change, and on close(). */
export class FilePersistence {
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: Store,
    private readonly path: string,
    private readonly delayMs = 25,
  ) {
    this.unsubscribe = store.subscribe(() => this.schedule());
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.delayMs);
  }

  flush(): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.store.snapshot()), { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  close(): void {
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
