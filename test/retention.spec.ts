import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis, type Cluster } from 'ioredis';
import { startRedisServer } from '../scripts/redis-server.mjs';
import { HandlerRegistry, InvalidOptionError, Job, JobNotFoundError, QueueClient, QueueModule, Worker, type JobOptions, type JobContext, type JobDefaults, type JobHandle, type Logger, type QueueOptions } from '../src/index.js';
import { engine } from './engine.js';
import { keysOf, redisUrl, uniquePrefix, until } from './helpers.js';

/** The job hashes of a queue (a SCAN: the queue's keys are few once capped). */
async function jobKeys(redis: Redis | Cluster, base: string): Promise<number> {
  // every master's keys (a cluster's queue lives on one of them)
  return (await keysOf(redis, `${base}job:*`)).length;
}

/** Waits until every job of `handles` has ended (finished or failed), without reading each one. */
async function allEnded(client: QueueClient, queue: string): Promise<void> {
  await until(`queue ${queue} drained`, async () => {
    const c = await client.countJobs(queue);
    return c.queued === 0 && c.started === 0 && c.scheduled === 0 && c.deferred === 0;
  }, 120_000);
}

function register(registry: HandlerRegistry, name: string, defaults: JobDefaults, handle: (d: unknown, c: JobContext) => unknown): void {
  registry.register({ name, source: `test.${name}`, defaults, handle });
}

