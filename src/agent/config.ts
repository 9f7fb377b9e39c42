// The agent's settings: one table of flags, each with its environment variable and default, parsed
// from argv and the environment a StatefulSet pod gives (docs/agent.md, "Process and configuration").
// Flags win over the environment. A missing or bad value fails at start with a message naming the
// flag, its env variable, the value and what is allowed. Nothing is read at import time.
import { parseDuration } from '../api/duration.ts';

/** Why the agent refuses to start; the message names the setting. */
export class AgentConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentConfigError';
  }
}

/** Everything the agent process is configured with. */
export interface AgentConfig {
  podName: string;
  namespace: string;
  podIp: string;
  cluster: string;
  mysqlHost: string;
  mysqlPort: number;
  peerPort: number;
  httpPort: number;
  bindAddress: string;
  credentialsDir: string;
  peerKeyFile: string;
  kubeconfig: string;
  mysqldPidFile: string;
  tickMs: number;
  leaseDriftMs: number;
  mysqlTimeoutMs: number;
  logLevel: string;
}

type Kind = 'string' | 'name' | 'ip' | 'port' | 'duration' | 'level';

interface FlagSpec {
  flag: string;
  env: string;
  key: keyof AgentConfig;
  kind: Kind;
  /** undefined: required. */
  dflt: string | undefined;
  help: string;
}

/** The one table: `--help`, docs/agent.md and the parser all read it. */
export const FLAGS: readonly FlagSpec[] = [
  { flag: 'pod-name', env: 'POD_NAME', key: 'podName', kind: 'name', dflt: undefined, help: 'this pod (Raft node id)' },
  { flag: 'namespace', env: 'POD_NAMESPACE', key: 'namespace', kind: 'name', dflt: undefined, help: 'namespace' },
  { flag: 'pod-ip', env: 'POD_IP', key: 'podIp', kind: 'ip', dflt: undefined, help: "this pod's IP" },
  { flag: 'cluster', env: 'CLUSTER_NAME', key: 'cluster', kind: 'name', dflt: undefined, help: 'MysqlCluster name' },
  { flag: 'mysql-host', env: 'MYSQL_HOST', key: 'mysqlHost', kind: 'ip', dflt: '127.0.0.1', help: 'own mysqld' },
  {
    flag: 'mysql-port',
    env: 'MYSQL_PORT',
    key: 'mysqlPort',
    kind: 'port',
    dflt: '3306',
    help: 'mysqld port (all pods)',
  },
  { flag: 'peer-port', env: 'AGENT_PEER_PORT', key: 'peerPort', kind: 'port', dflt: '8300', help: 'peer Raft RPC' },
  {
    flag: 'http-port',
    env: 'AGENT_HTTP_PORT',
    key: 'httpPort',
    kind: 'port',
    dflt: '8301',
    help: '/healthz /readyz /status /metrics /prestop',
  },
  {
    flag: 'bind-address',
    env: 'AGENT_BIND_ADDRESS',
    key: 'bindAddress',
    kind: 'string',
    dflt: '',
    help: 'listen address (empty: the pod IP)',
  },
  {
    flag: 'credentials-dir',
    env: 'CREDENTIALS_DIR',
    key: 'credentialsDir',
    kind: 'string',
    dflt: '/etc/mysql-raft/credentials',
    help: 'root-password, replication-password, agent-password files',
  },
  {
    flag: 'peer-key-file',
    env: 'PEER_KEY_FILE',
    key: 'peerKeyFile',
    kind: 'string',
    dflt: '/etc/mysql-raft/peer/hmac-key',
    help: 'per-cluster HMAC key (32+ bytes)',
  },
  {
    flag: 'kubeconfig',
    env: 'KUBECONFIG',
    key: 'kubeconfig',
    kind: 'string',
    dflt: '',
    help: 'kubeconfig file (empty: in-cluster)',
  },
  {
    flag: 'mysqld-pid-file',
    env: 'MYSQLD_PID_FILE',
    key: 'mysqldPidFile',
    kind: 'string',
    dflt: '',
    help: "own mysqld's pid file, for fencing by crash (empty: never crash it)",
  },
  { flag: 'tick', env: 'AGENT_TICK', key: 'tickMs', kind: 'duration', dflt: '100ms', help: 'Raft tick' },
  {
    flag: 'lease-drift',
    env: 'AGENT_LEASE_DRIFT',
    key: 'leaseDriftMs',
    kind: 'duration',
    dflt: '200ms',
    help: 'clock drift bound subtracted from the leader lease',
  },
  {
    flag: 'mysql-timeout',
    env: 'AGENT_MYSQL_TIMEOUT',
    key: 'mysqlTimeoutMs',
    kind: 'duration',
    dflt: '2s',
    help: 'deadline of one MySQL operation',
  },
  { flag: 'log-level', env: 'LOG_LEVEL', key: 'logLevel', kind: 'level', dflt: 'info', help: 'log level' },
];

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const IP = /^(\d{1,3}\.){3}\d{1,3}$|^[0-9a-fA-F:]+$/;

