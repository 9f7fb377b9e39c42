// Brings CustomResourceDefinitions to life: registers their kinds and sets NamesAccepted/Established
// (clients wait for Established before using a kind), and on deletion removes every custom resource
// of the kind before the CRD itself goes, as the apiextensions finalizer does.
import type { KindInfo } from './kinds.ts';
import { meta, nowTime, type Obj } from './meta.ts';
import { groupResource, type StoreEvent } from './store.ts';
import type { ServerContext } from './context.ts';
import { finalizeIfDone } from './deletion.ts';
import { kindsFromCrd } from './crd-definition.ts';
import { KeyedQueue } from './keyed-queue.ts';

const CRD_GR = 'customresourcedefinitions.apiextensions.k8s.io';
/** The finalizer that holds a deleted CRD until every custom resource of its kind is gone. */
export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

/**
 * Serves the kinds of Established CRDs, sets their conditions, and removes a deleted CRD's resources before the CRD.
 */
export class CrdController {
  private readonly queue: KeyedQueue;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly ctx: ServerContext,
    onError: (key: string, err: unknown) => void,
  ) {
    this.queue = new KeyedQueue(onError);
    // Restored from a data file: serve what was established before the restart, synchronously.
    for (const o of ctx.store.list(CRD_GR)) this.register(o);
    this.unsubscribe = ctx.store.subscribe((e) => this.onEvent(e));
    for (const o of ctx.store.list(CRD_GR))
      this.queue.add(o['metadata']['name'], () => this.sync(o['metadata']['name']));
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }
  stop(): void {
    this.unsubscribe();
    this.queue.stop();
  }

  private crdKind(): KindInfo {
    return this.ctx.kinds.get('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
  }

  private onEvent(e: StoreEvent): void {
    if (e.gr !== CRD_GR) return;
    const name = String(e.object['metadata']['name']);
    if (e.type === 'DELETED') {
      const spec = e.object['spec'];
      this.ctx.kinds.removeResource(String(spec['group']), String(spec['names']['plural']));
      return;
    }
    this.queue.add(name, () => this.sync(name));
  }

  private register(o: Obj): void {
    const spec = o['spec'];
    this.ctx.kinds.removeResource(String(spec['group']), String(spec['names']['plural']));
    for (const k of kindsFromCrd(o)) this.ctx.kinds.add(k);
  }

  private async sync(name: string): Promise<void> {
    const o = this.ctx.store.get(CRD_GR, '', name);
    if (!o) return;
    const m = meta(o);
    if (m['deletionTimestamp']) {
      await this.cleanup(o);
      return;
    }
    this.register(o);
    const fins = (m['finalizers'] ?? []) as string[];
    const status = (o['status'] ?? {}) as Obj;
    const now = nowTime(this.ctx.clock);
    const storage = String((o['spec']['versions'] as Obj[]).find((v) => v['storage'])?.['name']);
    const cond = (type: string, reason: string, message: string) => {
      const prev = ((status['conditions'] ?? []) as Obj[]).find((c) => c['type'] === type);
      return {
        type,
        status: 'True',
        lastTransitionTime: prev?.['status'] === 'True' ? prev['lastTransitionTime'] : now,
        reason,
        message,
      };
    };
    const next: Obj = {
      conditions: [
        cond('NamesAccepted', 'NoConflicts', 'no conflicts found'),
        cond('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
      ],
      acceptedNames: o['spec']['names'],
      storedVersions: [...new Set([...((status['storedVersions'] ?? []) as string[]), storage])],
    };
    const finalizers = fins.includes(CLEANUP_FINALIZER) ? fins : [...fins, CLEANUP_FINALIZER];
    if (JSON.stringify(next) === JSON.stringify(status) && finalizers.length === fins.length) return;
    o['status'] = next;
    m['finalizers'] = finalizers;
    this.ctx.store.update(this.crdKind(), '', o, String(m['resourceVersion']));
  }

  private async cleanup(o: Obj): Promise<void> {
    const spec = o['spec'];
    const resource = { group: String(spec['group']), resource: String(spec['names']['plural']) };
    for (const cr of this.ctx.store.list(groupResource(resource))) {
      const cm = cr['metadata'];
      this.ctx.store.remove(resource, String(cm['namespace'] ?? ''), String(cm['name']));
    }
    const m = meta(o);
    m['finalizers'] = ((m['finalizers'] ?? []) as string[]).filter((f) => f !== CLEANUP_FINALIZER);
    const conds = ((o['status']?.['conditions'] ?? []) as Obj[]).filter((c) => c['type'] !== 'Terminating');
    o['status'] = {
      ...(o['status'] ?? {}),
      conditions: [
        ...conds,
        {
          type: 'Terminating',
          status: 'True',
          lastTransitionTime: nowTime(this.ctx.clock),
          reason: 'InstanceDeletionCompleted',
          message: 'removed all instances',
        },
      ],
    };
    const updated = this.ctx.store.update(this.crdKind(), '', o, String(m['resourceVersion']));
    finalizeIfDone(this.ctx, this.crdKind(), updated);
  }
}
