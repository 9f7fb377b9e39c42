// mysqld's Unix socket stays in the pod's run directory even when that path is too long for a socket.
import t from 'tap';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mysqldSocket } from '../../../src/local/kubelet/mysqld.ts';

t.test('a short pod directory holds the socket directly', async (t) => {
  t.equal(mysqldSocket('/d/pods/p'), '/d/pods/p/run/mysqld.sock');
});

t.test('a long pod directory is reached through a short link in the temp dir', async (t) => {
  const podDir = join(t.testdir({}), 'pods', `default_mysql-raft-cluster-0_${'0123456789abcdef'.repeat(4)}`);
  const socket = mysqldSocket(podDir);
  t.ok(Buffer.byteLength(socket) <= 100, socket);
  t.equal(realpathSync(dirname(socket)), realpathSync(join(podDir, 'run')), 'the link points at the pod run dir');
  t.equal(mysqldSocket(podDir), socket, 'stable for the same pod');
  t.ok(existsSync(join(podDir, 'run')));
});
