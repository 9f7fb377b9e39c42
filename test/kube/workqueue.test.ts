import t from 'tap';
import { WorkQueue } from '../../src/kube/workqueue.ts';
import { ControllerRateLimiter } from '../../src/kube/rate-limiter.ts';
import { FakeClock, flushMicrotasks } from '../support/fake-clock.ts';

t.test('a key added many times is queued once', async (t) => {
  const q = new WorkQueue(new FakeClock());
  q.add('a');
  q.add('a');
  q.add('b');
  q.add('a');
  t.equal(q.length, 2);
  t.equal(await q.get(), 'a');
  t.equal(await q.get(), 'b');
});

t.test('a key being processed is not handed out again until done, and an add meanwhile is kept', async (t) => {
  const q = new WorkQueue(new FakeClock());
  q.add('a');
  const k = await q.get();
  q.add('a');
  t.equal(q.length, 0, 'not queued while processing');
  let second: string | undefined;
  void q.get().then((x) => (second = x));
  await flushMicrotasks();
  t.equal(second, undefined, 'no second worker gets it');
  q.done(k!);
  await flushMicrotasks();
  t.equal(second, 'a', 'queued again after done because it was added meanwhile');
});

t.test('addAfter fires at the delay and the earlier of two delays wins', async (t) => {
  const clock = new FakeClock();
  const q = new WorkQueue(clock);
  q.addAfter('a', 1000);
  q.addAfter('a', 5000);
  await clock.advance(999);
  t.equal(q.length, 0);
  await clock.advance(1);
  t.equal(q.length, 1);
  await clock.advance(10_000);
  t.equal(q.length, 1, 'the later delay was dropped, not queued again');
});

t.test('rate-limited retries back off exponentially per key up to the cap, and forget resets', async (t) => {
  const clock = new FakeClock();
  const rl = new ControllerRateLimiter(clock, { baseDelayMs: 10, maxDelayMs: 100, qps: 1000, burst: 1000 });
  t.same([rl.when('x'), rl.when('x'), rl.when('x'), rl.when('x'), rl.when('x')], [10, 20, 40, 80, 100]);
  t.equal(rl.when('y'), 10, 'another key has its own backoff');
  rl.forget('x');
  t.equal(rl.when('x'), 10);
});

t.test('the token bucket caps the overall retry rate when many keys fail at once', async (t) => {
  const clock = new FakeClock();
  const rl = new ControllerRateLimiter(clock, { baseDelayMs: 1, maxDelayMs: 1, qps: 10, burst: 2 });
  const delays = Array.from({ length: 5 }, (_, i) => rl.when(`k${i}`));
  t.same(delays, [1, 1, 100, 200, 300]);
});

t.test('shutdown wakes waiting workers with undefined and drops delayed keys', async (t) => {
  const clock = new FakeClock();
  const q = new WorkQueue(clock);
  q.addAfter('a', 100);
  const waiting = q.get();
  q.shutdown();
  t.equal(await waiting, undefined);
  t.equal(clock.timers, 0);
  q.add('b');
  t.equal(await q.get(), undefined, 'adds after shutdown are ignored');
});
