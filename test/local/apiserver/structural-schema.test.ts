// The CRD schema rules of apiextensions-apiserver (schema/validation.go, validation/validation.go), each
// case with the exact line the real server prints. The conformance suite sends some of them to a real
// kube-apiserver too (test/conformance/crd.test.ts).
import t from 'tap';
import { schemaProblems } from '../../../src/local/apiserver/structural-schema.ts';
import { fieldErrorString } from '../../../src/local/apiserver/status-errors.ts';

const P = 'spec.validation.openAPIV3Schema';
const lines = (s: unknown) => schemaProblems(s, P).map(fieldErrorString);
const root = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: 'object',
  properties,
  ...extra,
});

const cases: [string, unknown, string[]][] = [
  ['a plain structural schema', root({ spec: { type: 'object', properties: { n: { type: 'integer' } } } }), []],
  [
    'int-or-string with the anyOf pattern is allowed',
    root({ q: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] } }),
    [],
  ],
  [
    'metadata restricting name only',
    root({ metadata: { type: 'object', properties: { name: { type: 'string' } } } }),
    [],
  ],
  [
    'metadata with required',
    root({ metadata: { type: 'object', required: ['name'] } }),
    [
      `${P}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
    ],
  ],
  [
    'the root must be an object',
    { type: 'string' },
    [`${P}.type: Invalid value: "string": must be object at the root`],
  ],
  [
    'additionalProperties at the root',
    { type: 'object', additionalProperties: { type: 'string' } },
    [`${P}.additionalProperties: Forbidden: must not be used at the root`],
  ],
  [
    'an anyOf branch with a type and a description',
    root({ x: { type: 'string', anyOf: [{ type: 'string', description: 'd' }] } }),
    [
      `${P}.properties[x].anyOf[0].description: Forbidden: must be empty to be structural`,
      `${P}.properties[x].anyOf[0].type: Forbidden: must be empty to be structural`,
    ],
  ],
  [
    'kind must be a string',
    root({ kind: { type: 'integer' } }),
    [`${P}.properties[kind].type: Invalid value: "integer": must be string`],
  ],
  [
    'a map list needs its keys',
    root({
      l: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        items: { type: 'object', properties: { k: { type: 'string' } } },
      },
    }),
    [
      `${P}.properties[l].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`,
    ],
  ],
  [
    'map keys must be item properties',
    root({
      l: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: { type: 'object', properties: { k: { type: 'string' } } },
      },
    }),
    [
      `${P}.properties[l].x-kubernetes-list-map-keys: Invalid value: ["name"]: entries must all be names of item properties`,
    ],
  ],
  [
    'a default in top-level metadata',
    root({ metadata: { type: 'object', default: {} } }),
    [`${P}.properties[metadata].default: Forbidden: must not be set in top-level metadata`],
  ],
  [
    '$ref is not supported',
    root({ r: { $ref: '#/x' } }),
    [
      `${P}.properties[r].$ref: Forbidden: $ref is not supported`,
      `${P}.properties[r].type: Required value: must not be empty for specified object fields`,
    ],
  ],
];

for (const [name, schema, want] of cases) {
  t.test(name, async (t) => {
    const got = lines(schema);
    for (const w of want) t.ok(got.includes(w), `${w}\n  got: ${JSON.stringify(got)}`);
    if (want.length === 0) t.same(got, []);
  });
}
