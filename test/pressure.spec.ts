import { Redis } from 'ioredis';
import { startRedisServer, type PrivateRedisServer } from '../scripts/redis-server.mjs';
import { HandlerRegistry, QueueClient, RedisOutOfMemoryError, Worker, type Logger } from '../src/index.js';
import { uniquePrefix } from './helpers.js';

// Each test here changes its server's memory settings or stalls it: a private redis-server, not the shared one.
let server: PrivateRedisServer;
let raw: Redis;
beforeAll(async () => {
  server = await startRedisServer({ args: ['--enable-debug-command', 'yes'] });
  raw = new Redis(server.url);
}, 30_000);
afterAll(async () => {
  raw.disconnect();
  await server.stop();
});
afterEach(async () => {
  await raw.config('SET', 'maxmemory', '0');
  await raw.config('SET', 'maxmemory-policy', 'noeviction');
});

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, log: () => undefined, warn: (m) => warnings.push(m), error: () => undefined };
}

function setup(label: string, logger: Logger = recordingLogger()) {
  const runs = new Map<string, number>();
  const registry = new HandlerRegistry();
  registry.register({
    name: 'work',
    source: 'pressure.work',
    defaults: {},
    handle: (data, ctx) => (runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1), `done ${(data as { i: number }).i}`),
  });
  const prefix = uniquePrefix(label);
  const client = new QueueClient({ connection: server.url, prefix, registry, logger });
  return { client, registry, runs, prefix };
}

/** Every key under the prefix with its DUMP: equal snapshots mean nothing was written. */
async function snapshot(prefix: string): Promise<Map<string, string>> {
  const keys = (await raw.keys(`${prefix}:*`)).sort();
  const out = new Map<string, string>();
  for (const k of keys) out.set(k, ((await raw.dumpBuffer(k)) ?? Buffer.alloc(0)).toString('base64'));
  return out;
}

async function fillToMaxmemory(): Promise<void> {
  const used = Number(/used_memory:(\d+)/.exec(await raw.info('memory'))![1]);
  await raw.config('SET', 'maxmemory-policy', 'noeviction');
  await raw.config('SET', 'maxmemory', String(used - 200_000));
}

describe('Redis under pressure', () => {
  it('at maxmemory (noeviction) an enqueue fails with RedisOutOfMemoryError and writes nothing; workers finish the queued jobs', async () => {
    const { client, registry, runs, prefix } = setup('oom');
    const queued = await client.enqueueMany(Array.from({ length: 600 }, (_, i) => ({ name: 'work', data: { i } })));
    await fillToMaxmemory();
    const before = await snapshot(prefix);
    const refused = [
      client.enqueue('work', { i: -1, pad: 'x'.repeat(1000) }),
      client.enqueue('work', { i: -2 }, { jobId: 'chosen-id', dependsOn: queued[0]! }),
      client.enqueueMany(Array.from({ length: 700 }, (_, i) => ({ name: 'work', data: { i: 1000 + i } }))),
      client.enqueue('work', { i: -3 }, { queue: 'a-new-queue' }),
    ];
    for (const p of refused) {
      const err = await p.then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(RedisOutOfMemoryError);
      expect((err as Error).message).toMatch(/maxmemory.*noeviction[\s\S]*Raise maxmemory/);
    }
    expect(await snapshot(prefix)).toEqual(before);
    // workers record outcomes, renew leases and answer result() while Redis refuses new jobs
    const worker = new Worker(client, registry, { queues: ['default'], concurrency: 20, leaseTime: '1s' });
    worker.start();
    try {
      const results = await Promise.all(queued.map((h) => h.result({ timeout: '60s' })));
      expect(results).toEqual(queued.map((_, i) => `done ${i}`));
      expect((await client.countJobs('default')).finished).toBe(600);
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
      expect(runs.size).toBe(600);
    } finally {
      await worker.close();
      await client.close();
    }
  }, 120_000);

  it('a multi-chunk enqueueMany refused part-way says how many of its jobs were stored, and those are whole chunks', async () => {
    // how much fits depends on the server's overhead and on the chunks waiting in its query buffer: try a few limits
    let partial: RedisOutOfMemoryError | null = null;
    for (const room of [1_500_000, 2_000_000, 2_500_000, 3_000_000, 4_000_000]) {
      await raw.config('SET', 'maxmemory', '0');
      const { client } = setup('oom-chunks');
      try {
        await client.enqueue('work', { i: 0 }); // the queue is known: enqueueMany sends only its chunks
        const used = Number(/used_memory:(\d+)/.exec(await raw.info('memory'))![1]);
        await raw.config('SET', 'maxmemory', String(used + room));
        const err = await client
          .enqueueMany(Array.from({ length: 2000 }, (_, i) => ({ name: 'work', data: { i, pad: 'y'.repeat(500) } })))
          .then(() => null, (e: unknown) => e);
        if (err === null) continue;
        expect(err).toBeInstanceOf(RedisOutOfMemoryError);
        const oom = err as RedisOutOfMemoryError;
        expect(oom.total).toBe(2000);
        const stored = (await client.countJobs('default')).queued - 1;
        expect(oom.stored).toBe(stored);
        expect(stored % 250).toBe(0);
        if (stored > 0) {
          expect(oom.message).toContain(`${stored} of the 2000 jobs of this call were stored`);
          partial = oom;
          break;
        }
      } finally {
        await client.close();
      }
    }
    expect(partial).not.toBeNull();
  }, 60_000);

  it('an eviction policy other than noeviction is warned about once, with the first script; noeviction is not', async () => {
    await raw.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const logger = recordingLogger();
    const { client } = setup('evict', logger);
    for (let i = 0; i < 5; i++) await client.enqueue('work', { i });
    await client.countJobs('default');
    for (let i = 0; i < 100 && logger.warnings.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(/maxmemory-policy is allkeys-lru.*noeviction/);
    await client.close();
    await raw.config('SET', 'maxmemory-policy', 'noeviction');
    const quiet = recordingLogger();
    const other = setup('noevict', quiet);
    const h = await other.client.enqueue('work', { i: 1 });
    await raw.ping(); // INFO memory was asked before this answer (one connection per client, in order)
    await other.client.getJob(h.id);
    expect(quiet.warnings).toEqual([]);
    await other.client.close();
  }, 30_000);

  it('a Redis that answers slowly (DEBUG SLEEP) delays the jobs but loses and repeats none', async () => {
    const { client, registry, runs } = setup('slow');
    const hs = await client.enqueueMany(Array.from({ length: 400 }, (_, i) => ({ name: 'work', data: { i } })));
    const worker = new Worker(client, registry, { queues: ['default'], concurrency: 8, leaseTime: '3s' });
    worker.start();
    const sleeper = new Redis(server.url);
    try {
      for (let i = 0; i < 4; i++) await sleeper.call('DEBUG', 'SLEEP', '0.7');
      const results = await Promise.all(hs.map((h) => h.result({ timeout: '60s' })));
      expect(results).toEqual(hs.map((_, i) => `done ${i}`));
      expect(runs.size).toBe(400);
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
      expect((await client.countJobs('default')).finished).toBe(400);
    } finally {
      sleeper.disconnect();
      await worker.close();
      await client.close();
    }
  }, 120_000);
});
