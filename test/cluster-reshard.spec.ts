import { Redis } from 'ioredis';
import { startRedisCluster, type RedisClusterHandle } from '../scripts/redis-cluster.mjs';
import { engineOf } from '../src/core/engine-of.js';
import { scriptKeys } from '../src/core/redis/scripts.js';
import { fetchedJobs } from '../src/core/redis/work-codec.js';
import { HandlerRegistry, QueueClient, Worker, type JobContext, type JobHandle } from '../src/index.js';
import { sleep, uniquePrefix } from './helpers.js';
import { masterOf, queueSlot } from './cluster-util.js';

// Resharding: a queue's slot moves to another master while jobs flow. Redis refuses every script of the queue while
// the slot migrates (the fence key each one declares), so none runs over half-moved job hashes; the engine retries.
describe('Redis Cluster: a queue resharded while jobs flow', () => {
  let cluster: RedisClusterHandle;
  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3 });
  });
  afterAll(() => cluster?.stop());

  /** The master that serves `queue` now, and another one to move it to. */
  async function ends(queue: string) {
    const topology = await cluster.topology();
    const from = masterOf(topology, queueSlot(queue));
    const to = topology.find((n) => n.role === 'master' && n.port !== from.port)!;
    return { slot: queueSlot(queue), from, to };
  }

  it('forks, loses and doubles nothing: every acknowledged job runs exactly once, on the new master', async () => {
    const queue = 'moving';
    const runs = new Map<string, number>();
    const registry = new HandlerRegistry();
    registry.register({ name: 'count', source: 'test', defaults: {}, handle: (_d: unknown, ctx: JobContext) => void runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1) });
    const client = new QueueClient({ connection: { cluster: cluster.nodes }, prefix: uniquePrefix('reshard'), registry });
    const acked: JobHandle[] = [];
    const resubmitted: [JobHandle, JobHandle][] = [];
    try {
      // a backlog, so that the migration has keys to move for a while
      acked.push(...(await client.enqueueMany(Array.from({ length: 400 }, (_, i) => ({ name: 'count', data: i, options: { queue, jobId: `pre-${i}` } })))));
      const worker = new Worker(client, registry, { queues: [queue], concurrency: 20 });
      worker.start();
      let producing = true;
      let inCall = false;
      const producer = (async () => {
        for (let k = 0; producing; k++) {
          inCall = true;
          acked.push(await client.enqueue('count', k, { queue, jobId: `live-${k}` }));
          acked.push(...(await client.enqueueMany([{ name: 'count', data: k, options: { queue } }, { name: 'count', data: k, options: { queue } }])));
          // an id that exists: the same job back, never a second one (nor one on the other node)
          if (k % 5 === 0) resubmitted.push([acked[acked.length - 3]!, await client.enqueue('count', -1, { queue, jobId: `live-${k}` })]);
          inCall = false;
          await sleep(1);
        }
      })();
      const { slot, from, to } = await ends(queue);
      let overlapped = 0;
      await cluster.migrateSlot(slot, to.port, { batchSize: 10, pauseMs: 10, onBatch: () => void (overlapped += inCall ? 1 : 0) });
      expect(overlapped).toBeGreaterThan(0); // enqueues were on their way while keys moved
      await sleep(300);
      producing = false;
      await producer;
      // every acknowledged job ends, once
      for (const h of acked) await h.result({ timeout: '30s' });
      await worker.close();
      const ids = new Set(acked.map((h) => h.id));
      expect(ids.size).toBe(acked.length); // no id came back for two enqueues
      expect([...runs.keys()].sort()).toEqual([...ids].sort());
      expect([...runs.values()].every((c) => c === 1)).toBe(true);
      for (const [first, again] of resubmitted) expect(again.id).toBe(first.id);
      expect((await client.countJobs(queue)).finished).toBe(acked.length);
      // nothing of the queue stayed behind on the old master, and the new one serves it
      const source = new Redis({ host: from.host, port: from.port });
      expect(await source.cluster('COUNTKEYSINSLOT', slot)).toBe(0);
      source.disconnect();
      expect((await cluster.nodeFor(`x:{${queue}}:meta`)).port).toBe(to.port);
    } finally {
      await client.close();
    }
  });

  it('a script that would touch a job hash already moved waits for the migration, then applies whole', async () => {
    const queue = 'halfway';
    const client = new QueueClient({ connection: { cluster: cluster.nodes }, prefix: uniquePrefix('halfway') });
    const engine = engineOf(client);
    const q = engine.queue(queue);
    const worker = 'w-test';
    try {
      const jobs = await client.enqueueMany([0, 1, 2].map((i) => ({ name: 'j', data: i, options: { queue } })));
      const { slot, from, to } = await ends(queue);
      const source = new Redis({ host: from.host, port: from.port });
      // every key work.lua declares exists on the source (harmless entries where the queue has none), so only the
      // fence it also declares, a key that never exists, tells Redis to refuse it: without it, the script would run
      // on the source, pop the queue, then fail on the moved job hash and leave that job's id popped and lost
      await source.zadd(q.ttl, '+inf', 'none');
      await source.zadd(q.deferred, '+inf', 'none');
      // never due (the meta hash has no due time either, so work.lua does not even look at these two)
      await source.zadd(q.scheduled, '+inf', 'none');
      await source.zadd(q.schedules, '+inf', 'none');
      await source.zadd(q.workers, '+inf', 'nobody');
      await source.sadd(q.held(worker), 'none|1');
      await source.rpush(q.outbox, '0|register|elsewhere|none|1||halfway|none');
      await source.set(q.waiting, '1');
      // the rate limit's window (read only when the meta has a limit)
      await source.rpush(q.rate, '0 0');
      for (const r of [q.finished, q.failed, q.canceled, q.expired, q.stopped]) await source.zadd(r, '+inf', 'none');
      const present = await Promise.all(scriptKeys('work').map((k) => (k === 'held' ? source.exists(q.held(worker)) : source.exists((q as unknown as Record<string, string>)[k]!))));
      expect(present).toEqual(scriptKeys('work').map((k) => (k === 'fence' ? 0 : 1)));
      const migration = await cluster.beginSlotMigration(slot, to.port);
      await migration.moveKeys([q.job(jobs[0]!.id)]);
      let settled = false;
      const fetch = engine.run('work', queue, [worker, 30_000, 3, ''], { held: q.held(worker) }).finally(() => (settled = true));
      await sleep(500);
      // refused (TRYAGAIN, retried), not half applied: the queue is untouched on the source
      expect(settled).toBe(false);
      expect(await source.lrange(q.queued, 0, -1)).toEqual(jobs.map((h) => h.id));
      await migration.finish();
      const fetched = fetchedJobs(await fetch, queue, engine.retention.ttls(queue));
      expect(fetched.map((j) => [j.id, j.attempt, j.data])).toEqual(jobs.map((h, i) => [h.id, 1, String(i)]));
      for (const h of jobs) expect(await h.getStatus()).toBe('started');
      source.disconnect();
    } finally {
      await client.close();
    }
  });

  it('a consumer of several queues keeps running the others while one queue\'s slot migrates', async () => {
    const ran: string[] = [];
    const registry = new HandlerRegistry();
    registry.register({ name: 'note', source: 'test', defaults: {}, handle: (d: unknown) => void ran.push(String(d)) });
    const client = new QueueClient({ connection: { cluster: cluster.nodes }, prefix: uniquePrefix('others'), registry });
    const [moving, steady] = ['paused', 'steady'];
    try {
      await client.enqueue('note', 'before', { queue: moving });
      const { slot, to } = await ends(moving!);
      expect(queueSlot(steady!)).not.toBe(slot);
      const migration = await cluster.beginSlotMigration(slot, to.port);
      await migration.moveKeys(1); // some keys moved: every script of that queue is refused until finish()
      // the migrating queue comes first in the worker's order, and its calls wait for the migration
      const worker = new Worker(client, registry, { queues: [moving!, steady!] });
      worker.start();
      const steadyJobs = await Promise.all([1, 2, 3].map((i) => client.enqueue('note', `steady ${i}`, { queue: steady })));
      for (const h of steadyJobs) await h.result({ timeout: '10s' });
      expect(ran.sort()).toEqual(['steady 1', 'steady 2', 'steady 3']);
      await migration.finish();
      for (let i = 0; i < 500 && !ran.includes('before'); i++) await sleep(10);
      expect(ran).toContain('before');
      await worker.close();
    } finally {
      await client.close();
    }
  });

  /** A registry whose 'gate' jobs run until `open(data)` (and say when they started); 'note' jobs just run. */
  function gated() {
    const started = new Set<string>();
    const gates = new Map<string, () => void>();
    const ran: string[] = [];
    const registry = new HandlerRegistry();
    registry.register({
      name: 'gate',
      source: 'test',
      defaults: {},
      handle: (d: unknown) => new Promise<void>((resolve) => (started.add(String(d)), gates.set(String(d), resolve))),
    });
    registry.register({ name: 'note', source: 'test', defaults: {}, handle: (d: unknown) => void ran.push(String(d)) });
    const open = (d: string) => gates.get(d)!();
    const whenStarted = async (...ds: string[]) => {
      for (let i = 0; i < 1000 && !ds.every((d) => started.has(d)); i++) await sleep(10);
      expect([...started].sort()).toEqual([...ds].sort());
    };
    return { registry, open, whenStarted, ran };
  }

  // A worker's loop skips a queue whose call is held up (STALL_MS). It once kept starting rounds that made no call (an
  // outcome of the held-up queue waiting, nothing to fetch): a loop that never yielded, so the other queue's job never
  // ran, and the test process itself hung and ran out of heap.
  it('outcomes waiting for a held-up queue do not stop the worker from running another queue\'s jobs', async () => {
    const { registry, open, whenStarted, ran } = gated();
    const client = new QueueClient({ connection: { cluster: cluster.nodes }, prefix: uniquePrefix('heldup'), registry });
    const [moving, steady] = ['held-up', 'going-on'];
    try {
      const held = await Promise.all(['m1', 'm2'].map((d) => client.enqueue('gate', d, { queue: moving })));
      const { slot, to } = await ends(moving);
      expect(queueSlot(steady)).not.toBe(slot);
      const worker = new Worker(client, registry, { queues: [moving, steady], concurrency: 3 });
      worker.start();
      await whenStarted('m1', 'm2');
      const migration = await cluster.beginSlotMigration(slot, to.port);
      await migration.moveKeys(1); // every script of the moving queue is refused until finish()
      // m1's outcome goes out on its own (the worker waits for work) and is held up; m2's then waits behind it
      open('m1');
      await sleep(600);
      open('m2');
      await sleep(100);
      const other = await client.enqueue('note', 'steady', { queue: steady });
      await other.result({ timeout: '10s' });
      expect(ran).toEqual(['steady']);
      await migration.finish();
      for (const h of held) await h.result({ timeout: '10s' });
      await worker.close();
    } finally {
      await client.close();
    }
  });

  // The loop wakes for a queue's due delayed job; while the queue's calls are held up its rounds skip it, so its due
  // job must neither end every wait at once (a loop of microtasks that would starve the reply it waits for, and every
  // timer) nor be forgotten once the call is answered.
  it('a due delayed job of a held-up queue waits for its call without starving the process', async () => {
    const { registry, open, whenStarted, ran } = gated();
    const client = new QueueClient({ connection: { cluster: cluster.nodes }, prefix: uniquePrefix('heldup-due'), registry });
    const queue = 'held-due';
    try {
      const held = await client.enqueue('gate', 'm1', { queue });
      const delayed = await client.enqueue('note', 'delayed', { queue, delay: '1500ms' });
      const { slot, to } = await ends(queue);
      const worker = new Worker(client, registry, { queues: [queue], concurrency: 2 });
      worker.start();
      await whenStarted('m1');
      const migration = await cluster.beginSlotMigration(slot, to.port);
      await migration.moveKeys(1);
      open('m1'); // its outcome's call is held up until finish(), while the delayed job comes due
      await sleep(2500); // a timer still fires: the process is not stuck in a loop of its own
      expect(ran).toEqual([]);
      await migration.finish();
      await delayed.result({ timeout: '10s' });
      expect(ran).toEqual(['delayed']);
      await held.result({ timeout: '10s' });
      await worker.close();
    } finally {
      await client.close();
    }
  });
});
