// Step 3b of the new-leader sequence (docs/failover.md): after fencing a reachable old primary, take
// everything it holds before draining. Our IO thread may have stopped early (the leader was silent, see
// io-stop.ts), and with five nodes a replica outside our voters may have acknowledged what we never
// received; the fenced primary has all of it and no longer grows. What it holds beyond anything
// acknowledged (the sessions the fence killed commit) comes along too: those clients saw no answer, so
// keeping their writes is allowed, and the old primary is then not errant and rejoins as a replica.
// Best effort: an old primary that stops answering leaves us with what we received, as before.
import { setTimeout as sleep } from 'node:timers/promises';
import { contains, missingFrom, startIo, status, type MysqlNode } from '../mysql/index.ts';
import { stopOwnIo, type ActContext } from './act.ts';

/** How the catch-up ended. */
export type CatchUp = 'had-all' | 'caught-up' | 'not-our-source' | 'gave-up';

/** Receives from the fenced old primary `old` (pod `pod`) until we hold all it executed, within a deadline. */
export async function catchUpFromFenced(c: ActContext, pod: string, old: MysqlNode): Promise<CatchUp> {
  const deadline = Date.now() + 5 * c.timeoutMs;
  const theirs = (await status(old, c.timeoutMs)).executed;
  let mine = await status(c.side.own, c.timeoutMs);
  if (contains(mine.retrieved, theirs)) return 'had-all';
  const src = mine.replica;
  if (!src || c.podAt(src.sourceHost, src.sourcePort) !== pod) {
    c.log.warn(
      { old: pod, missing: missingFrom(mine.retrieved, theirs) },
      'catch-up: not replicating from the old primary',
    );
    return 'not-our-source';
  }
  await startIo(c.side.own, c.timeoutMs);
  try {
    while (!contains(mine.retrieved, theirs)) {
      if (Date.now() > deadline) {
        c.log.warn({ old: pod, missing: missingFrom(mine.retrieved, theirs) }, 'catch-up: gave up');
        return 'gave-up';
      }
      await sleep(50);
      mine = await status(c.side.own, c.timeoutMs);
    }
    c.log.info({ old: pod }, 'catch-up: received everything the fenced old primary holds');
    return 'caught-up';
  } finally {
    await stopOwnIo(c);
  }
}
