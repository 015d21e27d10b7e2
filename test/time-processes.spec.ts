import { HandlerRegistry, QueueClient, Worker, type JobContext } from '../src/index.js';
import { startRedisServer, type RedisServer } from '../scripts/redis-server.mjs';
import { ChildWorker } from './child.js';
import { engine } from './engine.js';
import { sleep, testConnection, uniquePrefix, until } from './helpers.js';


// Time across processes (issue 12): schedules with several consumer processes, a worker killed while its job waits
// a backoff, and a Redis restart while a schedule is registered.
describe('time across processes', () => {
  const children: ChildWorker[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.kill('SIGKILL');
      await c.exited;
    }
  });

  it('two consumer processes with one @Job schedule: each tick runs exactly once', async () => {
    const prefix = uniquePrefix('t-two');
    const a = new ChildWorker({ PREFIX: prefix, EVERY: '300ms' }, 'test/fixtures/schedule-app.mjs');
    const b = new ChildWorker({ PREFIX: prefix, EVERY: '300ms' }, 'test/fixtures/schedule-app.mjs');
    children.push(a, b);
    await Promise.all([a.waitFor(/^ready$/, 30_000), b.waitFor(/^ready$/, 30_000)]);
    const runs = () => [...a.printed(/^ran (\S+) (\S+)$/), ...b.printed(/^ran (\S+) (\S+)$/)];
    await until('10 runs across both processes', () => runs().length >= 10);
    const ids = runs().map((m) => m[1]!);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^sched\.beat\.\d+$/.test(id))).toBe(true);
    expect(runs().every((m) => m[2] === 'schedule')).toBe(true);
    // ticks on one grid: both processes registered one rule (the second registration kept the first's next tick)
    const ticks = ids.map((id) => Number(id.split('.').pop())).sort((x, y) => x - y);
    for (const t of ticks) expect((t - ticks[0]!) % 300).toBe(0);
    const client = new QueueClient({ connection: testConnection(), prefix });
    try {
      const [s] = await client.getSchedules();
      expect(s).toMatchObject({ id: 'beat', name: 'beat', queue: 'default', rule: { every: '300ms' } });
    } finally {
      await client.close();
    }
  });

  it('a worker killed with SIGKILL while its job waits a backoff: the job still runs, once', async () => {
    const runs: number[] = [];
    const e = engine('t-backoff', { flaky: (_d: unknown, ctx: JobContext) => (runs.push(ctx.attempt), `ran on attempt ${ctx.attempt}`) });
    const h = await e.client.enqueue('flaky', null, { retry: { max: 1, backoff: '1500ms' } });
    const child = new ChildWorker({ PREFIX: e.prefix, LEASE: '1s' });
    children.push(child);
    await child.waitFor(/^failed \S+ 1$/);
    await until('the job to wait its backoff', async () => (await h.getStatus()) === 'scheduled');
    child.kill('SIGKILL');
    await child.exited;
    e.worker({ leaseTime: '1s' });
    expect(await h.result({ timeout: '20s' })).toBe('ran on attempt 2');
    expect(runs).toEqual([2]);
    expect(child.printed(/^ran /)).toEqual([]);
    const info = await h.info();
    expect(info).toMatchObject({ status: 'finished', attempts: 2, retries: 1 });
    expect(info.startedAt!.getTime()).toBeGreaterThanOrEqual(info.scheduledFor!.getTime());
  });

  it('a retried job whose worker dies on its next run: `attempts` counts only the runs cut short', async () => {
    const e = engine('t-attempts', { flakyHang: (_d: unknown, ctx: JobContext) => `ran on attempt ${ctx.attempt}` });
    // attempts 2: one run cut short by a dead worker is allowed; the retried failure before it does not count
    const kept = await e.client.enqueue('flakyHang', null, { retry: 1, attempts: 2 });
    const child = new ChildWorker({ PREFIX: e.prefix, LEASE: '1s' });
    children.push(child);
    await child.waitFor(new RegExp(`^started ${kept.id} 2$`));
    child.kill('SIGKILL');
    await child.exited;
    e.worker({ leaseTime: '1s' });
    expect(await kept.result({ timeout: '20s' })).toBe('ran on attempt 3');
    expect(await kept.info()).toMatchObject({ attempts: 3, retries: 1, maxAttempts: 2, maxRetries: 1 });
  });

  it('attempts 1: the first run cut short by a dead worker fails the job as abandoned, even after a retry', async () => {
    const e = engine('t-abandon', { flakyHang: () => 'never' });
    const h = await e.client.enqueue('flakyHang', null, { retry: 1, attempts: 1 });
    const child = new ChildWorker({ PREFIX: e.prefix, LEASE: '1s' });
    children.push(child);
    await child.waitFor(new RegExp(`^started ${h.id} 2$`));
    child.kill('SIGKILL');
    await child.exited;
    e.worker({ leaseTime: '1s' });
    await expect(h.result({ timeout: '20s' })).rejects.toMatchObject({ errorName: 'JobAbandonedError' });
    expect(await h.info()).toMatchObject({ status: 'failed', attempts: 2, retries: 1 });
  });
});

describe('a Redis restart (AOF on) while a schedule is registered', () => {
  let server: RedisServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('doubles no tick, and fires the ticks missed while Redis was down at most once', async () => {
    server = await startRedisServer({ appendonly: true, appendfsync: 'always' });
    const { port, dir } = server;
    const ran: string[] = [];
    const registry = new HandlerRegistry();
    registry.register({ name: 'beat', source: 'test', defaults: {}, handle: (_d, ctx) => void ran.push(ctx.id) });
    const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
    const client = new QueueClient({ connection: server.url, prefix: 'restart', registry, logger: quiet });
    const worker = new Worker(client, registry, { queues: ['default'], leaseTime: '2s' });
    try {
      await client.upsertSchedule('beat', { every: '200ms' }, 'beat');
      worker.start();
      await until('3 runs before the restart', () => ran.length >= 3);
      const downAt = Date.now();
      await server.shutdown();
      await sleep(1_500); // about seven ticks fall due while Redis is down
      server = await startRedisServer({ appendonly: true, appendfsync: 'always', port, dir });
      const upAt = Date.now();
      const before = ran.length;
      await until('3 runs after the restart', () => ran.length >= before + 3, 60_000);
      const ticks = ran.map((id) => Number(id.split('.').pop()));
      expect(new Set(ran).size).toBe(ran.length);
      // a tick that fell due while Redis was down fires once at most (the one stored as next), never one per tick
      expect(ticks.filter((t) => t > downAt + 200 && t < upAt).length).toBeLessThanOrEqual(1);
      const [s] = await client.getSchedules();
      expect(s!.runs).toBeGreaterThanOrEqual(ran.length);
    } finally {
      await worker.close();
      await client.close();
    }
  });
});