describe('retention caps (keep)', () => {
  it('a queue capped at 1,000 finished jobs holds 1,000 in its registry and keyspace through 50,000, at every moment', async () => {
    let ran = 0;
    const e = engine('keep-50k', { noop: () => void ran++ }, { queues: { default: { keep: { finished: { count: 1000 } } } }, noWorkerWarning: false });
    const finished = `${e.base('default')}finished`;
    e.worker({ concurrency: 200 });
    const first: JobHandle[] = [];
    let last: JobHandle | undefined;
    for (let i = 0; i < 10; i++) {
      const handles = await e.client.enqueueMany(Array.from({ length: 5000 }, (_, k) => ({ name: 'noop', data: { i, k } })));
      if (i === 0) first.push(...handles.slice(0, 10));
      last = handles.at(-1);
    }
    // sampled while the workers run: each finishing call trims in the same script, so no reader ever sees more
    let most = 0;
    while (ran < 50_000 || (await e.client.countJobs('default')).started > 0) {
      most = Math.max(most, await e.redis.zcard(finished));
      await new Promise((r) => setTimeout(r, 25));
    }
    await allEnded(e.client, 'default');
    expect(ran).toBe(50_000);
    expect(most).toBeLessThanOrEqual(1000);
    expect(await e.redis.zcard(finished)).toBe(1000);
    expect(await jobKeys(e.redis, e.base('default'))).toBe(1000);
    // trimmed jobs read as gone; the newest is kept
    for (const h of first) {
      expect(await e.client.getJob(h.id)).toBeNull();
      await expect(h.getStatus()).rejects.toBeInstanceOf(JobNotFoundError);
    }
    await expect(first[0]!.info()).rejects.toBeInstanceOf(JobNotFoundError);
    expect(await last!.getStatus()).toBe('finished');
  }, 300_000);

  it('dependents of a trimmed failed job run, in its queue and in another one (it counts as met)', async () => {
    const ran: string[] = [];
    const e = engine('keep-deps', {}, { queues: { a: { keep: { failed: { count: 1 } } } }, logFailedJobs: false, noWorkerWarning: false });
    register(e.registry, 'boom', {}, () => {
      throw new Error('boom');
    });
    register(e.registry, 'mark', {}, (d) => void ran.push(String(d)));
    e.worker({ queues: ['a', 'b'] });
    const parent = await e.client.enqueue('boom', null, { queue: 'a' });
    await expect(parent.result({ timeout: '20s' })).rejects.toThrow('boom');
    const here = await e.client.enqueue('mark', 'here', { queue: 'a', dependsOn: parent });
    const there = await e.client.enqueue('mark', 'there', { queue: 'b', dependsOn: parent });
    expect(await here.getStatus()).toBe('deferred');
    expect(await there.getStatus()).toBe('deferred');
    // the next failure trims the parent out of the failed registry (cap 1)
    const next = await e.client.enqueue('boom', null, { queue: 'a' });
    await expect(next.result({ timeout: '20s' })).rejects.toThrow('boom');
    expect(await here.result({ timeout: '20s' })).toBeUndefined();
    expect(await there.result({ timeout: '20s' })).toBeUndefined();
    expect(ran.sort()).toEqual(['here', 'there']);
    expect(await e.client.getJob(parent.id)).toBeNull();
    expect(await e.redis.exists(`${e.base('a')}dependents:${parent.id}`)).toBe(0);
    expect(await e.redis.zcard(`${e.base('a')}failed`)).toBe(1);
  }, 60_000);

  it('caps apply per queue, per @Job name and per call, in that order, field by field (count and age)', async () => {
    const e = engine('keep-order', {}, { queues: { default: { keep: { finished: { count: 3, age: '100s' } } } }, noWorkerWarning: false });
    register(e.registry, 'plain', {}, () => 'p');
    register(e.registry, 'named', { keep: { finished: { count: 2, age: '200s' } } }, () => 'n');
    e.worker();
    const finished = `${e.base('default')}finished`;
    // every kept job's remaining ttl lies in (low, high] ms
    const kept = async (count: number, low: number, high: number) => {
      const ids = await e.redis.zrange(finished, '0', '-1');
      expect(ids).toHaveLength(count);
      for (const id of ids) {
        const left = await e.redis.pttl(`${e.base('default')}job:${id}`);
        expect(left).toBeGreaterThan(low);
        expect(left).toBeLessThanOrEqual(high);
      }
    };
    // a job trimmed at once may be gone before its result is asked for: wait for the queue to drain instead
    const runAll = async (name: string, n: number, options = {}) => {
      await e.client.enqueueMany(Array.from({ length: n }, () => ({ name, options })));
      await allEnded(e.client, 'default');
    };
    // the queue's caps
    await runAll('plain', 6);
    await kept(3, 50_000, 100_000);
    // the @Job's over the queue's (the oldest, the queue's 100 s ones, go first)
    await runAll('named', 6);
    await kept(2, 150_000, 200_000);
    // the call's count over the @Job's; the @Job's age still applies (field by field)
    await runAll('named', 1, { keep: { finished: { count: 1 } } });
    await kept(1, 150_000, 200_000);
    // the call's age over the @Job's; the @Job's count applies again
    await runAll('named', 3, { keep: { finished: { age: '300s' } } });
    await kept(2, 250_000, 300_000);
    // no count cap from the call; resultTtl still caps the age (whichever comes first)
    await runAll('plain', 1, { resultTtl: '30s', keep: { finished: { age: '1h', count: -1 } } });
    expect(await e.redis.zcard(finished)).toBe(3);
    const soonest = (await e.redis.zrange(finished, '0', '0'))[0]!;
    expect(await e.redis.pttl(`${e.base('default')}job:${soonest}`)).toBeLessThanOrEqual(30_000);
  }, 60_000);

  it('canceled jobs are capped by the queue caps its workers stored; sync mode applies the caps too', async () => {
    const e = engine('keep-cancel', { noop: () => 1 }, { queues: { default: { keep: { failed: { count: 2, age: '100s' } } } }, noWorkerWarning: false });
    e.worker();
    await until('the worker stored the caps', async () => (await e.redis.hget(`${e.base('default')}meta`, 'keep')) !== null);
    const hs: JobHandle[] = [];
    for (let i = 0; i < 5; i++) hs.push(await e.client.enqueue('noop', { i }, { delay: '1h' }));
    for (const h of hs) await h.cancel();
    expect(await e.redis.zcard(`${e.base('default')}canceled`)).toBe(2);
    expect(await e.redis.pttl(`${e.base('default')}job:${hs[4]!.id}`)).toBeLessThanOrEqual(100_000);
    expect(await e.client.getJob(hs[0]!.id)).toBeNull();

    const sync = engine('keep-sync', { noop: () => 1 }, { isAsync: false, queues: { default: { keep: { finished: { count: 2 } } } } });
    for (let i = 0; i < 5; i++) expect(await (await sync.client.enqueue('noop', { i })).getStatus()).toBe('finished');
    expect(await sync.redis.zcard(`${sync.base('default')}finished`)).toBe(2);
  }, 60_000);

  it('refuses unknown keys and bad values with named errors, wherever keep is given', async () => {
    const e = engine('keep-check', { noop: () => 1 }, { noWorkerWarning: false });
    const bad = async (keep: unknown, message: RegExp) => {
      const err = await e.client.enqueue('noop', null, { keep } as never).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect((err as Error).message).toMatch(message);
    };
    await bad({ finshed: { count: 1 } }, /`finshed`.*did you mean `finished`/);
    await bad({ finished: { cout: 1 } }, /`cout`.*did you mean `count`/);
    await bad({ finished: { count: -2 } }, /`keep\.finished\.count`: got -2; expected a whole number/);
    await bad({ failed: { count: 1.5 } }, /`keep\.failed\.count`/);
    await bad({ failed: { age: 'soon' } }, /`keep\.failed\.age`: got "soon"/);
    await bad([], /`keep`/);
    const client = (options: object) => () => new QueueClient({ connection: redisUrl(), prefix: uniquePrefix('keep-bad'), ...options });
    expect(client({ queues: { default: { kep: {} } } })).toThrow(/`kep`.*did you mean `keep`/);
    expect(client({ queues: { default: { keep: { finished: { count: 'many' } } } } })).toThrow(/`queues\.default\.keep\.finished\.count`/);
    expect(client({ queues: { 'no spaces': {} } })).toThrow(InvalidOptionError);
    expect(client({ queues: [] })).toThrow(/`queues`/);
    expect(client({ defaultJobOptions: { keep: { failed: { age: 0 } } } })).toThrow(/`keep\.failed\.age`: got 0/);
  });
});

