// The one Ready loop (src/agent/loop.ts): the order persist -> send -> apply -> advance, a persist
// failure stops everything after it, and ReadyLoop serialises drains for an event-driven node.
import t from 'tap';
import { drainReady, ReadyLoop } from '../../src/agent/loop.ts';
import { RawNode } from '../../src/raft/rawnode.ts';
import { MemoryStorage } from '../../src/raft/memory-storage.ts';
import { UsageError } from '../../src/raft/raft-errors.ts';
import type { Message } from '../../src/raft/messages.ts';
import { baseConfig } from '../support/raft/net.ts';
import { eventually } from '../support/eventually.ts';

const voters = ['a', 'b', 'c'];

async function fresh(id = 'a'): Promise<{ node: RawNode; storage: MemoryStorage }> {
  const storage = new MemoryStorage({ voters, learners: [] });
  const node = await RawNode.start(storage, baseConfig(id, { now: 0 }));
  return { node, storage };
}

t.test(
  'each Ready is persisted, then sent, then applied, then advanced (Figure 2: persist before reply)',
  async (t) => {
    const { node, storage } = await fresh();
    for (let i = 0; i < 10; i++) node.tick(); // stickiness lapses
    node.campaign(); // a vote request: term 1 and the self-vote must be durable before it leaves
    const trace: string[] = [];
    const out = await drainReady(node, {
      inspect: () => {
        trace.push('inspect');
      },
      persist: async (rd) => {
        await storage.persist(rd);
        trace.push('persist');
      },
      persisted: async () => {
        const hs = (await storage.initialState()).hardState;
        trace.push(`durable term ${hs.term} vote ${hs.vote}`);
        return true;
      },
      send: (msgs) => {
        trace.push(`send ${msgs.map((m) => `${m.type}>${m.to}`).join(',')}`);
      },
      apply: () => void trace.push('apply'),
      advanced: () => void trace.push('advanced'),
    });
    t.equal(out, 'settled');
    t.same(trace, ['inspect', 'persist', 'durable term 1 vote a', 'send vote>b,vote>c', 'apply', 'advanced']);
  },
);

t.test('a persist that fails sends nothing, applies nothing and does not advance', async (t) => {
  const { node } = await fresh();
  for (let i = 0; i < 10; i++) node.tick();
  node.campaign();
  const sent: Message[] = [];
  let applied = 0;
  await t.rejects(
    drainReady(node, {
      persist: async () => {
        throw new Error('api server unreachable');
      },
      send: (m) => sent.push(...m),
      apply: () => {
        applied++;
      },
    }),
    /api server unreachable/,
  );
  t.same(sent, [], 'the vote request never left');
  t.equal(applied, 0);
  t.throws(() => node.ready(), UsageError, 'the Ready was not advanced: the node must be dropped');
});

t.test('a persisted stage that says stop (crash between persist and send) sends nothing', async (t) => {
  const { node, storage } = await fresh();
  for (let i = 0; i < 10; i++) node.tick();
  node.campaign();
  const sent: Message[] = [];
  const out = await drainReady(node, {
    persist: (rd) => storage.persist(rd),
    persisted: () => false,
    send: (m) => sent.push(...m),
    apply: () => {},
  });
  t.equal(out, 'stopped');
  t.same(sent, []);
  t.equal((await storage.initialState()).hardState.term, 1, 'but the state was durable');
});

t.test('ReadyLoop: output produced during a slow persist is drained by the running drain', async (t) => {
  const { node, storage } = await fresh();
  for (let i = 0; i < 10; i++) node.tick();
  let release: (() => void) | undefined;
  let persists = 0;
  const sent: Message[] = [];
  const loop = new ReadyLoop(
    node,
    {
      persist: async (rd) => {
        persists++;
        if (persists === 1) await new Promise<void>((r) => (release = r));
        await storage.persist(rd);
      },
      send: (m) => sent.push(...m),
      apply: () => {},
    },
    (err) => t.fail(`unexpected fatal error ${err.message}`),
  );
  node.campaign();
  loop.kick();
  await eventually(() => release !== undefined, 'the first persist to start');
  // While term 1 is being persisted, a vote arrives from b: granted (b's log is as good), and its
  // answer goes into the NEXT Ready.
  node.step({ type: 'voteResp', from: 'b', to: 'a', term: 1, reject: false });
  loop.kick(); // a drain is running: this must not start a second one
  release!();
  await loop.idle();
  t.equal(node.status().role, 'leader', 'the vote was counted');
  t.ok(persists >= 2, 'the leader Ready was persisted by the same drain');
  t.ok(
    sent.some((m) => m.type === 'heartbeat' || m.type === 'app'),
    'and its messages sent after the first Ready',
  );
});

t.test('ReadyLoop: a failed persist kills the loop once; later kicks do nothing', async (t) => {
  const { node } = await fresh();
  for (let i = 0; i < 10; i++) node.tick();
  const fatal: Error[] = [];
  let persists = 0;
  const loop = new ReadyLoop(
    node,
    {
      persist: async () => {
        persists++;
        throw new Error('409 from another writer');
      },
      send: () => t.fail('nothing may be sent'),
      apply: () => {},
    },
    (err) => fatal.push(err),
  );
  node.campaign();
  loop.kick();
  await loop.idle();
  loop.kick();
  await loop.idle();
  t.equal(fatal.length, 1);
  t.match(loop.failed?.message, /409 from another writer/);
  t.equal(persists, 1, 'no second attempt on a dead loop');
});