/** The `--help` text: every flag with its env variable and default. */
export function helpText(): string {
  const rows = FLAGS.map((f) => {
    const d = f.dflt === undefined ? 'required' : f.dflt === '' ? 'default ""' : `default ${f.dflt}`;
    return `  --${f.flag.padEnd(16)} ${f.env.padEnd(19)} ${d.padEnd(37)} ${f.help}`;
  });
  return (
    'usage: mysql-raft-operator agent [flags]\n\n' +
    'Every flag can be set by its environment variable; a flag wins over the environment.\n\n' +
    `  ${'flag'.padEnd(18)} ${'env'.padEnd(19)} ${'default'.padEnd(37)} meaning\n` +
    `${rows.join('\n')}\n  --help             print this and exit\n`
  );
}

function convert(f: FlagSpec, raw: string, source: string): string | number {
  const bad = (allowed: string) =>
    new AgentConfigError(`--${f.flag} (${f.env}) = ${JSON.stringify(raw)} from ${source}: must be ${allowed}`);
  switch (f.kind) {
    case 'string':
      return raw;
    case 'name':
      if (!DNS_NAME.test(raw)) throw bad('a lowercase DNS name (a-z, 0-9, "-", "."; at most 253 characters)');
      return raw;
    case 'ip':
      if (!IP.test(raw)) throw bad('an IPv4 or IPv6 address');
      return raw;
    case 'port': {
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || n < 1 || n > 65535) throw bad('a TCP port 1..65535');
      return n;
    }
    case 'duration': {
      let ms: number;
      try {
        ms = parseDuration(raw);
      } catch {
        throw bad('a duration such as 100ms or 2s');
      }
      if (!(ms >= 0)) throw bad('a duration >= 0');
      return ms;
    }
    case 'level':
      if (!LEVELS.includes(raw)) throw bad(`one of ${LEVELS.join(', ')}`);
      return raw;
    default: {
      const never: never = f.kind;
      return never;
    }
  }
}

function parseArgv(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(a);
    const spec = m ? FLAGS.find((f) => f.flag === m[1]) : undefined;
    if (!m || !spec)
      throw new AgentConfigError(
        `unknown argument ${JSON.stringify(a)}; allowed: ${FLAGS.map((f) => `--${f.flag}`).join(', ')}, --help`,
      );
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new AgentConfigError(`--${spec.flag} needs a value`);
    out.set(spec.flag, value);
  }
  return out;
}

/** Settings from flags (winning) and the environment; throws AgentConfigError naming a bad one. */
export function parseAgentConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): AgentConfig {
  const flags = parseArgv(argv);
  const out: Record<string, string | number> = {};
  for (const f of FLAGS) {
    const fromFlag = flags.get(f.flag);
    const fromEnv = env[f.env];
    const [raw, source] =
      fromFlag !== undefined
        ? [fromFlag, 'the command line']
        : fromEnv !== undefined && fromEnv !== ''
          ? [fromEnv, 'the environment']
          : [f.dflt, 'the default'];
    if (raw === undefined) throw new AgentConfigError(`--${f.flag} (env ${f.env}) is required: ${f.help}`);
    out[f.key] = convert(f, raw, source);
  }
  const c = out as unknown as AgentConfig;
  if (c.tickMs < 1) throw new AgentConfigError(`--tick (AGENT_TICK) = ${c.tickMs}ms: must be at least 1ms`);
  if (c.mysqlTimeoutMs < 1)
    throw new AgentConfigError(`--mysql-timeout (AGENT_MYSQL_TIMEOUT) = ${c.mysqlTimeoutMs}ms: must be at least 1ms`);
  if (!c.bindAddress) c.bindAddress = c.podIp;
  return c;
}
