// The partition the chaos harness uses: pod A cut from pod B in both directions while a client outside
// any pod still reaches both; heal restores everything; close removes the chain.
import t from 'tap';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  cgroup2Root,
  ensurePodCgroup,
  inCgroup,
  podCgroupPath,
  removePodCgroup,
} from '../../src/local/kubelet/cgroup.ts';
import { IptablesCutter, iptablesUsable } from './iptables.ts';

const connectScript = `
const s = require('net').connect({ host: process.argv[1], port: Number(process.argv[2]) });
s.setTimeout(1500, () => { console.log('timeout'); process.exit(0); });
s.on('connect', () => { console.log('connected'); process.exit(0); });
s.on('error', (e) => { console.log(e.code); process.exit(0); });`;
const serveScript = `require('net').createServer((c) => c.end()).listen(Number(process.argv[2]), process.argv[1]);`;

function runIn(procs: string | undefined, script: string, ip: string, port: number): ChildProcess {
  const args = ['-e', script, ip, String(port)];
  const cmd = procs ? inCgroup(procs, process.execPath, args) : { command: process.execPath, args };
  return spawn(cmd.command, cmd.args, { stdio: ['ignore', 'pipe', 'inherit'] });
}

async function connectFrom(procs: string | undefined, ip: string, port: number): Promise<string> {
  const p = runIn(procs, connectScript, ip, port);
  let out = '';
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => p.once('exit', r));
  return out.trim();
}

const root = cgroup2Root();
const usable = root !== undefined && (await iptablesUsable());
t.test('isolate, heal, close', { skip: usable ? false : 'needs root, iptables and cgroup v2' }, async (t) => {
  const pods = ['a', 'b'].map((n, i) => {
    const uid = randomUUID();
    return {
      n,
      uid,
      procs: ensurePodCgroup(uid, root)!,
      ip: `127.77.${process.pid % 250}.${10 + i}`,
      port: 20000 + (process.pid % 10000) + i,
    };
  });
  const servers = pods.map((p) => runIn(p.procs, serveScript, p.ip, p.port));
  const cut = new IptablesCutter();
  t.teardown(async () => {
    await cut.close();
    servers.forEach((s) => s.kill('SIGKILL'));
    await new Promise((r) => setTimeout(r, 200));
    pods.forEach((p) => removePodCgroup(p.uid, root));
  });
  const [a, b] = pods as [(typeof pods)[0], (typeof pods)[0]];
  for (let i = 0; i < 50 && (await connectFrom(undefined, b.ip, b.port)) !== 'connected'; i++)
    await new Promise((r) => setTimeout(r, 100));
  t.equal(await connectFrom(a.procs, b.ip, b.port), 'connected', 'a reaches b before the cut');

  await cut.isolate({ ip: a.ip, cgroup: podCgroupPath(a.uid) }, [{ ip: b.ip, cgroup: podCgroupPath(b.uid) }]);
  t.equal(await connectFrom(a.procs, b.ip, b.port), 'timeout', 'a -> b dropped');
  t.equal(await connectFrom(b.procs, a.ip, a.port), 'timeout', 'b -> a dropped');
  t.equal(await connectFrom(undefined, a.ip, a.port), 'connected', 'a client still reaches a');
  t.equal(await connectFrom(undefined, b.ip, b.port), 'connected', 'a client still reaches b');

  await cut.heal();
  t.equal(await connectFrom(a.procs, b.ip, b.port), 'connected', 'healed');

  await cut.blackhole(b.ip, b.port);
  t.equal(await connectFrom(undefined, b.ip, b.port), 'timeout', 'blackholed port drops everyone');
  await cut.close();
  t.equal(await connectFrom(undefined, b.ip, b.port), 'connected');
  t.notMatch(execFileSync('iptables', ['-S']).toString(), cut.chain, 'no rule or chain left behind');
});
