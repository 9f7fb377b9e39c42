// The agent's configuration: flags win over env, every bad or missing setting is named, --help lists
// every flag with its env variable and default, and the secrets files are checked.
import t from 'tap';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLAGS, helpText, parseAgentConfig, AgentConfigError } from '../../src/agent/config.ts';
import { readCredentials, readPeerKey } from '../../src/agent/secrets.ts';
import { timingsFrom } from '../../src/agent/timings.ts';

const env = { POD_NAME: 'db-0', POD_NAMESPACE: 'default', POD_IP: '10.0.0.7', CLUSTER_NAME: 'db' };

t.test('the downward-API environment is enough; defaults as the contract says', async (t) => {
  const c = parseAgentConfig([], env);
  t.match(c, {
    podName: 'db-0',
    namespace: 'default',
    podIp: '10.0.0.7',
    cluster: 'db',
    mysqlHost: '127.0.0.1',
    mysqlPort: 3306,
    peerPort: 8300,
    httpPort: 8301,
    bindAddress: '10.0.0.7',
    credentialsDir: '/etc/mysql-raft/credentials',
    peerKeyFile: '/etc/mysql-raft/peer/hmac-key',
    tickMs: 100,
  });
});

t.test('a flag wins over its env variable; both spellings --f=v and --f v work', async (t) => {
  const c = parseAgentConfig(['--mysql-port=3307', '--peer-port', '9000'], { ...env, MYSQL_PORT: '3308' });
  t.equal(c.mysqlPort, 3307);
  t.equal(c.peerPort, 9000);
});

t.test('each bad or missing setting is refused with its flag, env name, value and what is allowed', async (t) => {
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    ['missing pod name', [], { ...env, POD_NAME: '' }, /--pod-name \(env POD_NAME\) is required/],
    ['missing cluster', [], { ...env, CLUSTER_NAME: '' }, /--cluster \(env CLUSTER_NAME\) is required/],
    ['port out of range', [], { ...env, MYSQL_PORT: '70000' }, /--mysql-port \(MYSQL_PORT\) = "70000".*TCP port/],
    ['port not a number', ['--http-port=http'], env, /--http-port \(AGENT_HTTP_PORT\) = "http".*command line/],
    ['bad pod IP', [], { ...env, POD_IP: 'localhost' }, /--pod-ip \(POD_IP\) = "localhost".*IPv4 or IPv6/],
    ['bad name', [], { ...env, CLUSTER_NAME: 'My_DB' }, /--cluster \(CLUSTER_NAME\) = "My_DB".*DNS name/],
    ['bad duration', [], { ...env, AGENT_TICK: 'soon' }, /--tick \(AGENT_TICK\) = "soon".*duration/],
    ['bad log level', [], { ...env, LOG_LEVEL: 'loud' }, /--log-level \(LOG_LEVEL\) = "loud".*one of trace/],
    ['unknown flag', ['--peers=a,b'], env, /unknown argument "--peers=a,b"; allowed: --pod-name/],
    ['flag without value', ['--mysql-port'], env, /--mysql-port needs a value/],
  ];
  for (const [name, argv, e, why] of cases) t.throws(() => parseAgentConfig(argv, e), why, name);
  t.throws(() => parseAgentConfig([], {}), AgentConfigError);
});

t.test('--help lists every flag with its env variable and default', async (t) => {
  const h = helpText();
  for (const f of FLAGS) {
    const line = h.split('\n').find((l) => l.includes(`--${f.flag} `));
    t.ok(line, `--${f.flag} is listed`);
    t.match(line, f.env, `--${f.flag} names ${f.env}`);
    t.match(line, f.dflt === undefined ? 'required' : f.dflt === '' ? 'default ""' : `default ${f.dflt}`);
  }
});

t.test('credentials and the peer key: files named when missing or too short; values never echoed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mro-agent-cfg-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'c'));
  t.throws(() => readCredentials(join(dir, 'c')), /cannot read .*root-password \(ENOENT\)/);
  writeFileSync(join(dir, 'c', 'root-password'), 'Secret-root-1\n');
  writeFileSync(join(dir, 'c', 'replication-password'), '');
  writeFileSync(join(dir, 'c', 'agent-password'), 'Secret-agent-1');
  t.throws(() => readCredentials(join(dir, 'c')), /replication-password is empty/);
  writeFileSync(join(dir, 'c', 'replication-password'), 'Secret-repl-1');
  t.same(readCredentials(join(dir, 'c')), {
    rootPassword: 'Secret-root-1',
    replicationPassword: 'Secret-repl-1',
    agentPassword: 'Secret-agent-1',
  });
  writeFileSync(join(dir, 'key'), 'short-key-value');
  const err = (() => {
    try {
      readPeerKey(join(dir, 'key'));
    } catch (e) {
      return e as Error;
    }
    return undefined;
  })();
  t.match(err?.message, /holds 15 bytes; it must hold at least 32/);
  t.notMatch(err?.message, /short-key-value/, 'the key itself is not in the message');
  writeFileSync(join(dir, 'key'), `${'k'.repeat(44)}\n`);
  t.equal(readPeerKey(join(dir, 'key')).length, 44);
});

t.test('timings: ticks from spec.raft; the drift bound must leave a lease', async (t) => {
  t.match(timingsFrom({ electionTimeout: '3s', heartbeatInterval: '300ms' }, 100, 200), {
    electionTick: 30,
    electionJitterTick: 10,
    heartbeatTick: 3,
    electionTimeoutMs: 3000,
  });
  t.match(timingsFrom(undefined, 100, 200), { electionTick: 30, heartbeatTick: 3 }, 'defaults');
  t.match(timingsFrom({ electionTimeout: '1s', heartbeatInterval: '2s' }, 100, 50), { heartbeatTick: 9 });
  t.throws(() => timingsFrom({ electionTimeout: '500ms' }, 100, 400), /--lease-drift = 400ms must be below/);
  t.throws(() => timingsFrom({ electionTimeout: 'often' }, 100, 10), /spec.raft.electionTimeout = "often"/);
});
