// The peer transport: batched delivery, a slow or dead peer never blocks the others, a refused
// connection is reported at once, and every forged, unsigned, wrong-cluster, misaddressed or
// non-member request is refused before it reaches the core.
import t from 'tap';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { PeerTransport, MESSAGES_PATH, type PeerState } from '../../src/agent/transport.ts';
import { AUTH_HEADER, signRequest } from '../../src/agent/peer-auth.ts';
import type { Message } from '../../src/raft/messages.ts';
import { eventually } from '../support/eventually.ts';

const key = randomBytes(32);
const members = new Set(['db-0', 'db-1', 'db-2']);
const hb = (from: string, to: string, round: number): Message => ({
  type: 'heartbeat',
  from,
  to,
  term: 1,
  commit: 0,
  round,
});

interface Node {
  t: PeerTransport;
  port: number;
  got: { from: string; messages: unknown[] }[];
  states: { peer: string; state: PeerState }[];
}

async function node(
  self: string,
  addrs: Map<string, number>,
  over: { key?: Buffer; cluster?: string } = {},
): Promise<Node> {
  const n: Node = { t: undefined as unknown as PeerTransport, port: 0, got: [], states: [] };
  n.t = new PeerTransport({
    self,
    cluster: over.cluster ?? 'db',
    key: over.key ?? key,
    host: '127.0.0.1',
    port: 0,
    resolve: (p) => (addrs.has(p) ? { host: '127.0.0.1', port: addrs.get(p)! } : undefined),
    isMember: (id) => members.has(id),
    onMessages: (from, messages) => n.got.push({ from, messages }),
    onPeerState: (peer, state) => n.states.push({ peer, state }),
    requestTimeoutMs: 500,
  });
  n.port = await n.t.start();
  addrs.set(self, n.port);
  return n;
}

