// Every overlay builds, and what comes out agrees with itself and with the code: names, namespaces,
// paths and ports across Service, Certificate, webhook configurations, CRD conversion and Deployment.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PATHS, WEBHOOK_NAMES } from '../../webhooks/server.ts';
import { parseFlags } from '../../src/cli/manager.ts';
import { build, KUSTOMIZE, parseObjects, root, scratchCopy, type K8sObject } from './build.ts';

const scratch = scratchCopy();
t.teardown(scratch.cleanup);
const OVERLAYS = ['cert-manager', 'dev', 'argocd', 'prometheus'] as const;
const built: Record<string, K8sObject[]> = { base: build(join(scratch.dir, 'kustomize', 'base')) };
for (const o of OVERLAYS) built[o] = build(join(scratch.dir, 'kustomize', 'overlays', o));

const one = (objs: K8sObject[], kind: string, name?: string): K8sObject => {
  const hits = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (hits.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${hits.length}`);
  return hits[0] as K8sObject;
};
const key = (o: K8sObject) =>
  `${o.apiVersion.split('/')[0]}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

for (const [name, objs] of Object.entries(built)) {
  t.test(`${name}: builds, nothing duplicated, and the references agree`, async (t) => {
    const keys = objs.map(key);
    t.same(
      keys.filter((k, i) => keys.indexOf(k) !== i),
      [],
      'no object twice',
    );
    const ns = one(objs, 'Namespace').metadata.name;
    const svc = one(objs, 'Service', 'mysql-operator-webhook-service');
    t.equal(svc.metadata.namespace, ns);
    const deploy = one(objs, 'Deployment');
    t.equal(deploy.metadata.namespace, ns);
    const container = deploy['spec'].template.spec.containers[0];
    const flags = parseFlags(container.args.slice(1));
    t.equal(container.args[0], 'manager');
    const webhookPort = container.ports.find((p: any) => p.name === svc['spec'].ports[0].targetPort);
    t.equal(webhookPort?.containerPort, flags.webhookPort, 'Service targets the port the manager serves webhooks on');
    t.same(
      svc['spec'].selector,
      Object.fromEntries(
        Object.entries(deploy['spec'].template.metadata.labels).filter(([k]) => k in svc['spec'].selector),
      ),
      'Service selects the manager pods',
    );
    t.ok(Object.entries(svc['spec'].selector).every(([k, v]) => deploy['spec'].template.metadata.labels[k] === v));
    const certVolume = deploy['spec'].template.spec.volumes.find((v: any) => v.name === 'cert');
    t.equal(
      container.volumeMounts.find((m: any) => m.name === 'cert')?.mountPath,
      flags.certDir,
      '--cert-dir is the mounted Secret',
    );
    const ref = (cc: any) => cc.service;
    const mwc = one(objs, 'MutatingWebhookConfiguration');
    const vwc = one(objs, 'ValidatingWebhookConfiguration');
    const crd = one(objs, 'CustomResourceDefinition');
    t.same(
      mwc['webhooks'].map((w: any) => w.name),
      [WEBHOOK_NAMES.mutate],
    );
    t.same(
      vwc['webhooks'].map((w: any) => w.name),
      [WEBHOOK_NAMES.validate],
    );
    const conv = crd['spec'].conversion;
    t.equal(conv.strategy, 'Webhook');
    t.same(conv.webhook.conversionReviewVersions, ['v1']);
    for (const [cc, path] of [
      [mwc['webhooks'][0].clientConfig, PATHS.mutate],
      [vwc['webhooks'][0].clientConfig, PATHS.validate],
      [conv.webhook.clientConfig, PATHS.convert],
    ] as const) {
      t.same(
        ref(cc),
        { name: svc.metadata.name, namespace: ns, path, port: svc['spec'].ports[0].port },
        `clientConfig -> ${path}`,
      );
    }
    for (const w of [...mwc['webhooks'], ...vwc['webhooks']]) {
      t.same(w.admissionReviewVersions, ['v1']);
      t.equal(w.sideEffects, 'None');
      t.equal(w.failurePolicy, 'Fail');
      t.ok(w.timeoutSeconds >= 1 && w.timeoutSeconds <= 10, 'short timeout');
      t.same(w.rules[0].apiGroups, ['apps.ryansu.com']);
    }
    t.ok(vwc['webhooks'][0].rules[0].resources.includes('mysqlclusters/scale'), 'kubectl scale is validated');
    t.equal(one(objs, 'ServiceAccount').metadata.name, deploy['spec'].template.spec.serviceAccountName);

    const certs = objs.filter((o) => o.kind === 'Certificate');
    const injected = [mwc, vwc, crd].map((o) => o.metadata.annotations?.['cert-manager.io/inject-ca-from']);
    if (name === 'base' || name === 'dev') {
      t.same(certs, [], 'no cert-manager objects');
      t.same(injected, [undefined, undefined, undefined]);
    } else {
      const cert = one(objs, 'Certificate');
      t.same(
        injected,
        Array(3).fill(`${cert.metadata.namespace}/${cert.metadata.name}`),
        'inject-ca-from names the real Certificate on all three',
      );
      t.equal(cert['spec'].secretName, certVolume.secret.secretName, "the manager mounts the Certificate's Secret");
      t.ok(
        cert['spec'].dnsNames.includes(`${svc.metadata.name}.${ns}.svc`),
        'the certificate covers the Service DNS name',
      );
      const issuer = one(objs, cert['spec'].issuerRef.kind, cert['spec'].issuerRef.name);
      t.equal(issuer.metadata.namespace, cert.metadata.namespace, 'Issuer beside the Certificate');
    }
    if (name === 'dev') {
      const secret = one(objs, 'Secret', certVolume.secret.secretName);
      t.equal(secret.metadata.namespace, ns);
      const caB64 = String(secret['data']['ca.crt']).replace(/\s/g, '');
      t.equal(caB64, scratch.caBundle, 'hack/gen-certs.ts printed this caBundle');
      for (const cc of [mwc['webhooks'][0].clientConfig, vwc['webhooks'][0].clientConfig, conv.webhook.clientConfig]) {
        t.equal(String(cc.caBundle).replace(/\s/g, ''), caB64, 'caBundle is the dev CA');
      }
      const leaf = new X509Certificate(Buffer.from(String(secret['data']['tls.crt']).replace(/\s/g, ''), 'base64'));
      t.ok(leaf.checkHost(`${svc.metadata.name}.${ns}.svc`), 'serving cert covers the Service');
      t.ok(leaf.verify(new X509Certificate(Buffer.from(caB64, 'base64')).publicKey), 'signed by the bundled CA');
    }
  });
}

t.test('the manager Deployment is hardened', async (t) => {
  const pod = one(built['cert-manager'] ?? [], 'Deployment')['spec'].template.spec;
  const c = pod.containers[0];
  t.equal(pod.securityContext.runAsNonRoot, true);
  t.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
  t.equal(c.securityContext.readOnlyRootFilesystem, true);
  t.equal(c.securityContext.allowPrivilegeEscalation, false);
  t.same(c.securityContext.capabilities.drop, ['ALL']);
  t.equal(c.livenessProbe.httpGet.path, '/healthz');
  t.equal(c.readinessProbe.httpGet.path, '/readyz');
  const health = c.ports.find((p: any) => p.name === c.readinessProbe.httpGet.port);
  t.equal(health.containerPort, parseFlags(c.args.slice(1)).healthPort, 'probes hit --health-port');
  t.ok(c.resources.requests.cpu && c.resources.limits.memory, 'resources set');
});

t.test('RBAC lists exactly the verbs the operator needs', async (t) => {
  const objs = built['cert-manager'] ?? [];
  const rules = (name: string) =>
    one(objs, 'ClusterRole', name)['rules'].map(
      (r: any) =>
        `${r.apiGroups.join(',')}|${r.resources.join(',')}${r.resourceNames ? `[${r.resourceNames.join(',')}]` : ''}|${r.verbs.join(',')}`,
    );
  t.same(rules('mysql-operator-manager-role'), [
    'apps.ryansu.com|mysqlclusters|get,list,watch,update,patch',
    'apps.ryansu.com|mysqlclusters/status|get,update,patch',
    'apps.ryansu.com|mysqlclusters/finalizers|update',
    'apps|statefulsets|get,list,watch,create,update,patch,delete',
    '|services,configmaps,secrets|get,list,watch,create,update,patch,delete',
    'policy|poddisruptionbudgets|get,list,watch,create,update,patch,delete',
    'networking.k8s.io|networkpolicies|get,list,watch,create,update,delete',
    '|persistentvolumeclaims|get,list,watch,patch',
    '|pods|get,list,watch,patch,delete',
    'coordination.k8s.io|leases|get,list,watch,create,update,patch',
    ',events.k8s.io|events|create,patch',
    '|serviceaccounts|get,list,watch,create,update,patch,delete',
    'rbac.authorization.k8s.io|roles,rolebindings|get,list,watch,create,update,patch,delete',
  ]);
  t.notOk(
    objs.some((o) => o.kind === 'ClusterRole' && o.metadata.name === 'mysql-operator-agent-role'),
    'agents get a per-cluster Role from the reconciler, not a ClusterRole',
  );
  for (const o of objs.filter((x) => x.kind === 'ClusterRole' || x.kind === 'Role')) {
    for (const r of o['rules']) {
      t.notOk(
        r.verbs.includes('*') || r.resources.includes('*') || r.apiGroups.includes('*'),
        `${o.metadata.name}: no wildcards`,
      );
      t.notOk(r.verbs.includes('escalate') || r.verbs.includes('impersonate'), `${o.metadata.name}: no escalation`);
    }
  }
  const binding = one(objs, 'ClusterRoleBinding');
  t.same(binding['subjects'], [
    { kind: 'ServiceAccount', name: 'mysql-operator-controller-manager', namespace: 'mysql-operator-system' },
  ]);
});

t.test('argocd: sync waves put CRD and webhooks before clusters, in a safe order', async (t) => {
  const objs = built['argocd'] ?? [];
  const wave = (o: K8sObject) => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave']);
  for (const o of objs)
    t.ok(Number.isInteger(wave(o)) && wave(o) < 0, `${o.kind}/${o.metadata.name} has a wave before 0 (clusters)`);
  const w = (kind: string) =>
    wave(
      one(
        objs,
        kind,
        kind === 'Service'
          ? 'mysql-operator-webhook-service'
          : kind === 'ClusterRole'
            ? 'mysql-operator-manager-role'
            : undefined,
      ),
    );
  t.ok(w('Namespace') < w('CustomResourceDefinition'));
  t.ok(w('CustomResourceDefinition') < w('Certificate'));
  t.ok(w('Certificate') < w('Deployment'));
  t.ok(w('ClusterRole') < w('Deployment'));
  t.ok(w('Deployment') < w('ValidatingWebhookConfiguration'), 'webhooks only once the manager serves them');
  t.equal(w('ValidatingWebhookConfiguration'), w('MutatingWebhookConfiguration'));
  const app = parseObjects(
    readFileSync(join(root, 'kustomize', 'components', 'argocd', 'application.yaml'), 'utf8'),
  )[0] as K8sObject;
  t.equal(app['spec'].source.path, 'kustomize/overlays/argocd');
  const ignored = app['spec'].ignoreDifferences.map((d: any) => d.kind).sort();
  t.same(
    ignored,
    ['CustomResourceDefinition', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
    'every injected caBundle is ignored',
  );
});

t.test('prometheus: the ServiceMonitor selects the metrics Service and its port', async (t) => {
  const objs = built['prometheus'] ?? [];
  const sm = one(objs, 'ServiceMonitor');
  const targets = objs.filter(
    (o) =>
      o.kind === 'Service' &&
      Object.entries(sm['spec'].selector.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v),
  );
  t.equal(targets.length, 1, 'exactly one Service selected');
  t.ok(targets[0]?.['spec'].ports.some((p: any) => p.name === sm['spec'].endpoints[0].port));
  t.same(sm['spec'].namespaceSelector.matchNames, [targets[0]?.metadata.namespace]);
  const deploy = one(objs, 'Deployment')['spec'].template.spec.containers[0];
  const metricsPort = deploy.ports.find((p: any) => p.name === targets[0]?.['spec'].ports[0].targetPort);
  t.equal(metricsPort.containerPort, parseFlags(deploy.args.slice(1)).metricsPort, 'Service reaches --metrics-port');
});

t.test('hack/deploy.sh sets the image and writes no tracked file', async (t) => {
  const status = () =>
    execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' });
  const before = status();
  const out = execFileSync(
    'bash',
    [
      join(root, 'hack', 'deploy.sh'),
      'kustomize/overlays/cert-manager',
      'registry.local:5000/team/mysql-operator:raft-v1.0',
    ],
    { cwd: root, encoding: 'utf8', maxBuffer: 32 << 20 },
  );
  const deploy = one(parseObjects(out), 'Deployment');
  t.equal(deploy['spec'].template.spec.containers[0].image, 'registry.local:5000/team/mysql-operator:raft-v1.0');
  t.equal(status(), before, 'tracked files unchanged');
  t.throws(
    () => execFileSync('bash', [join(root, 'hack', 'deploy.sh'), 'kustomize/overlays/nope', 'x'], { stdio: 'pipe' }),
    /overlays: argocd cert-manager dev prometheus/,
  );
});

t.test('fresh clone: the dev overlay names the command that makes its certificates', async (t) => {
  const fresh = mkdtempSync(join(tmpdir(), 'mro-fresh-'));
  t.teardown(() => rmSync(fresh, { recursive: true, force: true }));
  cpSync(join(root, 'kustomize'), join(fresh, 'kustomize'), {
    recursive: true,
    filter: (src) => !src.includes('certs-made-by-npm-run-gen-certs'),
  });
  cpSync(join(root, 'crds'), join(fresh, 'crds'), { recursive: true });
  let stderr = '';
  try {
    execFileSync(KUSTOMIZE, ['build', join(fresh, 'kustomize', 'overlays', 'dev')], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    stderr = String((e as { stderr?: Buffer }).stderr ?? '');
  }
  t.match(stderr, 'certs-made-by-npm-run-gen-certs/tls.crt', `kustomize says which command to run: ${stderr}`);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  t.match(pkg.scripts['gen:certs'], 'hack/gen-certs.ts', '`npm run gen:certs` is that command');
});
