// Services as TCP proxies, as kube-proxy makes them work: for every Service whose clusterIP is a
// loopback address, a listener on clusterIP:port forwards each new connection to one ready endpoint
// (round robin) from the Service's current Endpoints (read from the watch cache at each connection, so
// a change applies to the next connection); when the endpoints change (a role label moved), new
// connections go to the new pods. Established connections are left alone, as with iptables.
// An address whose pod, as this node's pod cache sees it now, no longer matches the Service's selector,
// is terminating or not ready, is skipped even before the Endpoints say so: the cache hears of a moved
// role label before the Endpoints controller has rewritten the Endpoints, and a pod that stopped being
// the primary must not get the next connection meanwhile.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Obj } from './client.ts';
import type { ObjectCache } from './cache.ts';
import { podReady } from './pod-template.ts';

interface Listener {
  server: Server;
  sockets: Set<Socket>;
}

/** Whether an Endpoints address may get a new connection of `svc`, given the pod cache. Addresses
 * that name no pod (hand-written Endpoints) are kept; one whose pod is gone (or was replaced by a pod of
 * the same name) is not. */
export function stillServes(svc: Obj | undefined, address: Obj, pods: ObjectCache | undefined): boolean {
  const ref = address['targetRef'];
  if (!svc || !pods || ref?.['kind'] !== 'Pod') return true;
  const pod = pods.get(`${ref['namespace']}/${ref['name']}`);
  if (!pod || (ref['uid'] && pod['metadata']['uid'] !== ref['uid'])) return false;
  if (pod['metadata']['deletionTimestamp']) return false;
  const selector = (svc['spec']?.['selector'] ?? {}) as Record<string, string>;
  if (Object.entries(selector).some(([k, v]) => pod['metadata']['labels']?.[k] !== v)) return false;
  return Boolean(svc['spec']?.['publishNotReadyAddresses']) || podReady(pod);
}

/** Runs the proxies; returns stop(). */
export function startServiceProxy(o: {
  services: ObjectCache;
  endpoints: ObjectCache;
  /** This node's pod cache: addresses whose pods no longer serve are skipped (stillServes). */
  pods?: ObjectCache;
  onError(e: unknown): void;
}): {
  stop(): Promise<void>;
} {
  const listeners = new Map<string, Listener>();
  const rr = new Map<string, number>();

  const pick = (svcKey: string, portName: string | undefined): { ip: string; port: number } | undefined => {
    const ep = o.endpoints.get(svcKey);
    const svc = o.services.get(svcKey);
    const choices: { ip: string; port: number }[] = [];
    for (const s of (ep?.['subsets'] ?? []) as Obj[]) {
      const p =
        ((s['ports'] ?? []) as Obj[]).find((x) => (x['name'] ?? undefined) === portName) ?? (s['ports'] ?? [])[0];
      if (!p) continue;
      for (const a of (s['addresses'] ?? []) as Obj[])
        if (stillServes(svc, a, o.pods)) choices.push({ ip: a['ip'], port: Number(p['port']) });
    }
    if (!choices.length) return undefined;
    const n = (rr.get(svcKey) ?? 0) + 1;
    rr.set(svcKey, n);
    return choices[n % choices.length];
  };

  const open = (id: string, svcKey: string, ip: string, sp: Obj): void => {
    const sockets = new Set<Socket>();
    const server = createServer((client) => {
      const to = pick(svcKey, sp['name']);
      if (!to) {
        client.resetAndDestroy();
        return;
      }
      const up = connect({ host: to.ip, port: to.port });
      sockets.add(client).add(up);
      const done = () => {
        client.destroy();
        up.destroy();
        sockets.delete(client);
        sockets.delete(up);
      };
      client.pipe(up).pipe(client);
      client.on('error', done).on('close', done);
      up.on('error', done).on('close', done);
    });
    server.on('error', (e) => o.onError(new Error(`service ${svcKey} ${ip}:${sp['port']}: ${e.message}`)));
    server.listen(Number(sp['port']), ip);
    listeners.set(id, { server, sockets });
  };

  const close = (id: string): void => {
    const l = listeners.get(id);
    if (!l) return;
    listeners.delete(id);
    l.server.close();
  };

  const sync = (): void => {
    const want = new Map<string, [string, string, Obj]>();
    for (const s of o.services.list()) {
      const ip = s['spec']?.['clusterIP'];
      if (typeof ip !== 'string' || !ip.startsWith('127.') || s['metadata']['deletionTimestamp']) continue;
      const svcKey = `${s['metadata']['namespace']}/${s['metadata']['name']}`;
      for (const sp of (s['spec']['ports'] ?? []) as Obj[])
        if ((sp['protocol'] ?? 'TCP') === 'TCP')
          want.set(`${svcKey}|${ip}|${sp['port']}|${sp['name'] ?? ''}`, [svcKey, ip, sp]);
    }
    for (const id of [...listeners.keys()]) if (!want.has(id)) close(id);
    for (const [id, [svcKey, ip, sp]] of want) if (!listeners.has(id)) open(id, svcKey, ip, sp);
  };
  o.services.on(() => sync());
  return {
    async stop() {
      for (const [id, l] of [...listeners]) {
        for (const s of l.sockets) s.destroy();
        close(id);
      }
    },
  };
}
