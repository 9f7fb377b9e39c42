// Each local pod's processes run in the pod's own cgroup (what lets iptables tell pods apart on loopback).
import t from 'tap';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import {
  cgroup2Root,
  ensurePodCgroup,
  inCgroup,
  podCgroupPath,
  removePodCgroup,
} from '../../../src/local/kubelet/cgroup.ts';

t.test('finds the cgroup v2 mount in a mounts table', async (t) => {
  const dir = t.testdir({
    mounts: 'proc /proc proc rw 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n',
    none: 'proc /proc proc rw 0 0\n',
  });
  t.equal(cgroup2Root(`${dir}/mounts`), '/sys/fs/cgroup/unified');
  t.equal(cgroup2Root(`${dir}/none`), undefined);
  t.equal(cgroup2Root(`${dir}/missing`), undefined);
});

const root = cgroup2Root();
const uid = randomUUID();
const procs = root ? ensurePodCgroup(uid, root) : undefined;
t.test(
  'a program started through inCgroup runs in the pod cgroup with its own pid',
  { skip: procs ? false : 'no writable cgroup v2 hierarchy here (needs root)' },
  async (t) => {
    const cmd = inCgroup(procs!, 'sleep', ['30']);
    const child = spawn(cmd.command, cmd.args, { stdio: 'ignore' });
    t.teardown(() => child.kill('SIGKILL'));
    // The shell writes itself into the cgroup then execs sleep, keeping the pid.
    let line = '';
    for (let i = 0; i < 100 && !line.includes(podCgroupPath(uid)); i++) {
      await new Promise((r) => setTimeout(r, 50));
      line = readFileSync(`/proc/${child.pid}/cgroup`, 'utf8');
    }
    t.match(line, `0::/${podCgroupPath(uid)}`);
    await new Promise((r) => setTimeout(r, 100));
    t.equal(
      readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0')[0],
      'sleep',
      'the pid is the program after exec',
    );
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    for (let i = 0; i < 50 && readFileSync(procs!, 'utf8').trim() !== ''; i++)
      await new Promise((r) => setTimeout(r, 50));
    removePodCgroup(uid, root);
    t.throws(() => readFileSync(procs!), 'the empty cgroup is removed');
  },
);

t.test('a cgroup that cannot be joined does not keep the program from starting', async (t) => {
  const cmd = inCgroup('/nonexistent/cgroup.procs', 'sh', ['-c', 'echo started']);
  const child = spawn(cmd.command, cmd.args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise((r) => child.once('exit', r));
  t.equal(code, 0);
  t.equal(out.trim(), 'started');
});
