// @kubernetes/client-node 2.x pulls in undici 8, which declares Node >= 22.19 and at load time reads two
// APIs Node 20 lacks (zlib.createZstdDecompress, worker_threads.markAsUncloneable,
// Promise.withResolvers). Importing this
// module FIRST lets the suite run on this machine's Node 20: zstd responses are never requested from
// our servers, and markAsUncloneable only guards structured cloning of undici's own objects.
import zlib from 'node:zlib';
import workerThreads from 'node:worker_threads';

const z = zlib as unknown as Record<string, unknown>;
if (typeof z['createZstdDecompress'] !== 'function') {
  z['createZstdDecompress'] = () => {
    throw new Error('zstd decompression needs Node >= 22.15');
  };
}
const w = workerThreads as unknown as Record<string, unknown>;
if (typeof w['markAsUncloneable'] !== 'function') w['markAsUncloneable'] = () => {};

// undici's fetch uses Promise.withResolvers (Node 22).
const P = Promise as unknown as Record<string, unknown>;
if (typeof P['withResolvers'] !== 'function') {
  P['withResolvers'] = function withResolvers<T>() {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
