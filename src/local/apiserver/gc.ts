// The controllers a real cluster runs in kube-controller-manager that clients of ours observe: the
// garbage collector (ownerReferences; Background, Foreground and Orphan propagation; dangling owners)
// and the namespace controller (a Terminating namespace is emptied, then removed).
import { ApiError } from './status-errors.ts';
import type { KindInfo } from './kinds.ts';
import { groupResource } from './store.ts';
import { meta, type Obj } from './meta.ts';
import type { StoreEvent } from './store.ts';
import type { ServerContext } from './context.ts';
import { deleteObject, finalizeIfDone, FOREGROUND, ORPHAN } from './deletion.ts';
import { KeyedQueue } from './keyed-queue.ts';

interface Ref {
  gr: string;
  ns: string;
  name: string;
}
const keyOf = (r: Ref) => `${r.gr}\u0000${r.ns}\u0000${r.name}`;

function ownerUids(o: Readonly<Obj> | undefined): string[] {
  const refs = (o?.['metadata']?.['ownerReferences'] ?? []) as Obj[];
  return refs.map((r) => String(r['uid']));
}

/**
 * The garbage collector and namespace controller: deletes dependents of deleted owners by their propagation policy, and
 * empties then removes Terminating namespaces.
 */
export class GarbageCollector {
  /** owner uid -> dependents */
  private readonly dependents = new Map<string, Map<string, Ref>>();
  /** uid -> object location */
  private readonly byUid = new Map<string, Ref>();
  private readonly queue: KeyedQueue;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly ctx: ServerContext,
    onError: (key: string, err: unknown) => void,
  ) {
    this.queue = new KeyedQueue(onError);
    for (const { gr, object } of ctx.store.all()) this.index(gr, object, undefined);
    this.unsubscribe = ctx.store.subscribe((e) => this.onEvent(e));
    // Objects that were mid-deletion when a file-backed server stopped.
    for (const { gr, object } of ctx.store.all()) this.react(gr, object);
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  stop(): void {
    this.unsubscribe();
    this.queue.stop();
  }

  private kindOf(gr: string): KindInfo | undefined {
    return this.ctx.kinds.storageKinds().find((k) => groupResource(k) === gr);
  }

  private index(gr: string, o: Readonly<Obj>, prev: Readonly<Obj> | undefined): void {
    const m = o['metadata'];
    const ref: Ref = { gr, ns: String(m['namespace'] ?? ''), name: String(m['name']) };
    for (const u of ownerUids(prev)) this.dependents.get(u)?.delete(keyOf(ref));
    for (const u of ownerUids(o)) {
      if (!this.dependents.has(u)) this.dependents.set(u, new Map());
      this.dependents.get(u)!.set(keyOf(ref), ref);
    }
    this.byUid.set(String(m['uid']), ref);
  }

  private onEvent(e: StoreEvent): void {
    const m = e.object['metadata'];
    const uid = String(m['uid']);
    if (e.type === 'DELETED') {
      const ref: Ref = { gr: e.gr, ns: e.namespace, name: String(m['name']) };
      for (const u of ownerUids(e.object)) {
        this.dependents.get(u)?.delete(keyOf(ref));
        this.queue.add(`owner/${u}`, () => this.processOwner(u));
      }
      this.byUid.delete(uid);
      if (this.dependents.get(uid)?.size) this.queue.add(`orphans/${uid}`, () => this.collectDependentsOf(uid));
      if (e.namespace) this.queue.add(`ns/${e.namespace}`, () => this.processNamespace(e.namespace));
      return;
    }
    this.index(e.gr, e.object, e.prev);
    this.react(e.gr, e.object);
    if (e.type === 'ADDED' && ownerUids(e.object).length)
      this.queue.add(`dangling/${uid}`, () => this.checkDangling(e.gr, e.object));
  }

  private react(gr: string, o: Readonly<Obj>): void {
    const m = o['metadata'];
    if (!m['deletionTimestamp']) return;
    const uid = String(m['uid']);
    const fins = (m['finalizers'] ?? []) as string[];
    if (fins.includes(FOREGROUND) || fins.includes(ORPHAN))
      this.queue.add(`owner/${uid}`, () => this.processOwner(uid));
    if (gr === 'namespaces') this.queue.add(`ns/${m['name']}`, () => this.processNamespace(String(m['name'])));
  }

  private async remove(ref: Ref, policy: 'Background' | 'Foreground'): Promise<void> {
    const k = this.kindOf(ref.gr);
    if (!k) return;
    try {
      await deleteObject(this.ctx, k, ref.ns, ref.name, { propagationPolicy: policy, dryRun: false });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }

  private async dropOwnerRef(ref: Ref, ownerUid: string): Promise<void> {
    const k = this.kindOf(ref.gr);
    const o = this.ctx.store.get(ref.gr, ref.ns, ref.name);
    if (!k || !o) return;
    const m = meta(o);
    m['ownerReferences'] = ((m['ownerReferences'] ?? []) as Obj[]).filter((r) => r['uid'] !== ownerUid);
    if ((m['ownerReferences'] as Obj[]).length === 0) delete m['ownerReferences'];
    this.ctx.store.update(k, ref.ns, o, String(m['resourceVersion']));
  }

  /** An owner is gone: dependents with no other live owner are deleted, others lose the reference. */
  private async collectDependentsOf(uid: string): Promise<void> {
    for (const ref of [...(this.dependents.get(uid)?.values() ?? [])]) {
      const o = this.ctx.store.get(ref.gr, ref.ns, ref.name);
      if (!o) continue;
      const others = ownerUids(o).filter((u) => u !== uid && this.byUid.has(u));
      if (others.length > 0) await this.dropOwnerRef(ref, uid);
      else await this.remove(ref, 'Background');
    }
    if (this.dependents.get(uid)?.size === 0) this.dependents.delete(uid);
  }

  /** An owner being deleted with Foreground or Orphan propagation. */
  private async processOwner(uid: string): Promise<void> {
    const ref = this.byUid.get(uid);
    if (!ref) return;
    const k = this.kindOf(ref.gr);
    const owner = this.ctx.store.get(ref.gr, ref.ns, ref.name);
    if (!k || !owner || !owner['metadata']['deletionTimestamp']) return;
    const fins = (owner['metadata']['finalizers'] ?? []) as string[];
    const deps = [...(this.dependents.get(uid)?.values() ?? [])];
    if (fins.includes(ORPHAN)) {
      for (const d of deps) await this.dropOwnerRef(d, uid);
      this.removeFinalizer(k, ref, ORPHAN);
      return;
    }
    if (!fins.includes(FOREGROUND)) return;
    for (const d of deps) {
      const o = this.ctx.store.get(d.gr, d.ns, d.name);
      if (o && !o['metadata']['deletionTimestamp']) await this.remove(d, 'Foreground');
    }
    const left = [...(this.dependents.get(uid)?.values() ?? [])].filter((d) => this.ctx.store.get(d.gr, d.ns, d.name));
    if (left.length === 0) this.removeFinalizer(k, ref, FOREGROUND);
  }

  private removeFinalizer(k: KindInfo, ref: Ref, finalizer: string): void {
    const o = this.ctx.store.get(ref.gr, ref.ns, ref.name);
    if (!o) return;
    const m = meta(o);
    m['finalizers'] = ((m['finalizers'] ?? []) as string[]).filter((f) => f !== finalizer);
    if ((m['finalizers'] as string[]).length === 0) delete m['finalizers'];
    const updated = this.ctx.store.update(k, ref.ns, o, String(m['resourceVersion']));
    finalizeIfDone(this.ctx, k, updated);
  }

  /** A dependent created with owners that do not exist (by uid) is collected, as the real GC does. */
  private async checkDangling(gr: string, o: Readonly<Obj>): Promise<void> {
    const m = o['metadata'];
    const refs = (m['ownerReferences'] ?? []) as Obj[];
    const live = refs.some((r) => {
      const at = this.byUid.get(String(r['uid']));
      return at !== undefined && at.name === r['name'];
    });
    if (!live) await this.remove({ gr, ns: String(m['namespace'] ?? ''), name: String(m['name']) }, 'Background');
  }

  /** Empties a Terminating namespace, then clears its `kubernetes` finalizer so it goes away. */
  private async processNamespace(name: string): Promise<void> {
    const ns = this.ctx.store.get('namespaces', '', name);
    if (!ns || !ns['metadata']['deletionTimestamp']) return;
    const grs = this.ctx.store.resourcesIn(name);
    for (const gr of grs) {
      for (const o of this.ctx.store.list(gr, name)) {
        if (!o['metadata']['deletionTimestamp'])
          await this.remove({ gr, ns: name, name: String(o['metadata']['name']) }, 'Background');
      }
    }
    if (this.ctx.store.resourcesIn(name).length > 0) return;
    const k = this.kindOf('namespaces')!;
    const fresh = this.ctx.store.get('namespaces', '', name);
    if (!fresh) return;
    fresh['spec'] = { ...(fresh['spec'] ?? {}), finalizers: [] };
    const updated = this.ctx.store.update(k, '', fresh, String(fresh['metadata']['resourceVersion']));
    finalizeIfDone(this.ctx, k, updated);
  }
}
