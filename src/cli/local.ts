// `mysql-raft-operator local`: the embedded API server, the manager with its webhooks registered, the
// CRD and the pod runner, in the foreground until Ctrl-C / SIGTERM (or until the parent that started
// it goes away, e.g. a killed `make run`), which stops every process it started. See docs/local.md.
import { parseArgs } from 'node:util';
import { createLogger } from '../util/log.ts';
import { nextSteps, startLocal, type LocalManager } from '../local/local.ts';
import { parseFlags, reconcilerFactory, startOperatorManager } from './manager.ts';

/** `mysql-raft-operator local --help`. */
export const USAGE = `usage: mysql-raft-operator local [--data-dir DIR] [--kubeconfig FILE] [--no-controllers] [--no-manager] [--node-name NAME]

  --data-dir DIR     where the cluster lives: API server state, kubeconfig, volumes, pod logs
                     (default .mysql-raft-local); starting again on it brings everything back
  --kubeconfig FILE  attach to this API server instead of starting the embedded one; the manager and
                     the pod runner (this machine as a node) run against it, webhooks are not registered
  --no-controllers   do not run the StatefulSet/Deployment/Endpoints controllers and the scheduler
                     (for an API server whose control plane already runs them)
  --no-manager       do not run the manager in this process nor register its webhooks: run it as a pod
                     instead, e.g. \`make deploy OVERLAY=kustomize/overlays/dev\` against this cluster
  --node-name NAME   the Node this machine registers as (default local); give each runner attached to the
                     same API server its own
`;

async function managerStarter(kubeconfigPath: string, certDir: string): Promise<LocalManager> {
  // The manager's clients load the default kubeconfig: point it at this cluster.
  process.env['KUBECONFIG'] = kubeconfigPath;
  // The same flags a user would pass, so local runs the manager exactly as `manager` does.
  const options = parseFlags([
    ...['--webhook-port', '0', '--health-port', '0', '--metrics-port', '0'],
    ...['--bind-address', '127.0.0.1', '--cert-dir', certDir],
  ]);
  const reconciler = reconcilerFactory(options, { ...process.env, KUBECONFIG: kubeconfigPath });
  const m = await startOperatorManager(options, createLogger('manager'), reconciler ? [reconciler] : []);
  return { webhookPort: m.webhookPort, stop: () => m.stop() };
}

/** Resolves on SIGINT/SIGTERM, or when our parent process is gone (we were re-parented). */
function untilStopped(): Promise<string> {
  const parent = process.ppid;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (process.ppid !== parent) done('parent exited');
    }, 1000);
    const done = (why: string) => {
      clearInterval(timer);
      resolve(why);
    };
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
    process.once('SIGHUP', () => done('SIGHUP'));
  });
}

/** Runs `local` in the foreground until SIGINT/SIGTERM; resolves with the exit code. */
export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string' },
        kubeconfig: { type: 'string' },
        'no-controllers': { type: 'boolean' },
        'no-manager': { type: 'boolean' },
        'node-name': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const dataDir = values['data-dir'] ?? '.mysql-raft-local';
  const nodeName = values['node-name'];
  if (nodeName !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(nodeName)) {
    process.stderr.write(
      `--node-name: invalid value "${nodeName}": a Node name is a DNS subdomain (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)\n`,
    );
    return 2;
  }
  const log = createLogger('local');
  const sys = await startLocal({
    dataDir,
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
    ...(values['no-controllers'] ? { controllers: false } : {}),
    ...(nodeName ? { nodeName } : {}),
    ...(values['no-manager'] ? {} : { startManager: managerStarter }),
    logger: log,
  });
  process.stdout.write(nextSteps(sys, dataDir));
  const why = await untilStopped();
  log.info({ why }, 'stopping every pod, the manager and the API server');
  await sys.stop();
  return 0;
}