async function raw(port: number, body: string, header?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: MESSAGES_PATH,
        headers: { 'content-type': 'application/json', ...(header ? { [AUTH_HEADER]: header } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

t.test('messages queued in one turn reach the peer in one authenticated request', async (t) => {
  const addrs = new Map<string, number>();
  const a = await node('db-0', addrs);
  const b = await node('db-1', addrs);
  t.teardown(async () => {
    await a.t.stop();
    await b.t.stop();
  });
  a.t.send(Array.from({ length: 50 }, (_, i) => hb('db-0', 'db-1', i + 1)));
  await eventually(() => b.got.length > 0 && b.got.flatMap((g) => g.messages).length === 50, 'all 50 delivered');
  t.equal(b.got.length, 1, 'one request carried the whole batch');
  t.equal(b.got[0]!.from, 'db-0', 'the sender is the authenticated one');
  t.same(
    (b.got[0]!.messages as Message[]).map((m) => (m as { round: number }).round),
    Array.from({ length: 50 }, (_, i) => i + 1),
    'in order',
  );
});

t.test('a peer that never answers does not hold up the others', async (t) => {
  const addrs = new Map<string, number>();
  // db-1 accepts connections and never answers (a SIGSTOPped agent).
  const silent: Server = createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  addrs.set('db-1', (silent.address() as AddressInfo).port);
  const a = await node('db-0', addrs);
  const c = await node('db-2', addrs);
  t.teardown(async () => {
    silent.closeAllConnections();
    silent.close();
    await a.t.stop();
    await c.t.stop();
  });
  for (let round = 1; round <= 5; round++) {
    a.t.send([hb('db-0', 'db-1', round), hb('db-0', 'db-2', round)]);
    await eventually(
      () => c.got.flatMap((g) => g.messages).some((m) => (m as { round: number }).round === round),
      `round ${round} reaching db-2 while db-1 hangs`,
    );
  }
  await eventually(() => a.states.some((s) => s.peer === 'db-1' && s.state === 'timeout'), 'db-1 timing out');
  t.pass('db-2 got every round while requests to db-1 hung');
});

t.test('a refused connection is reported at once (the fast pre-vote path)', async (t) => {
  const addrs = new Map<string, number>();
  const gone = createServer();
  await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
  const deadPort = (gone.address() as AddressInfo).port;
  await new Promise<void>((r) => gone.close(() => r()));
  addrs.set('db-1', deadPort);
  const a = await node('db-0', addrs);
  t.teardown(() => a.t.stop());
  a.t.send([hb('db-0', 'db-1', 1)]);
  await eventually(() => a.states.find((s) => s.peer === 'db-1'), 'a state for db-1');
  t.equal(a.states[0]!.state, 'refused');
});

t.test('forged, unsigned, wrong-cluster, misaddressed and non-member requests never reach the core', async (t) => {
  const addrs = new Map<string, number>();
  const b = await node('db-1', addrs);
  t.teardown(() => b.t.stop());
  const body = (from: string, to = 'db-1') => JSON.stringify({ messages: [hb(from, to, 1)] });
  const sign = (f: { cluster?: string; from?: string; to?: string; at?: number; k?: Buffer }, text: string) =>
    signRequest(
      f.k ?? key,
      { cluster: f.cluster ?? 'db', from: f.from ?? 'db-0', to: f.to ?? 'db-1', at: f.at ?? Date.now() },
      Buffer.from(text),
    );
  const cases: [string, string, string | undefined, number, RegExp][] = [
    ['no credential', body('db-0'), undefined, 401, /missing x-mysql-raft-auth/],
    ['garbage credential', body('db-0'), 'hello', 401, /version/],
    ['signed with another key', body('db-0'), sign({ k: randomBytes(32) }, body('db-0')), 401, /bad MAC/],
    ['signed for another cluster', body('db-0'), sign({ cluster: 'other' }, body('db-0')), 401, /cluster other/],
    ['addressed to another node', body('db-0'), sign({ to: 'db-2' }, body('db-0')), 401, /addressed to db-2/],
    ['body altered after signing', body('db-2'), sign({}, body('db-0')), 401, /bad MAC/],
    ['a stale credential', body('db-0'), sign({ at: Date.now() - 120_000 }, body('db-0')), 401, /more than/],
    ['a signer outside the cluster', body('db-9'), sign({ from: 'db-9' }, body('db-9')), 401, /not a member/],
    ['a message claiming another sender', body('db-2'), sign({}, body('db-2')), 403, /claims db-2 -> db-1/],
    ['a message for another receiver', body('db-0', 'db-2'), sign({}, body('db-0', 'db-2')), 403, /claims/],
  ];
  for (const [name, text, header, status, why] of cases) {
    const r = await raw(b.port, text, header);
    t.equal(r.status, status, `${name}: HTTP ${status}`);
    t.match(r.text, why, `${name}: says why`);
  }
  t.same(b.got, [], 'nothing reached the core');
  t.equal(b.t.stats.rejected, cases.length);
  const ok = await raw(b.port, body('db-0'), sign({}, body('db-0')));
  t.equal(ok.status, 204, 'the genuine request is accepted');
  t.equal(b.got.length, 1);
});

t.test('probe: ok while the peer listens (even when it does not answer), refused once it is gone', async (t) => {
  const addrs = new Map<string, number>();
  const a = await node('db-0', addrs);
  const b = await node('db-1', addrs);
  t.teardown(() => a.t.stop());
  t.equal(await a.t.probe('db-1'), 'ok', 'a listening peer');
  // A peer that accepts connections but never answers (a stopped or overloaded agent): still ok.
  const silent: Server = createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  addrs.set('db-2', (silent.address() as AddressInfo).port);
  t.equal(await a.t.probe('db-2'), 'ok', 'a silent peer whose socket lives');
  silent.close();
  await b.t.stop();
  t.equal(await a.t.probe('db-1'), 'refused', 'nothing listens: the agent is gone');
  t.ok(
    a.states.some((s) => s.peer === 'db-1' && s.state === 'refused'),
    'reported through onPeerState',
  );
  t.equal(await a.t.probe('db-9'), 'error', 'no address known');
});
