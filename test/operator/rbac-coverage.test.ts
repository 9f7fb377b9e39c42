// The manager's ClusterRole (kustomize/base/rbac.yaml) must hold every permission the reconciler uses
// and every permission it grants the agents' Role: Kubernetes refuses to let anyone grant what it does
// not hold (RBAC escalation prevention), so a gap here fails only on a real cluster.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { V1PolicyRule } from '@kubernetes/client-node';
import { agentRules } from '../../src/operator/desired/rbac.ts';
import { OWNED_KINDS } from '../../src/operator/informers.ts';
import { Resources } from '../../src/kube/resources.ts';
import { seed } from './fixtures.ts';

const docs = parseAllDocuments(readFileSync(new URL('../../kustomize/base/rbac.yaml', import.meta.url), 'utf8')).map(
  (d) => d.toJSON() as { kind: string; metadata: { name: string }; rules?: V1PolicyRule[] },
);
const managerRules = docs.find(
  (d) => d.kind === 'ClusterRole' && d.metadata.name === 'mysql-operator-manager-role',
)!.rules!;

function holds(group: string, resource: string, verb: string): boolean {
  return managerRules.some(
    (r) =>
      r.apiGroups!.includes(group) && r.resources!.includes(resource) && r.verbs.includes(verb) && !r.resourceNames,
  );
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

t.test('the manager holds everything the agents Role grants', async (t) => {
  for (const r of agentRules(seed()))
    for (const g of r.apiGroups!)
      for (const res of r.resources!) for (const v of r.verbs) t.ok(holds(g, res, v), `${g}/${res} ${v}`);
});

t.test('the manager holds what the reconciler does', async (t) => {
  for (const k of OWNED_KINDS)
    for (const v of ['get', 'list', 'watch', 'create', 'update', 'delete'])
      t.ok(holds(groupOf(k.apiVersion), k.plural, v), `${k.kind} ${v}`);
  for (const k of [Resources.Pod, Resources.ConfigMap, Resources.Lease, Resources.MysqlCluster])
    for (const v of ['get', 'list', 'watch']) t.ok(holds(groupOf(k.apiVersion), k.plural, v), `${k.kind} ${v}`);
  t.ok(holds('apps.ryansu.com', 'mysqlclusters/status', 'update'), 'status update');
  t.ok(holds('', 'events', 'create'), 'events');
  t.ok(holds('', 'secrets', 'get'), "the user's credentials Secret");
});
