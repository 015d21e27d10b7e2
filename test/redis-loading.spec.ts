import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { HandlerRegistry, QueueClient, Worker } from '../src/index.js';
import { startRedisServer, type RedisServer } from '../scripts/redis-server.mjs';
import { sleep, uniquePrefix } from './helpers.js';

// A client that connects while Redis loads its data gets LOADING and, in ioredis, waits Redis's own estimate of the
// load (up to 10 s) before asking again. The estimate is often seconds off: in the chaos runs a worker came back
// seconds after Redis did, past its lease, and its jobs ran again elsewhere. A worker asks again within a tenth of
// its lease.
describe('a worker connecting while Redis loads its data', () => {
  let dir: string;
  let server: RedisServer | undefined;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jobline-loading-'));
    server = await startRedisServer({ dir, appendonly: true });
    const fill = new Redis(server.url);
    for (let i = 0; i < 40; i++) {
      const pairs: string[] = [];
      for (let j = 0; j < 1000; j++) pairs.push(`k${i}:${j}`, 'v');
      await fill.mset(...pairs);
    }
    // a base file, then commands appended after it: how a long-running server's append-only files look
    await fill.bgrewriteaof();
    while ((await fill.info('persistence')).includes('aof_rewrite_in_progress:1') || (await fill.info('persistence')).includes('aof_rewrite_scheduled:1')) await sleep(50);
    for (let i = 0; i < 2000; i++) await fill.set(`tail${i}`, 'x'.repeat(100));
    fill.disconnect();
    await server.shutdown();
  });

  afterAll(async () => {
    for (const close of closers.splice(0)) await close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is ready within a tenth of its lease (and some slack) after Redis has loaded, not after its load estimate', async () => {
    const start = Date.now();
    // each key takes 40 µs to load, and Redis answers (LOADING) between keys: a load of seconds
    server = await startRedisServer({ port: server!.port, dir, appendonly: true, args: ['--key-load-delay', '40', '--loading-process-events-interval-bytes', '1024'] });
    // asks every 20 ms: its ready time is when the load ended
    const probe = new Redis(server.url, { maxLoadingRetryTime: 20 });
    closers.push(async () => probe.disconnect());
    const registry = new HandlerRegistry();
    const client = new QueueClient({ connection: server.url, prefix: uniquePrefix('loading'), registry });
    closers.push(() => client.close());
    const worker = new Worker(client, registry, { queues: ['q'], leaseTime: '1s' });
    closers.push(() => worker.close());
    const [loaded, ready] = await Promise.all([probe.ping().then(() => Date.now()), client.ping().then(() => Date.now())]);
    // the load lasted long enough for the worker's connection to meet it
    expect(loaded - start).toBeGreaterThan(1000);
    // 100 ms is the worker's limit; without it the waits were 1-2 s here
    expect(ready - loaded).toBeLessThan(600);
  }, 60_000);
});
