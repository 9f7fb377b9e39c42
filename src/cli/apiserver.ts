// `mysql-raft-operator apiserver`: runs the embedded Kubernetes API server alone and writes a
// kubeconfig for kubectl and client-node. Stops on SIGINT/SIGTERM, flushing --data first.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogger } from '../util/log.ts';
import { startApiServer } from '../local/apiserver/server.ts';

/** The `apiserver` subcommand's help text. */
export const USAGE = `usage: mysql-raft-operator apiserver [--port N] [--host ADDR] [--data FILE] [--kubeconfig-out FILE] [--plain-http]

  --port N               port to listen on (default 0: a free port, printed on start)
  --host ADDR            address to bind (default 127.0.0.1)
  --data FILE            keep objects in FILE so that they survive a restart (default: memory only)
  --kubeconfig-out FILE  write a kubeconfig (server URL, CA, bearer token) to FILE
  --plain-http           serve HTTP instead of HTTPS with a self-signed loopback certificate
`;

/** `apiserver` subcommand: serves until SIGINT or SIGTERM, then exits 0; 2 on a bad flag (with the usage on stderr). */
export async function run(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        'kubeconfig-out': { type: 'string' },
        'plain-http': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  const v = args.values;
  if (v.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const port = v.port === undefined ? 0 : Number(v.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port: invalid value "${v.port}": must be an integer from 0 to 65535\n`);
    return 2;
  }
  const log = createLogger('apiserver');
  const server = await startApiServer({
    port,
    logger: log,
    ...(v.host ? { host: v.host } : {}),
    ...(v.data ? { dataFile: v.data } : {}),
    ...(v['plain-http'] ? { tls: false as const } : {}),
  });
  if (v['kubeconfig-out']) writeFileSync(v['kubeconfig-out'], server.kubeconfig(), { mode: 0o600 });
  process.stdout.write(
    `listening on ${server.url}${v['kubeconfig-out'] ? `; kubeconfig written to ${v['kubeconfig-out']}` : ''}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}
