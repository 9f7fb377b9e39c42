// The Argo CD health check, executed in a real Lua VM (fengari) against the object shapes it must judge.
import t from 'tap';
import fengari from 'fengari';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { root } from './build.ts';

const { lua, lauxlib, lualib, to_luastring } = fengari;
const script = readFileSync(join(root, 'kustomize', 'components', 'argocd', 'health.lua'), 'utf8');

function push(L: unknown, v: unknown): void {
  if (v === null || v === undefined) lua.lua_pushnil(L);
  else if (typeof v === 'boolean') lua.lua_pushboolean(L, v);
  else if (typeof v === 'number')
    lua.lua_pushnumber(L, v); // Argo CD hands Lua JSON numbers as floats
  else if (typeof v === 'string') lua.lua_pushstring(L, to_luastring(v));
  else if (Array.isArray(v)) {
    lua.lua_createtable(L, v.length, 0);
    v.forEach((item, i) => {
      push(L, item);
      lua.lua_rawseti(L, -2, i + 1);
    });
  } else {
    lua.lua_createtable(L, 0, 0);
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
      push(L, item);
      lua.lua_setfield(L, -2, to_luastring(k));
    }
  }
}

function health(obj: unknown): { status: string; message: string } {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  push(L, obj);
  lua.lua_setglobal(L, to_luastring('obj'));
  if (lauxlib.luaL_loadstring(L, to_luastring(script)) !== lua.LUA_OK || lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
    throw new Error(`lua: ${lua.lua_tojsstring(L, -1)}`);
  }
  const field = (k: string) => {
    lua.lua_getfield(L, -1, to_luastring(k));
    const s = lua.lua_tojsstring(L, -1) as string;
    lua.lua_pop(L, 1);
    return s;
  };
  return { status: field('status'), message: field('message') };
}

const cond = (type: string, status: string, message = `${type} is ${status}`) => ({
  type,
  status,
  reason: 'Test',
  message,
  lastTransitionTime: '2026-01-01T00:00:00Z',
});
const cluster = (generation: number, status?: Record<string, unknown>) => ({
  apiVersion: 'apps.ryansu.com/v1',
  kind: 'MysqlCluster',
  metadata: { name: 'c', namespace: 'default', generation },
  spec: { replicas: 3 },
  ...(status ? { status } : {}),
});

const cases: [string, unknown, string, RegExp][] = [
  ['no status yet', cluster(1), 'Progressing', /Waiting for the operator to report status/],
  [
    'Ready and current',
    cluster(2, {
      observedGeneration: 2,
      conditions: [
        cond('Ready', 'True', 'Primary c-0, 2 replicas'),
        cond('Available', 'True'),
        cond('Progressing', 'False'),
        cond('Degraded', 'False'),
      ],
    }),
    'Healthy',
    /Primary c-0, 2 replicas/,
  ],
  [
    'Ready but stale generation',
    cluster(3, { observedGeneration: 2, conditions: [cond('Ready', 'True')] }),
    'Progressing',
    /observe generation 3/,
  ],
  [
    'Progressing (scaling)',
    cluster(2, {
      observedGeneration: 2,
      conditions: [cond('Ready', 'False'), cond('Available', 'True'), cond('Progressing', 'True', 'Scaling 3 -> 5')],
    }),
    'Progressing',
    /Scaling 3 -> 5/,
  ],
  [
    'Degraded wins over Ready',
    cluster(2, {
      observedGeneration: 2,
      conditions: [cond('Ready', 'True'), cond('Degraded', 'True', 'c-2 has errant transactions')],
    }),
    'Degraded',
    /errant transactions/,
  ],
  [
    'no primary at all',
    cluster(2, {
      observedGeneration: 2,
      conditions: [cond('Ready', 'False', 'No quorum'), cond('Available', 'False')],
    }),
    'Degraded',
    /No quorum/,
  ],
  [
    'Ready False but still Available',
    cluster(2, {
      observedGeneration: 2,
      conditions: [cond('Ready', 'False', 'c-1 not ready'), cond('Available', 'True')],
    }),
    'Progressing',
    /c-1 not ready/,
  ],
  [
    'status without observedGeneration',
    cluster(1, { conditions: [cond('Ready', 'True')] }),
    'Progressing',
    /observe generation 1/,
  ],
];

for (const [name, obj, status, message] of cases) {
  t.test(name, async (t) => {
    const hs = health(obj);
    t.equal(hs.status, status);
    t.match(hs.message, message);
  });
}

t.test('argocd-cm.yaml carries exactly health.lua', async (t) => {
  const cm = parse(readFileSync(join(root, 'kustomize', 'components', 'argocd', 'argocd-cm.yaml'), 'utf8')) as {
    metadata: { name: string; namespace: string };
    data: Record<string, string>;
  };
  t.same(cm.metadata, { name: 'argocd-cm', namespace: 'argocd' });
  t.equal(cm.data['resource.customizations.health.apps.ryansu.com_MysqlCluster'], script);
});
