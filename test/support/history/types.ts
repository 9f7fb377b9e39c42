// The recorded history of a fault run, Jepsen-style: every client operation as invoke + completion
// (ok, fail = certainly not applied, info = outcome unknown) on a monotonic clock, and the writable
// samples of the read_only probe. Plain data, so the checker stays pure and chaos runs can save it.

/** One list-append transaction (append `value` to `key`, reading the term row and @@server_uuid in the
 * same transaction) or one read of a key's list. */
export interface Op {
  /** Unique per history. */
  id: number;
  client: number;
  kind: 'append' | 'read';
  key: string;
  /** append: the unique value appended. */
  value?: number;
  /** performance.now() when the client started the operation. */
  invokeMs: number;
  /** performance.now() when the outcome was known (for info: when the client gave up). */
  completeMs: number;
  type: 'ok' | 'fail' | 'info';
  /** The node the client talked to (its address), when known. */
  node?: string;
  /** ok append: the term row's highest term and the server's identity (@@server_uuid, or @@server_id
   * on MariaDB, which has no uuid) read inside the transaction. */
  term?: number;
  serverUuid?: string;
  /** ok read: the list it saw. */
  list?: number[];
  /** fail/info: why. */
  error?: string;
}

/** One reading of a node's @@read_only by the probe. `atMs` is the server's SYSDATE(6) mapped onto the
 * recorder's monotonic clock (all nodes share this machine's clock), so samples of different nodes
 * compare by the instant the server read the variable, not by when the answer arrived. */
export interface ProbeSample {
  node: string;
  atMs: number;
  /** read_only = 0: a client without READ ONLY ADMIN (the writer's account) could write. null: no
   * answer within the probe's timeout (down, stopped, cut off); `atMs` is then when the probe gave up,
   * on the recorder's clock. */
  writable: boolean | null;
}

/** A fault and when it was injected / healed (monotonic ms). */
export interface FaultMark {
  name: string;
  atMs: number;
  healedMs?: number;
}

export interface History {
  ops: Op[];
  probes: ProbeSample[];
  faults: FaultMark[];
  /** Each key's list as read on the final primary after the run. */
  final: Record<string, number[]>;
}
