// Pure parts of the embedded server, checked against their specifications (RFC 6902 / 7386 examples,
// selector grammar, apimachinery's HumanDuration, Kubernetes version priority, schema translation).
import t from 'tap';
import { applyJsonPatch, applyMergePatch, stripStrategicDirectives } from '../../../src/local/apiserver/patch.ts';
import {
  matchesLabels,
  parseLabelSelector,
  fromLabelSelectorObject,
  labelSelectorToString,
} from '../../../src/local/apiserver/selectors.ts';
import { humanDuration, evalColumnPath } from '../../../src/local/apiserver/table.ts';
import { compareVersions } from '../../../src/local/apiserver/kinds.ts';
import { compileVersionSchema, toJsonSchema } from '../../../src/local/apiserver/crd-schema.ts';
import { ApiError, invalid } from '../../../src/local/apiserver/status-errors.ts';
import { route } from '../../../src/local/apiserver/router.ts';

t.test('RFC 6902 JSON Patch operations', async (t) => {
  t.same(applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }]), { foo: 'bar', baz: 'qux' });
  t.same(applyJsonPatch({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }]), {
    foo: ['bar', 'qux', 'baz'],
  });
  t.same(applyJsonPatch({ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: 'x' }]), { foo: ['bar', 'x'] });
  t.same(applyJsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }]), { foo: 'bar' });
  t.same(applyJsonPatch({ baz: 'qux' }, [{ op: 'replace', path: '/baz', value: 'boo' }]), { baz: 'boo' });
  t.same(
    applyJsonPatch({ foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, [
      { op: 'move', from: '/foo/waldo', path: '/qux/thud' },
    ]),
    { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
  );
  t.same(applyJsonPatch({ a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }]), { a: { b: 1 }, c: { b: 1 } });
  t.same(
    applyJsonPatch({ 'a/b': 1, 'm~n': 2 }, [
      { op: 'replace', path: '/a~1b', value: 3 },
      { op: 'remove', path: '/m~0n' },
    ]),
    { 'a/b': 3 },
  );
  t.throws(() => applyJsonPatch({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]), ApiError);
  try {
    applyJsonPatch({}, [{ op: 'remove', path: '/missing' }]);
    t.fail('should throw');
  } catch (e) {
    t.match((e as ApiError).toStatus(), {
      code: 422,
      details: { causes: [{ message: /doc is missing path: "\/missing"/ }] },
    });
  }
  t.throws(() => applyJsonPatch({}, [{ op: 'frobnicate', path: '/x' }]), /Unexpected kind/);
  const original = { a: { b: 1 } };
  applyJsonPatch(original, [{ op: 'replace', path: '/a/b', value: 2 }]);
  t.same(original, { a: { b: 1 } }, 'the target is not mutated');
});

t.test('RFC 7386 merge patch examples', async (t) => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  ];
  for (const [target, patch, want] of cases)
    t.same(applyMergePatch(target, patch), want, JSON.stringify([target, patch]));
  t.same(
    stripStrategicDirectives({
      $setElementOrder: 1,
      spec: { $retainKeys: ['a'], a: 1, list: [{ $patch: 'delete', name: 'x' }, { name: 'y' }] },
    }),
    { spec: { a: 1, list: [{ name: 'y' }] } },
  );
});

t.test('label selector grammar', async (t) => {
  const l = { app: 'db', tier: 'backend' };
  const m = (s: string) => matchesLabels(parseLabelSelector(s), l);
  t.ok(m('app=db'));
  t.ok(m('app==db'));
  t.notOk(m('app!=db'));
  t.ok(m('app in (db, web)'));
  t.notOk(m('app notin (db)'));
  t.ok(m('tier'));
  t.notOk(m('!tier'));
  t.ok(m('!missing'));
  t.ok(m('app=db,tier in (backend)'));
  t.ok(m(''));
  t.throws(() => parseLabelSelector('app=db=x'), /unable to parse requirement/);
  t.throws(() => parseLabelSelector('app in (a'), /unable to parse requirement/);
  t.ok(
    matchesLabels(
      fromLabelSelectorObject({
        matchLabels: { app: 'db' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['backend'] }],
      }),
      l,
    ),
  );
  t.notOk(matchesLabels(fromLabelSelectorObject({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }), l));
  t.equal(labelSelectorToString({ matchLabels: { b: '2', a: '1' } }), 'a=1,b=2');
});

