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
});
