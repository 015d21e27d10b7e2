import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HandlerRegistry, QueueClient, Worker, type JobContext, type JobHandle, type Logger } from '../src/index.js';
import { startRedisServer, type RedisServer } from '../scripts/redis-server.mjs';
import { sleep } from './helpers.js';

// Issue 10: Redis stopped with SHUTDOWN under load applies some commands whose replies never leave it; ioredis sends
// those again after reconnecting. A work.lua fetch applied twice handed its worker a batch it never heard of, and the
// worker's lease, renewed for its other jobs, kept that batch `started` for good.
const QUEUE = 'stranded';
const WORKERS = 3;
const RESTARTS = 12;
const LEASE = '2s';

describe('Redis stopped (SHUTDOWN) and restarted under load, 12 times', () => {
  let dir: string;
  let server: RedisServer;
  const clients: QueueClient[] = [];
  const workers: Worker[] = [];
  const logged: string[] = [];
  const logger: Logger = { log: () => undefined, warn: (m) => logged.push(m), error: (m) => logged.push(m) };
  // ends the keeper jobs (set by the test), so the workers close at once even when the test failed
  let releaseKeepers: () => void = () => undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jobline-stranded-'));
    server = await startRedisServer({ dir, appendonly: true, appendfsync: 'always' });
  });

  afterAll(async () => {
    releaseKeepers();
    await Promise.all(workers.map((w) => w.close()));
    await Promise.all(clients.map((c) => c.close()));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves no job started that no handler runs, runs every job to the end, and never runs one attempt twice', async () => {
    // which jobs a handler runs right now, and the attempts each job's handler ran
    const running = new Set<string>();
    const runs = new Map<string, number[]>();
    let released = false;
    const release: (() => void)[] = [];
    releaseKeepers = () => {
      released = true;
      for (const r of release.splice(0)) r();
    };
    const registry = new HandlerRegistry();
    const started = (ctx: JobContext) => {
      running.add(ctx.id);
      runs.set(ctx.id, [...(runs.get(ctx.id) ?? []), ctx.attempt]);
    };
    registry.register({
      name: 'step',
      source: 'stranded.step',
      defaults: {},
      handle: async (data, ctx) => {
        started(ctx);
        await sleep((data as { ms: number }).ms);
        running.delete(ctx.id);
      },
    });
    // holds a worker busy until the end, so its lease is renewed all along (as a worker under steady load is)
    registry.register({
      name: 'keeper',
      source: 'stranded.keeper',
      defaults: {},
      handle: (_data, ctx) =>
        new Promise<void>((resolve) => {
          started(ctx);
          const done = () => {
            running.delete(ctx.id);
            resolve();
          };
          if (released) done();
          else release.push(done);
        }),
    });
    const client = (): QueueClient => {
      const c = new QueueClient({ connection: server.url, prefix: 'st', defaultQueue: QUEUE, registry, logger });
      clients.push(c);
      return c;
    };
    const producer = client();
    for (let i = 0; i < WORKERS; i++) {
      const w = new Worker(client(), registry, { queues: [QUEUE], concurrency: 8, leaseTime: LEASE, shutdownTimeout: '1s' });
      workers.push(w);
      w.start();
    }
    // a keeper in every worker: any worker may take a keeper, so more are enqueued until each worker runs one
    const keepers: JobHandle[] = [];
    for (let tries = 0; new Set(await Promise.all(keepers.map(async (k) => (await k.info()).workerId))).size < WORKERS; tries++) {
      if (tries > 30) throw new Error('could not get a keeper job into every worker');
      const k = await producer.enqueue('keeper');
      keepers.push(k);
      while ((await k.getStatus()) !== 'started') await sleep(10);
    }

    let producing = true;
    const enqueued: JobHandle[] = [];
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const produce = (async () => {
      while (producing) {
        const batch = Array.from({ length: 20 }, () => ({ name: 'step', data: { ms: 1 + Math.floor(random() * 5) } }));
        enqueued.push(...(await producer.enqueueMany(batch)));
        await sleep(5);
      }
    })();

    let port = server.port;
    for (let i = 0; i < RESTARTS; i++) {
      await sleep(150 + random() * 250);
      await server.shutdown();
      server = await startRedisServer({ port, dir, appendonly: true, appendfsync: 'always' });
      port = server.port;
    }
    producing = false;
    await produce;

    // every job enqueued has run or runs now; what is `started` beyond that is held by no handler (a few renewals
    // are given to the workers to notice)
    const stranded = async (): Promise<string[]> => (await producer.getJobIds(QUEUE, 'started')).filter((id) => !running.has(id));
    let left = await stranded();
    for (let i = 0; i < 150 && (left.length > 0 || (await producer.countJobs(QUEUE)).queued > 0); i++) {
      await sleep(100);
      left = await stranded();
    }
    const detail = await Promise.all(
      left.map(async (id) => {
        const info = await (await producer.getJob(id, QUEUE))!.info();
        return { id, worker: info.workerId, attempts: info.attempts, handlerRuns: runs.get(id) ?? [] };
      }),
    );
    expect(detail).toEqual([]);

    releaseKeepers();
    for (let i = 0; i < 100; i++) {
      const c = await producer.countJobs(QUEUE);
      if (c.queued + c.started === 0) break;
      await sleep(100);
    }
    const statuses = await Promise.all([...keepers, ...enqueued].map((h) => h.getStatus()));
    expect(statuses.filter((s) => s !== 'finished')).toEqual([]);
    const counts = await producer.countJobs(QUEUE);
    expect(counts).toMatchObject({ queued: 0, started: 0, deferred: 0, failed: 0, finished: keepers.length + enqueued.length });
    expect(runs.size).toBe(keepers.length + enqueued.length);
    // A job put back runs the attempt it was fetched for, which no handler ran. An attempt run twice would be a job
    // put back while its worker ran it. (A job may run again on a later attempt: a client that reconnects while Redis
    // loads its file waits as long as Redis estimates the load takes, up to 10 s by default, which can outlast a lease.)
    expect([...runs].filter(([, attempts]) => new Set(attempts).size !== attempts.length)).toEqual([]);
  }, 120_000);
});
