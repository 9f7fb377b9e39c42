// The Endpoints controller: for every Service with a selector, the pods it selects become the
// Service's Endpoints (and one EndpointSlice `<service>-local` with the same content), ready ones under
// `addresses` and the rest under `notReadyAddresses` (all under `addresses` with
// publishNotReadyAddresses), each service port resolved to the pod's target port (a number, or a
// container port name). Rewritten when pods come, go, change readiness or move labels,
// which is how a role label moving from one pod to another re-routes a Service.
import type { Obj } from './client.ts';
import { isConflict, isNotFound, restPath } from './client.ts';
import type { ObjectCache } from './cache.ts';
import { KeyedQueue } from './queue.ts';
import { podReady } from './pod-template.ts';
import type { WorkloadDeps } from './statefulset.ts';

function selects(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function targetPort(svcPort: Obj, pod: Obj): number | undefined {
  const t = svcPort['targetPort'] ?? svcPort['port'];
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(String(t))) return Number(t);
  for (const c of (pod['spec']['containers'] ?? []) as Obj[])
    for (const p of (c['ports'] ?? []) as Obj[]) if (p['name'] === t) return Number(p['containerPort']);
  return undefined;
}

/** The subsets of a Service's Endpoints for the given pods. */
export function endpointSubsets(svc: Obj, pods: Obj[]): Obj[] {
  const selector = (svc['spec']['selector'] ?? {}) as Record<string, string>;
  const publishAll = Boolean(svc['spec']['publishNotReadyAddresses']);
  const groups = new Map<string, { ports: Obj[]; addresses: Obj[]; notReadyAddresses: Obj[] }>();
  const sorted = pods
    .filter(
      (p) =>
        selects(selector, p['metadata']['labels']) && p['status']?.['podIP'] && !p['metadata']['deletionTimestamp'],
    )
    .sort((a, b) => String(a['status']['podIP']).localeCompare(String(b['status']['podIP'])));
  for (const pod of sorted) {
    const ports = ((svc['spec']['ports'] ?? []) as Obj[]).map((sp) => ({
      ...(sp['name'] ? { name: sp['name'] } : {}),
      port: targetPort(sp, pod),
      protocol: sp['protocol'] ?? 'TCP',
    }));
    if (ports.some((p) => p.port === undefined)) continue;
    const k = JSON.stringify(ports);
    if (!groups.has(k)) groups.set(k, { ports, addresses: [], notReadyAddresses: [] });
    const m = pod['metadata'];
    const address = {
      ip: pod['status']['podIP'],
      nodeName: pod['spec']['nodeName'],
      targetRef: { kind: 'Pod', namespace: m['namespace'], name: m['name'], uid: m['uid'] },
    };
    const g = groups.get(k)!;
    (publishAll || podReady(pod) ? g.addresses : g.notReadyAddresses).push(address);
  }
  return [...groups.values()].map((g) => ({
    ...(g.addresses.length ? { addresses: g.addresses } : {}),
    ...(g.notReadyAddresses.length ? { notReadyAddresses: g.notReadyAddresses } : {}),
    ports: g.ports,
  }));
}

