import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { HandlerRegistry, QueueClient, Worker, type EventFollower, type Logger } from '../src/index.js';
import { startRedisServer, type RedisServer } from '../scripts/redis-server.mjs';
import { deferred, poll, uniquePrefix } from './helpers.js';

// A shutdown hang seen once in the chaos run: SIGTERM right after a Redis restart, and no worker closed. A blocking
// read (BLPOP, BLMOVE, XREAD) in flight when Redis went away is kept by ioredis for a resend once the connection is
// ready again; a connection disconnected before then never settles it (nor anything queued offline), so a close()
// that awaited the loop around that read waited for good. Here Redis is down while the worker closes: every one of
// those reads is in flight when it dies.
const QUEUE = 'outage';

/** `p`, or a failure naming `what` after `ms` (what hung is the defect this file is about). */
function within<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms / 1000} s`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

describe('a worker closed while its Redis is down and then restarted', () => {
  let dir: string;
  let server: RedisServer;
  const clients: QueueClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jobline-close-outage-'));
    // every write on disk before its reply: what the worker recorded before the kill is there after the restart
    server = await startRedisServer({ dir, appendonly: true, appendfsync: 'always' });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('closes once Redis is back, with its blocking reads cut off mid-outage, and records or releases every job', async () => {
    const prefix = uniquePrefix('close-outage');
    const quiet: string[] = [];
    const logger: Logger = { log: () => undefined, warn: (m) => quiet.push(m), error: (m) => quiet.push(m) };
    const registry = new HandlerRegistry();
    const finish = new Map<string, () => void>();
    const aborted = deferred<string>();
    const started = new Set<string>();
    registry.register({
      name: 'hold',
      source: 'close-outage.hold',
      defaults: {},
      handle: (_data, ctx) =>
        new Promise((resolve, reject) => {
          started.add(ctx.id);
          finish.set(ctx.id, () => resolve(`done ${ctx.id}`));
          ctx.signal.addEventListener('abort', () => {
            aborted.resolve(ctx.id);
            reject(ctx.signal.reason as Error);
          });
        }),
    });
    const client = new QueueClient({ connection: server.url, prefix, registry, logger });
    clients.push(client);
    // a follower of the queue's events: its XREAD blocks on a connection of its own
    const follower: EventFollower = await client.followEvents([QUEUE], () => undefined);
    // blockTime long enough that the worker's BLPOP and BLMOVE are always in flight while it waits
    const worker = new Worker(client, registry, { queues: [QUEUE], concurrency: 3, leaseTime: '3s', blockTime: '60s', shutdownTimeout: '1s' });
    worker.start();
    const kept = await client.enqueue('hold', {}, { queue: QUEUE });
    const ended = await client.enqueue('hold', {}, { queue: QUEUE });
    const raw = new Redis(server.url);
    try {
      await poll(async () => started.size, (n) => n === 2);
      // the worker waits for more work (a free slot) and for inbox entries, and the follower for events
      await poll(
        async () => (await raw.client('LIST')) as string,
        (list) => ['blpop', 'blmove', 'xread'].every((cmd) => list.includes(`cmd=${cmd}`)),
      );
    } finally {
      raw.disconnect();
    }

    await server.kill();
    // a job that ends during the outage: its outcome waits for Redis
    finish.get(ended.id)!();
    const closing = worker.close();
    const followerClosed = follower.close();
    // the worker stopped fetching and its shutdownTimeout ran out (it aborts the job it still runs): by then it has
    // cut off its blocking connections, all while Redis was down
    expect(await within('the worker to stop fetching and abort its running job, Redis down', 20_000, aborted.promise)).toBe(kept.id);
    await within('the event follower to close, Redis down', 10_000, followerClosed);

    server = await startRedisServer({ port: server.port, dir, appendonly: true, appendfsync: 'always' });
    await within('the worker to close once Redis is back', 20_000, closing);

    // nothing lost: the job that ended is finished with its result, the one cut short is back in its queue, not counted
    // as an attempt, and the worker holds nothing
    expect(await ended.result({ timeout: '10s' })).toBe(`done ${ended.id}`);
    const info = await kept.info();
    expect({ status: info.status, attempts: info.attempts }).toEqual({ status: 'queued', attempts: 0 });
    expect(await client.countJobs(QUEUE)).toMatchObject({ queued: 1, started: 0, finished: 1 });
  }, 90_000);
});