t.test('HumanDuration as kubectl shows ages', async (t) => {
  const s = 1000;
  t.equal(humanDuration(5 * s), '5s');
  t.equal(humanDuration(119 * s), '119s');
  t.equal(humanDuration(125 * s), '2m5s');
  t.equal(humanDuration(15 * 60 * s), '15m');
  t.equal(humanDuration(4 * 3600 * s + 60 * s), '4h1m');
  t.equal(humanDuration(30 * 3600 * s), '30h');
  t.equal(humanDuration(3 * 86400 * s), '3d');
  t.equal(humanDuration(100 * 86400 * s), '100d');
  t.equal(humanDuration(800 * 86400 * s), '2y');
});

t.test('printer column paths, including a filter', async (t) => {
  const o = {
    status: {
      conditions: [
        { type: 'A', status: 'False' },
        { type: 'Ready', status: 'True' },
      ],
    },
    spec: { list: [5, 6] },
  };
  t.equal(evalColumnPath(o, '.status.conditions[?(@.type=="Ready")].status'), 'True');
  t.equal(evalColumnPath(o, '.spec.list[1]'), 6);
  t.equal(evalColumnPath(o, '.spec.none'), undefined);
});

t.test('version priority: GA, then beta, then alpha', async (t) => {
  t.same(['v1alpha1', 'v2beta1', 'v1', 'v2', 'v1beta2', 'v1beta1'].sort(compareVersions), [
    'v2',
    'v1',
    'v2beta1',
    'v1beta2',
    'v1beta1',
    'v1alpha1',
  ]);
});

t.test('OpenAPI v3 / x-kubernetes-* translation for ajv', async (t) => {
  const s = compileVersionSchema({
    type: 'object',
    properties: {
      port: { 'x-kubernetes-int-or-string': true },
      ratio: { type: 'number', minimum: 0, exclusiveMinimum: true },
      note: { type: 'string', nullable: true },
      big: { type: 'integer', format: 'int64' },
      tags: { type: 'array', maxItems: 2, items: { type: 'string' } },
    },
  });
  t.same(s.validate({ port: 80, ratio: 0.5, note: null, big: 1 }), []);
  t.same(s.validate({ port: 'http' }), []);
  t.match(s.validate({ port: true }), [{ type: 'Invalid', field: 'port' }]);
  t.match(s.validate({ ratio: 0 }), [{ field: 'ratio', detail: 'ratio in body should be greater than 0' }]);
  t.match(s.validate({ tags: ['a', 'b', 'c'] }), [
    { type: 'TooMany', field: 'tags', value: 3, detail: 'must have at most 2 items' },
  ]);
  t.same(toJsonSchema({ type: 'string', default: 'x', 'x-kubernetes-validations': [{ rule: 'self != ""' }] }), {
    type: 'string',
  });
});

t.test('Invalid Status message layout matches apierrors.NewInvalid', async (t) => {
  const one = invalid('', 'ConfigMap', 'x', [{ type: 'Required', field: 'data' }]);
  t.equal(one.message, 'ConfigMap "x" is invalid: data: Required value');
  const two = invalid('g.io', 'W', 'y', [
    { type: 'Required', field: 'a' },
    { type: 'Invalid', field: 'b', value: 3, detail: 'too big' },
  ]);
  t.equal(two.message, 'W.g.io "y" is invalid: [a: Required value, b: Invalid value: 3: too big]');
  t.equal(two.toStatus().details?.causes?.[1]?.reason, 'FieldValueInvalid');
});

t.test('routing follows the real URL layout', async (t) => {
  t.match(route('/api/v1/namespaces/ns1/configmaps/x'), {
    type: 'resource',
    group: '',
    version: 'v1',
    resource: 'configmaps',
    namespace: 'ns1',
    name: 'x',
  });
  t.match(route('/api/v1/namespaces/ns1'), { type: 'resource', resource: 'namespaces', name: 'ns1' });
  t.match(route('/api/v1/namespaces/ns1/status'), {
    type: 'resource',
    resource: 'namespaces',
    name: 'ns1',
    subresource: 'status',
  });
  t.match(route('/apis/apps/v1/namespaces/a/statefulsets/s/scale'), {
    group: 'apps',
    resource: 'statefulsets',
    name: 's',
    subresource: 'scale',
  });
  t.match(route('/api/v1/watch/namespaces/a/pods'), { legacyWatch: true, namespace: 'a', resource: 'pods' });
  t.match(route('/apis/x.io/v1/things'), { type: 'resource', group: 'x.io', resource: 'things' });
  t.equal(route('/nope').type, 'not-found');
});
