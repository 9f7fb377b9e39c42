// Services as TCP proxies, as kube-proxy makes them work: for every Service whose clusterIP is a
// loopback address, a listener on clusterIP:port forwards each new connection to one ready endpoint
// (round robin) from the Service's current Endpoints; when the endpoints change (a role label moved),
// new connections go to the new pods. Established connections are left alone, as with iptables.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Obj } from './client.ts';
import type { ObjectCache } from './cache.ts';

interface Listener {
  server: Server;
  sockets: Set<Socket>;
}

/** Runs the proxies; returns stop(). */
export function startServiceProxy(o: { services: ObjectCache; endpoints: ObjectCache; onError(e: unknown): void }): {
  stop(): Promise<void>;
} {
  const listeners = new Map<string, Listener>();
  const rr = new Map<string, number>();

  const pick = (svcKey: string, portName: string | undefined): { ip: string; port: number } | undefined => {
    const ep = o.endpoints.get(svcKey);
    const choices: { ip: string; port: number }[] = [];
    for (const s of (ep?.['subsets'] ?? []) as Obj[]) {
      const p =
        ((s['ports'] ?? []) as Obj[]).find((x) => (x['name'] ?? undefined) === portName) ?? (s['ports'] ?? [])[0];
      if (!p) continue;
      for (const a of (s['addresses'] ?? []) as Obj[]) choices.push({ ip: a['ip'], port: Number(p['port']) });
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
