// Connections from a chosen source address. mysql2 ignores its `localAddress` option (3.x), so a
// client meant to keep reaching a partitioned node (the partition exempts the clients' address,
// test/support/netfault.ts) would come from 127.0.0.1 and be cut with the rest. A socket bound to the
// address is handed to mysql2 as its stream instead.
import { connect } from 'node:net';

/** mysql2 connection options for `host:port`, from `localAddress` when given. */
export function fromAddress(host: string, port: number, localAddress?: string): Record<string, unknown> {
  return localAddress ? { host, port, stream: () => connect({ host, port, localAddress }) } : { host, port };
}
