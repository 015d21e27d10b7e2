import { QueueClient, RedisUnavailableError } from '../src/index.js';
import { freePort, startRedisServer, type PrivateRedisServer } from '../scripts/redis-server.mjs';
import { ChildWorker } from './child.js';
import { sleep, uniquePrefix } from './helpers.js';

// Redis is down when the worker application starts, stays down for many times its connection's retry window, then
// comes back: the worker must neither crash nor need a restart, and a producer must fail fast meanwhile.
describe('Redis down', () => {
  let server: PrivateRedisServer | undefined;
  let child: ChildWorker | undefined;
  const clients: QueueClient[] = [];

  afterEach(async () => {
    child?.kill('SIGKILL');
    await child?.exited;
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await server?.stop();
    server = undefined;
  });

  it('a worker app started while Redis is down logs it, survives, and runs jobs once Redis is back; enqueue fails fast meanwhile', async () => {
    const port = await freePort();
    const prefix = uniquePrefix('down');
    const url = `redis://127.0.0.1:${port}`;
    child = new ChildWorker({ PREFIX: prefix, PORT: String(port) }, 'test/fixtures/redis-down-app.mjs');
    await child.waitFor(/^ready$/, 30_000);
    // bootstrap says clearly that Redis is unreachable, where, and what happens meanwhile
    const [logged] = await child.waitFor(/^error: Redis at (\S+) is unreachable .*Workers wait for it and resume/, 30_000);
    expect(logged).toContain(url);

    // a producer (ioredis defaults: it would hold the command through its whole retry window) fails within enqueueTimeout
    const producer = new QueueClient({ connection: url, prefix, enqueueTimeout: '500ms' });
    clients.push(producer);
    const started = Date.now();
    const err = (await producer.enqueue('ping').catch((e: unknown) => e)) as RedisUnavailableError;
    const waited = Date.now() - started;
    expect(err).toBeInstanceOf(RedisUnavailableError);
    expect(err.address).toBe(url);
    expect(err.message).toMatch(new RegExp(`Redis at ${url} did not answer within 0.5s .*nothing was stored`));
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(10_000);
    await expect(producer.enqueueMany([{ name: 'ping' }])).rejects.toBeInstanceOf(RedisUnavailableError);

    // the outage lasts many retry windows of the worker's connection (each command gives up after ~0.2 s)
    await sleep(3000);
    expect(child.proc.exitCode).toBeNull();

    server = await startRedisServer({ port });
    await child.waitFor(/^log: Redis at \S+ answers again/, 30_000);
    await producer.ping(); // the producer's own connection is back too
    const job = await producer.enqueue('ping');
    expect(await job.result({ timeout: '30s' })).toBe('pong');
    expect(child.proc.exitCode).toBeNull();

    // a graceful stop still works (Nest re-raises the signal once the app is closed)
    child.kill('SIGTERM');
    const exit = await child.exited;
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
  }, 120_000);
});
