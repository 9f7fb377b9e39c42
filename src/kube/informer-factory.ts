// Shared informers, as client-go's SharedInformerFactory: every controller (and agent loop) that needs
// one kind in one namespace with one selector gets the same Informer, so the API server sees one list
// and one watch per kind, and every reader sees one cache.
import type { KubeConfig } from '@kubernetes/client-node';
import { Informer, type InformerOptions } from './informer.ts';
import type { ResourceRef } from './resources.ts';

/** What narrows an informer: a namespace (default all) and a label selector. */
export interface InformerScope {
  namespace?: string;
  labelSelector?: string;
}

/** Hands out one shared Informer per kind, namespace and selector; starts and stops them together. */
export class InformerFactory {
  private readonly informers = new Map<string, Informer>();
  private stopped = false;

  /** `defaults` (clock, log, watchdog, backoff) apply to every informer the factory makes. */
  constructor(
    private readonly kc: KubeConfig,
    private readonly defaults: Omit<InformerOptions, keyof InformerScope> = {},
  ) {}

  /** The one informer for this kind and scope, made on first use. Not started: see start(). */
  informerFor(ref: ResourceRef, scope: InformerScope = {}): Informer {
    if (this.stopped) throw new Error('informer factory stopped');
    const key = [ref.apiVersion, ref.kind, scope.namespace ?? '', scope.labelSelector ?? ''].join('|');
    let i = this.informers.get(key);
    if (!i) {
      i = new Informer(this.kc, ref, { ...this.defaults, ...scope });
      this.informers.set(key, i);
    }
    return i;
  }

  /** Starts every informer made so far (idempotent); resolves when all have listed once. */
  async start(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  get size(): number {
    return this.informers.size;
  }
}
