// Property: for any sequence of writes, a watch started at resourceVersion R, replayed onto the list
// taken at R, reproduces the list now. Randomised with fast-check; the seed is printed and SEED=<n>
// replays a run.
import t from 'tap';
import fc from 'fast-check';
import { startApiServer } from '../../../src/local/apiserver/server.ts';
import { raw, rawWatch } from '../../support/apiserver/raw.ts';

type Op = { kind: 'create' | 'update' | 'delete'; name: string; value: string; label: 'a' | 'b' };
const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('create', 'update', 'delete'),
  name: fc.constantFrom('n0', 'n1', 'n2', 'n3'),
  value: fc.string({ maxLength: 4 }),
  label: fc.constantFrom('a', 'b'),
});

const seed = process.env['SEED'] ? Number(process.env['SEED']) : Date.now() % 2 ** 31;
t.comment(`watch property seed=${seed} (replay with SEED=${seed})`);

t.test('watch replay from a list resourceVersion converges to the current list (label-filtered)', async (t) => {
  const s = await startApiServer({ tls: false });
  t.teardown(() => s.close());
  const c = { server: s.url, token: s.token };
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(opArb, { minLength: 1, maxLength: 12 }),
      fc.array(opArb, { maxLength: 12 }),
      async (before, after) => {
        const ns = `p${run++}`;
        await raw(c, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
        const apply = async (op: Op) => {
          const path = `/api/v1/namespaces/${ns}/configmaps`;
          const body = {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: op.name, labels: { l: op.label } },
            data: { v: op.value },
          };
          if (op.kind === 'create') await raw(c, 'POST', path, body);
          else if (op.kind === 'update') await raw(c, 'PUT', `${path}/${op.name}`, body);
          else await raw(c, 'DELETE', `${path}/${op.name}`);
        };
        for (const op of before) await apply(op);
        const listAt = await raw(c, 'GET', `/api/v1/namespaces/${ns}/configmaps?labelSelector=l%3Da`);
        const state = new Map<string, string>(listAt.json.items.map((i: any) => [i.metadata.name, i.data?.v ?? '']));
        for (const op of after) await apply(op);
        const now = await raw(c, 'GET', `/api/v1/namespaces/${ns}/configmaps?labelSelector=l%3Da`);
        const w = rawWatch(
          c,
          `/api/v1/namespaces/${ns}/configmaps?watch=1&labelSelector=l%3Da&resourceVersion=${listAt.json.metadata.resourceVersion}&timeoutSeconds=1`,
        );
        await w.ended;
        let lastRv = Number(listAt.json.metadata.resourceVersion);
        for (const e of w.events) {
          const rv = Number(e.object.metadata.resourceVersion);
          if (rv <= lastRv) throw new Error(`resourceVersion went backwards: ${rv} after ${lastRv}`);
          lastRv = rv;
          if (e.type === 'DELETED') state.delete(e.object.metadata.name);
          else state.set(e.object.metadata.name, e.object.data?.v ?? '');
        }
        const want = new Map<string, string>(now.json.items.map((i: any) => [i.metadata.name, i.data?.v ?? '']));
        return JSON.stringify([...state].sort()) === JSON.stringify([...want].sort());
      },
    ),
    { seed, numRuns: 15 },
  );
  t.pass('property held');
});