/** The EndpointSlice form of the same subsets (one slice per Service, IPv4), as the slice controller writes it. */
export function endpointSlice(svc: Obj, subsets: Obj[]): Obj {
  const m = svc['metadata'];
  const endpoints: Obj[] = [];
  for (const s of subsets)
    for (const [list, ready] of [
      [s['addresses'] ?? [], true],
      [s['notReadyAddresses'] ?? [], false],
    ] as [Obj[], boolean][])
      for (const a of list)
        endpoints.push({
          addresses: [a['ip']],
          conditions: { ready, serving: ready, terminating: false },
          nodeName: a['nodeName'],
          targetRef: a['targetRef'],
        });
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${m['name']}-local`,
      namespace: m['namespace'],
      labels: {
        'kubernetes.io/service-name': m['name'],
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      },
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'Service',
          name: m['name'],
          uid: m['uid'],
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    addressType: 'IPv4',
    endpoints,
    ports: subsets[0]?.['ports'] ?? [],
  };
}

async function writeSlice(d: WorkloadDeps, svc: Obj, subsets: Obj[]): Promise<void> {
  const want = endpointSlice(svc, subsets);
  const ns = svc['metadata']['namespace'];
  const path = restPath('discovery.k8s.io/v1', 'endpointslices', { namespace: ns, name: want['metadata']['name'] });
  try {
    const cur = await d.client.get(path);
    if (
      JSON.stringify([cur['endpoints'] ?? [], cur['ports'] ?? []]) ===
      JSON.stringify([want['endpoints'], want['ports']])
    )
      return;
    await d.client.update(path, {
      ...want,
      metadata: { ...want['metadata'], resourceVersion: cur['metadata']['resourceVersion'] },
    });
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await d.client.create(restPath('discovery.k8s.io/v1', 'endpointslices', { namespace: ns }), want);
  }
}

async function writeEndpoints(endpoints: ObjectCache, d: WorkloadDeps, svc: Obj, subsets: Obj[]): Promise<void> {
  const m = svc['metadata'];
  const key = `${m['namespace']}/${m['name']}`;
  const path = restPath('v1', 'endpoints', { namespace: m['namespace'], name: m['name'] });
  const body = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: m['name'], namespace: m['namespace'], labels: { ...(m['labels'] ?? {}) } },
    subsets,
  };
  let existing = endpoints.get(key);
  if (!existing) {
    await d.client.create(restPath('v1', 'endpoints', { namespace: m['namespace'] }), body).catch((e: unknown) => {
      if (!(e instanceof Error && /already exists/.test(e.message))) throw e;
    });
    return;
  }
  for (let attempt = 0; ; attempt++) {
    if (JSON.stringify(existing['subsets'] ?? []) === JSON.stringify(subsets)) return;
    try {
      await d.client.update(path, { ...body, metadata: { ...existing['metadata'], labels: body.metadata.labels } });
      return;
    } catch (e) {
      if (isNotFound(e)) return;
      // Our cache has not seen our own last write yet (a label that moves twice in a row): read the
      // current version and write again now, rather than after the queue's back-off.
      if (!isConflict(e) || attempt > 0) throw e;
      existing = await d.client.get(path);
    }
  }
}

async function reconcile(services: ObjectCache, endpoints: ObjectCache, d: WorkloadDeps, key: string): Promise<void> {
  const svc = services.get(key);
  if (!svc || !svc['spec']?.['selector'] || svc['metadata']['deletionTimestamp']) return;
  const subsets = endpointSubsets(svc, d.pods.list(svc['metadata']['namespace']));
  // Endpoints first: the service proxy routes by them, the slice is for readers.
  await writeEndpoints(endpoints, d, svc, subsets);
  await writeSlice(d, svc, subsets);
}

/** What of a pod its Services' endpoints depend on: a change elsewhere (an annotation, a container's
 * restart count) rewrites nothing and need not queue a reconcile behind which a label move waits. */
function endpointFacts(p: Obj): string {
  const m = p['metadata'];
  return JSON.stringify([
    m['labels'] ?? {},
    Boolean(m['deletionTimestamp']),
    p['status']?.['podIP'] ?? '',
    podReady(p),
    p['spec']?.['nodeName'] ?? '',
  ]);
}

/** Keeps Endpoints in step with Services and pods. */
export function startEndpointsController(services: ObjectCache, endpoints: ObjectCache, d: WorkloadDeps): KeyedQueue {
  const q = new KeyedQueue(
    async (k) => {
      await reconcile(services, endpoints, d, k);
    },
    (_k, e) => d.onError(e),
  );
  const key = (o: Obj) => `${o['metadata']['namespace']}/${o['metadata']['name']}`;
  services.on((_e, s) => q.add(key(s)));
  endpoints.on((e, ep) => e !== 'add' && q.add(key(ep)));
  d.pods.on((e, p, old) => {
    if (e === 'update' && old && endpointFacts(p) === endpointFacts(old)) return;
    for (const s of services.list(p['metadata']['namespace'])) {
      const sel = (s['spec']?.['selector'] ?? {}) as Record<string, string>;
      if (!s['spec']?.['selector']) continue;
      if (selects(sel, p['metadata']['labels']) || (old && selects(sel, old['metadata']['labels']))) q.add(key(s));
    }
  });
  return q;
}
