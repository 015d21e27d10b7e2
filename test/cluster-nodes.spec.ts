import { Redis } from 'ioredis';
import type { JobContext } from '../src/index.js';
import { engineOf } from '../src/core/engine-of.js';
import { WakeWait } from '../src/core/worker/wake-wait.js';
import { engine } from './engine.js';
import { deferred, sleep, until } from './helpers.js';
import { queuesOnEachMaster, testCluster } from './cluster-util.js';

// Queues on three different masters: everything that crosses queues crosses nodes here.
describe('Redis Cluster: queues on different nodes', () => {
  const cluster = testCluster();
  let queues: string[];
  beforeAll(async () => {
    queues = queuesOnEachMaster(await cluster.topology(), 'node');
    expect(new Set(queues).size).toBe(3);
  });
  afterAll(() => cluster.close());

  /** A logger that keeps what it is told, to show that nothing went wrong quietly. */
  function recorder() {
    const errors: string[] = [];
    return { errors, logger: { log: () => undefined, warn: () => undefined, error: (m: string) => void errors.push(m) } };
  }

  it('one consumer of three queues on three masters fetches from each with the latency of one Redis, and no CROSSSLOT', async () => {
    const rec = recorder();
    const started: Record<string, number> = {};
    const e = engine('cl-multi', { t: (_d: unknown, ctx: JobContext) => void (started[ctx.id] = Date.now()) }, { logger: rec.logger });
    e.worker({ queues, blockTime: '5s' });
    await sleep(300); // the worker is idle, blocked on its three queues
    const lat: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (const queue of queues) {
        const t = Date.now();
        const h = await e.client.enqueue('t', null, { queue });
        await h.result({ timeout: '5s' });
        lat.push(started[h.id]! - t);
        await sleep(20); // idle again before the next
      }
    }
    // an idle worker is woken by the enqueue at once (a worker that polled or timed out its block would take ~5 s)
    expect(Math.max(...lat)).toBeLessThan(1000);
    expect(rec.errors).toEqual([]);
  });

  // An idle worker on a cluster keeps a BLPOP per queue across waits. One of them may take a token while the worker is
  // between waits, after its fetch of that queue came too early for the new job: the next wait must not block then.
  it('a wake-up token a kept BLPOP takes between waits ends the next wait at once', async () => {
    const e = engine('cl-wake', {});
    const eng = engineOf(e.client);
    await eng.ready();
    const [a, b] = queues as [string, string];
    const blockedOn = async (queue: string): Promise<number> => {
      const node = await cluster.nodeFor(eng.queue(queue).wake);
      const r = new Redis({ host: node.host, port: node.port, lazyConnect: true });
      try {
        await r.connect();
        return Number(/blocked_clients:(\d+)/.exec(await r.info('clients'))![1]);
      } finally {
        r.disconnect();
      }
    };
    const waits = new WakeWait(eng, 'wake-test', [a, b], 5);
    waits.start();
    try {
      const first = waits.wait(a, Infinity, () => false);
      await until('both BLPOPs blocked', async () => (await blockedOn(a)) >= 1 && (await blockedOn(b)) >= 1, 10_000);
      await e.redis.lpush(eng.queue(a).wake, '1');
      await first;
      // between waits: b's BLPOP, still under way, takes b's token
      await e.redis.lpush(eng.queue(b).wake, '1');
      await until("b's token taken", async () => (await e.redis.llen(eng.queue(b).wake)) === 0, 10_000);
      const t = Date.now();
      await waits.wait(a, Infinity, () => false);
      // without the fix this wait blocked for the whole 5 s (blockSec), the job behind b's token waiting with it
      expect(Date.now() - t).toBeLessThan(1000);
    } finally {
      waits.stop();
      await waits.close();
    }
  });

  it('dependencies and chains across nodes, and getJob of any id, work as on one Redis', async () => {
    const e = engine('cl-deps', { add: (d: { a: number; b: number }) => d.a + d.b, double: (n: number) => n * 2, sum: () => 'all done' });
    e.worker({ queues });
    const [a, b, c] = queues as [string, string, string];
    const first = await e.client.enqueue('add', { a: 1, b: 2 }, { queue: a });
    const chained = await first.chain('double', { queue: b });
    const fanIn = await e.client.enqueue('sum', null, { queue: c, dependsOn: [first, chained.id] });
    expect(await chained.result({ timeout: '10s' })).toBe(6);
    expect(await fanIn.result({ timeout: '10s' })).toBe('all done');
    for (const h of [first, chained, fanIn]) expect((await e.client.getJob(h.id))?.queue).toBe(h.queue);
    expect(await e.client.getJob('no-such-job')).toBeNull();
  });

  it('a caller-chosen jobId names one job across queues on different nodes, even when submitted to all at once', async () => {
    const e = engine('cl-ids', { j: (d: number) => d });
    for (let round = 0; round < 10; round++) {
      const id = `same-${round}`;
      const handles = await Promise.all(queues.flatMap((queue) => [0, 1].map((k) => e.client.enqueue('j', k, { queue, jobId: id }))));
      const owners = new Set(handles.map((h) => h.queue));
      expect(owners.size).toBe(1);
      // a job's hash has a name; a fence (job-id-index.ts) in another queue has not
      const stored = await Promise.all(queues.map((q) => e.redis.hexists(`${e.base(q)}job:${id}`, 'n')));
      expect(stored.reduce((n, x) => n + x, 0)).toBe(1);
      expect((await e.client.getJob(id))?.queue).toBe([...owners][0]);
    }
  });

  it('result() and stop() reach queues on every node (sharded channels)', async () => {
    const gate = deferred();
    const aborted: string[] = [];
    const e = engine('cl-pubsub', {
      quick: (n: number) => n + 1,
      long: (_d: unknown, ctx: JobContext) => new Promise((r) => ctx.signal.addEventListener('abort', () => r(aborted.push(ctx.queue)))),
      gate: () => gate.promise,
    });
    e.worker({ queues, concurrency: 10 });
    // waiters on every queue at once, woken by messages (their jobs end long after the waits began)
    const gated = await Promise.all(queues.map((queue) => e.client.enqueue('gate', null, { queue })));
    const waits = gated.map((h) => h.result({ timeout: '10s' }));
    await sleep(200);
    gate.resolve();
    await Promise.all(waits);
    expect(await Promise.all(queues.map(async (queue, i) => (await e.client.enqueue('quick', i, { queue })).result({ timeout: '10s' })))).toEqual([1, 2, 3]);
    const longs = await Promise.all(queues.map((queue) => e.client.enqueue('long', null, { queue })));
    for (let i = 0; i < 200 && (await Promise.all(longs.map((h) => h.getStatus()))).some((s) => s !== 'started'); i++) await sleep(10);
    for (const h of longs) await h.stop();
    // the worker hears each stop on its queue's control channel (the lease renewal, 10 s away, would be too late)
    for (let i = 0; i < 200 && aborted.length < 3; i++) await sleep(10);
    expect(aborted.sort()).toEqual([...queues].sort());
  });
});
