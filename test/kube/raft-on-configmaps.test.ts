// Issue 6: a 3-node Raft cluster from the core, persisted in ConfigMaps on the embedded API server,
// elects, replicates, compacts, restarts from the ConfigMaps and keeps every committed entry.
import t from 'tap';
import { RawNode } from '../../src/raft/rawnode.ts';
import { drainReady } from '../../src/agent/loop.ts';
import type { Message } from '../../src/raft/messages.ts';
import type { Entry, Snapshot } from '../../src/raft/types.ts';
import { ConfigMapStorage, raftConfigMapName } from '../../src/kube/configmap-storage.ts';
import { RAFT_CLUSTER_LABEL } from '../../src/kube/configmap-storage.ts';
import { startKube, eventually, type KubeFixture } from '../support/kube.ts';
import { kubectlRunner, kubectlVersion } from '../support/apiserver/kubectl.ts';
import { Rng } from '../support/rng.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ids = ['db-0', 'db-1', 'db-2'];
const COMPACT_AT_BYTES = 48 * 1024;

/** The replicated state machine: a count and a sum, so a snapshot stays tiny however long the log. */
interface App {
  count: number;
  sum: number;
}

interface Host {
  id: string;
  rn: RawNode;
  storage: ConfigMapStorage;
  app: App;
  maxBytes: number;
}

async function startHost(k: KubeFixture, id: string, seed: number): Promise<Host> {
  const ordinal = ids.indexOf(id);
  const rng = new Rng(seed + ordinal);
  const storage = await ConfigMapStorage.open(k.kc, {
    namespace: 'default',
    cluster: 'db',
    ordinal,
    bootstrap: { voters: ids, learners: [] },
  });
  const snap = await storage.snapshot();
  const app: App =
    snap.data && typeof snap.data === 'object' ? { ...(snap.data as unknown as App) } : { count: 0, sum: 0 };
  const rn = await RawNode.start(storage, {
    id,
    electionTick: 10,
    heartbeatTick: 2,
    maxBatchEntries: 100,
    maxInflight: 16,
    preVote: true,
    checkQuorum: true,
    tickMs: 10,
    leaseDriftMs: 5,
    now: () => Date.now(),
    random: () => rng.next(),
  });
  return { id, rn, storage, app, maxBytes: 0 };
}

function applyEntry(app: App, e: Entry): void {
  if (e.type === 'normal' && typeof e.data === 'number') {
    app.count++;
    app.sum += e.data;
  }
}

/** The agent's own Ready loop (src/agent/loop.ts): persist (one ConfigMap write), send, apply, advance. */
async function pump(h: Host, inbox: Map<string, Message[]>): Promise<void> {
  await drainReady(h.rn, {
    persist: async (rd) => {
      await h.storage.persist(rd);
      h.maxBytes = Math.max(h.maxBytes, h.storage.sizeBytes);
    },
    send: (messages) => {
      for (const m of messages) inbox.get(m.to)?.push(m);
    },
    apply: (rd) => {
      if (rd.snapshot) Object.assign(h.app, rd.snapshot.data as unknown as App);
      for (const e of rd.committedEntries) applyEntry(h.app, e);
    },
    advanced: () => {
      const st = h.rn.status();
      if (h.storage.sizeBytes > COMPACT_AT_BYTES && st.applied > st.firstIndex) h.rn.compact(st.applied, { ...h.app });
    },
  });
}

async function drive(hosts: Host[], until: () => boolean, what: string): Promise<void> {
  const inbox = new Map(hosts.map((h) => [h.id, [] as Message[]]));
  await eventually(
    async () => {
      for (const h of hosts) h.rn.tick();
      for (let round = 0; round < 4; round++) {
        for (const h of hosts) {
          for (const m of inbox.get(h.id)!.splice(0)) h.rn.step(m);
        }
        await Promise.all(hosts.map((h) => pump(h, inbox)));
      }
      return until();
    },
    what,
    60_000,
  );
}