describe('keep in the Nest modules', () => {
  it('a bad queues.<name>.keep or @Job keep stops the application at start, naming the option', async () => {
    const redis = new Redis(redisUrl());
    try {
      const typo = await Test.createTestingModule({
        imports: [QueueModule.forRoot({ connection: redis, prefix: uniquePrefix('keep-nest'), queues: { emails: { keep: { finished: { cont: 5 } as never } } } })],
      })
        .compile()
        .catch((e: unknown) => e);
      expect(typo).toBeInstanceOf(InvalidOptionError);
      expect(String(typo)).toMatch(/`cont`.*queues\.emails\.keep\.finished.*did you mean `count`/);
      class Reports {
        build(): void {}
      }
      Job('reports.build', { keep: { failed: { age: 'never' } } } as unknown as JobOptions)(Reports.prototype, 'build', Object.getOwnPropertyDescriptor(Reports.prototype, 'build')!);
      Injectable()(Reports);
      const bad = await Test.createTestingModule({
        imports: [QueueModule.forRoot({ connection: redis, prefix: uniquePrefix('keep-nest') }), { module: class ReportsModule {}, providers: [Reports] }],
      })
        .compile()
        .then((mod) => mod.init())
        .catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(InvalidOptionError);
      expect(String(bad)).toMatch(/`keep\.failed\.age`: got "never"/);
    } finally {
      redis.disconnect();
    }
  });
});

describe('bytes of a failed job', () => {
  it("keeps the stack's frames of the handler's code, not those of Jobline or Node's internals", async () => {
    const e = engine('keep-stack', {}, { logFailedJobs: false, noWorkerWarning: false });
    register(e.registry, 'boom', {}, function handlerThatThrows() {
      throw new Error('boom');
    });
    e.worker();
    const h = await e.client.enqueue('boom');
    await expect(h.result({ timeout: '20s' })).rejects.toThrow('boom');
    const stack = (await h.info()).error!.stack!;
    expect(stack).toMatch(/^Error: boom\n\s+at handlerThatThrows .*retention\.spec\.ts/);
    expect(stack).not.toMatch(/job-runner|fetch-loop|running-jobs|node:internal/);
  }, 30_000);
});

describe('the start-up warning', () => {
  function recordingLogger(): Logger & { warnings: string[] } {
    const warnings: string[] = [];
    return { warnings, log: () => undefined, warn: (m) => warnings.push(m), error: () => undefined };
  }

  it('warns once when Redis has no maxmemory and a queue has no count cap; not when capped or when maxmemory is set', async () => {
    const server = await startRedisServer();
    const raw = new Redis(server.url);
    const run = async (queues: Record<string, QueueOptions>) => {
      const logger = recordingLogger();
      const registry = new HandlerRegistry();
      const client = new QueueClient({ connection: server.url, prefix: uniquePrefix('keep-warn'), registry, logger, noWorkerWarning: false, queues });
      const worker = new Worker(client, registry, { queues: ['a', 'b'], blockTime: '100ms' });
      await worker.start();
      // the check is part of the worker's first maintenance step, done before it lists its queues as in use
      await until('the first maintenance step', async () => (await raw.sismember(`${client.prefix}:queues`, 'b')) === 1);
      await worker.close();
      await client.close();
      return logger.warnings;
    };
    try {
      const open = await run({ a: { keep: { finished: { count: 10 } } } });
      expect(open).toHaveLength(1);
      expect(open[0]).toMatch(/no maxmemory.*queues a \(failed\); b \(finished, failed\) keep ended jobs without a count cap/);
      // the fix it names is written for the first of them, ready to paste
      expect(open[0]).toContain('QueueModule.forRoot({ queues: { a: { keep: { finished: { count: 10000 }, failed: { count: 100000 } } } } })');
      expect(await run({ a: { keep: { finished: { count: 10 }, failed: { count: 10 } } }, b: { keep: { finished: { count: 1 }, failed: { count: 1 } } } })).toEqual([]);
      await raw.config('SET', 'maxmemory', '1gb');
      expect(await run({})).toEqual([]);
    } finally {
      raw.disconnect();
      await server.stop();
    }
  }, 60_000);
});
