// /metrics of the agent (src/agent/metrics.ts): every name prefixed mysqlraft_agent_, the gauges
// follow the latest facts, a new leader counts as an election, a failover lands in the histogram.
import t from 'tap';
import { AgentMetrics } from '../../src/agent/metrics.ts';
import type { NodeFacts } from '../../src/agent/publication.ts';
import { parseGtid } from '../../src/mysql/index.ts';

const facts: NodeFacts = {
  self: 'db-1',
  role: 'follower',
  term: 4,
  lead: 'db-0',
  commit: 9,
  applied: 9,
  primary: { pod: 'db-0', term: 4 },
  promotedThisTerm: false,
  mysql: { up: true, writable: false, replicatingFrom: 'db-0', errant: false },
  snapshot: {
    flavor: 'mariadb',
    version: '10.11',
    serverId: 2,
    readOnly: true,
    superReadOnly: null,
    offlineMode: null,
    executed: parseGtid('mariadb', '0-1-3'),
    retrieved: parseGtid('mariadb', '0-1-3'),
    replica: {
      sourceHost: '10.0.0.1',
      sourcePort: 3306,
      ioRunning: 'yes',
      sqlRunning: true,
      lagSeconds: 2,
      lastIoError: '',
      lastSqlError: '',
    },
    semiSync: {
      sourceEnabled: false,
      replicaEnabled: true,
      sourceActive: false,
      replicaActive: true,
      yesTx: 7,
      noTx: 1,
      clients: 0,
    },
  },
  lastFailover: undefined,
  elections: 2,
};

t.test('metrics follow the facts', async (t) => {
  const m = new AgentMetrics();
  m.update(facts, 'db-0');
  m.update({ ...facts, term: 5, lead: 'db-2' }, 'db-2');
  m.update({ ...facts, term: 5, lead: 'db-2' }, 'db-2');
  m.failedOver('agent-gone', 1500);
  const { body, contentType } = await m.render();
  t.match(contentType, /text\/plain/);
  for (const line of body.split('\n').filter((l) => l && !l.startsWith('#')))
    t.match(line, /^mysqlraft_agent_/, `prefixed: ${line}`);
  t.match(body, /^mysqlraft_agent_term 5$/m);
  t.match(body, /^mysqlraft_agent_role\{role="follower"\} 1$/m);
  t.match(body, /^mysqlraft_agent_role\{role="leader"\} 0$/m);
  t.match(body, /^mysqlraft_agent_elections_total 1$/m, 'the second leader seen is one election');
  t.match(body, /^mysqlraft_agent_replication_lag_seconds\{source="db-2"\} 2$/m);
  t.match(body, /^mysqlraft_agent_semisync_acked_transactions 7$/m);
  t.match(body, /^mysqlraft_agent_semisync_unacked_transactions 1$/m);
  t.match(body, /^mysqlraft_agent_failovers_total\{reason="agent-gone"\} 1$/m);
  t.match(body, /^mysqlraft_agent_failover_duration_seconds_bucket\{le="2"\} 1$/m);
  t.match(body, /^mysqlraft_agent_failover_duration_seconds_bucket\{le="1"\} 0$/m);
  m.update({ ...facts, snapshot: { ...facts.snapshot!, replica: null } }, 'db-2');
  t.notMatch(
    (await m.render()).body,
    /^mysqlraft_agent_replication_lag_seconds\{/m,
    'no lag sample when not replicating',
  );
});
