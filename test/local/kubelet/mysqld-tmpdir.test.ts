// Each local pod's mysqld gets a tmpdir of its own (src/local/kubelet/mysqld.ts): the pod's /tmp volume,
// or a directory in the pod's run dir. Shared, a starting mariadbd deletes every `#sql*` file in it,
// the temporary tables of the other pods' running queries included.
import t from 'tap';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mysqldLaunch, type MysqldInput } from '../../../src/local/kubelet/mysqld.ts';

t.test('the tmpdir is the pod /tmp volume, else the pod run dir; never shared', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'mro-tmpdir-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const pod = (name: string, tmpVolume: boolean): MysqldInput => {
    const podDir = join(root, name);
    const data = join(podDir, 'volumes', 'data');
    mkdirSync(join(data, 'mysql'), { recursive: true }); // an initialised data dir: no first boot
    const mounts = new Map([['/var/lib/mysql', data]]);
    if (tmpVolume) mounts.set('/tmp', join(podDir, 'volumes', 'tmp'));
    return {
      container: { name: 'mysql', args: [] },
      env: {},
      mounts,
      podDir,
      podIP: '127.0.0.1',
      cacheDir: join(root, 'cache'),
      serverBinary: '/usr/sbin/mariadbd',
      substituted: false,
    };
  };
  const tmpdirOf = async (i: MysqldInput) => {
    const args = (await mysqldLaunch(i).prepare!()) as string[];
    const flags = args.filter((a) => a.startsWith('--tmpdir='));
    t.equal(flags.length, 1, `${i.podDir}: one --tmpdir`);
    return flags[0]!.slice('--tmpdir='.length);
  };
  const a = await tmpdirOf(pod('a', true));
  t.equal(a, join(root, 'a', 'volumes', 'tmp'), 'the pod /tmp volume');
  const b = await tmpdirOf(pod('b', false));
  t.equal(b, join(root, 'b', 'run', 'tmp'), 'no /tmp volume: the pod run dir');
  const c = await tmpdirOf(pod('c', true));
  t.not(c, a, 'two pods never share one');
  for (const d of [a, b, c]) t.ok(existsSync(d), `${d} exists before mysqld starts`);
});