t.test(
  'elects, replicates, compacts under the size bound and restarts from ConfigMaps keeping every committed entry',
  async (t) => {
    const seed = Number(process.env['SEED'] ?? 7);
    t.comment(`seed=${seed}`);
    const k = await startKube();
    t.teardown(() => k.close());
    let hosts = await Promise.all(ids.map((id) => startHost(k, id, seed)));
    const leader = () => hosts.find((h) => h.rn.status().role === 'leader');
    await drive(hosts, () => !!leader(), 'a leader');
    t.equal(hosts.filter((h) => h.rn.status().role === 'leader').length, 1, 'exactly one leader');

    const N = 1500;
    let proposed = 0;
    await drive(
      hosts,
      () => {
        const l = leader();
        while (l && proposed < N && l.rn.propose(proposed + 1).ok) {
          proposed++;
          if (proposed % 50 === 0) break;
        }
        return hosts.every((h) => h.app.count === N);
      },
      'all entries applied everywhere',
    );
    const sum = (N * (N + 1)) / 2;
    for (const h of hosts) t.same(h.app, { count: N, sum }, `${h.id} applied every entry once`);
    for (const h of hosts)
      t.ok(h.maxBytes < 512 * 1024, `${h.id} ConfigMap stayed under 512 KiB (max ${h.maxBytes} bytes)`);
    t.ok(
      hosts.some((h) => h.rn.status().firstIndex > 1),
      'the log was compacted',
    );

    const listed = await k.core.listNamespacedConfigMap({
      namespace: 'default',
      labelSelector: `${RAFT_CLUSTER_LABEL}=db`,
    });
    t.same(
      listed.items.map((c) => c.metadata?.name).sort(),
      ids.map((_, i) => raftConfigMapName('db', i)),
    );

    // Crash everything: nothing survives but the ConfigMaps.
    const committed = Math.min(...hosts.map((h) => h.rn.status().commit));
    hosts = await Promise.all(ids.map((id) => startHost(k, id, seed + 100)));
    for (const h of hosts) {
      const hs = (await h.storage.initialState()).hardState;
      t.ok(hs.commit >= committed, `${h.id} restarted with commit ${hs.commit} >= ${committed}`);
    }
    await drive(
      hosts,
      () => !!leader() && hosts.every((h) => h.app.count === N),
      'a new leader and a replayed state machine',
    );
    for (const h of hosts) t.same(h.app, { count: N, sum }, `${h.id} rebuilt the same state from snapshot + log`);
    const l = leader()!;
    t.ok(l.rn.propose(N + 1).ok, 'the restarted cluster accepts writes');
    await drive(hosts, () => hosts.every((h) => h.app.count === N + 1), 'the new entry applied');
    t.pass('committed after restart');
    const snap: Snapshot = await hosts[0]!.storage.snapshot();
    t.ok(snap.index > 0, 'snapshot index recorded in the ConfigMap');

    // What README shows a user: kubectl reading the Raft state.
    if (kubectlVersion()) {
      const dir = mkdtempSync(join(tmpdir(), 'mro-raft-kubectl-'));
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      writeFileSync(join(dir, 'kubeconfig'), k.direct.exportConfig());
      const kubectl = kubectlRunner(join(dir, 'kubeconfig'));
      const list = await kubectl.run(['get', 'configmap', '-l', `${RAFT_CLUSTER_LABEL}=db`]);
      t.comment(list.stdout);
      t.match(list.stdout, /^NAME\s+DATA\s+AGE\ndb-raft-0\s+4\s+\S+\ndb-raft-1\s+4\s+\S+\ndb-raft-2\s+4\s+\S+\n$/);
      const yaml = await kubectl.run(['get', 'configmap', 'db-raft-0', '-o', 'jsonpath={.data.hardstate\\.json}']);
      const hs = JSON.parse(yaml.stdout) as { term: number; vote: string; commit: number };
      t.ok(hs.term >= 1 && hs.commit >= N + 1, `hardstate.json reads as JSON: ${yaml.stdout}`);
      const log = await kubectl.run(['get', 'configmap', 'db-raft-0', '-o', 'jsonpath={.data.log\\.jsonl}']);
      const first = JSON.parse(log.stdout.split('\n')[0]!) as Entry;
      t.equal(first.index, snap.index + 1, 'log.jsonl starts right after the snapshot, one entry a line');
    } else {
      t.fail('kubectl not on PATH: run hack/install-kubectl.sh (npm test does)');
    }
  },
);
