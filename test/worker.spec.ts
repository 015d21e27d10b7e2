import { KeySpace } from '../src/core/redis/keys.js';
import { JobFailedError, JobTimeoutError, WaitTimeoutError, type JobContext } from '../src/index.js';
import { deferred, poll, rawRedis, servers, sleep } from './helpers.js';
import { engine } from './engine.js';

describe('worker', () => {
  const redis = rawRedis();
  afterAll(() => redis.disconnect());

  it('runs jobs in queue order with results stored, and registries counted', async () => {
    const seen: number[] = [];
    const e = engine('w-order', { add: (d: { a: number; b: number }) => (seen.push(d.a), d.a + d.b) });
    const hs = await e.client.enqueueMany(Array.from({ length: 20 }, (_, i) => ({ name: 'add', data: { a: i, b: 1 } })));
    e.worker({ concurrency: 1 });
    expect(await hs[19]!.result({ timeout: '5s' })).toBe(20);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const info = await hs[3]!.info();
    expect(info).toMatchObject({ status: 'finished', result: 4, attempts: 1 });
    expect(info.startedAt!.getTime()).toBeGreaterThanOrEqual(info.enqueuedAt!.getTime());
    expect(info.endedAt!.getTime()).toBeGreaterThanOrEqual(info.startedAt!.getTime());
    expect(info.workerId).toMatch(/^worker:/);
    const counts = await e.client.countJobs('default');
    expect(counts).toMatchObject({ queued: 0, started: 0, finished: 20, failed: 0 });
    expect((await e.client.getJobIds('default', 'finished')).sort()).toEqual(hs.map((h) => h.id).sort());
    await e.close();
  });

  it('runs up to `concurrency` jobs at once and no more', async () => {
    let running = 0;
    let peak = 0;
    const e = engine('w-conc', {
      slow: async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(30);
        running--;
      },
    });
    const hs = await e.client.enqueueMany(Array.from({ length: 40 }, () => ({ name: 'slow' })));
    e.worker({ concurrency: 4 });
    await Promise.all(hs.map((h) => h.result({ timeout: '10s' })));
    expect(peak).toBe(4);
    await e.close();
  });

  it('a failing handler fails the job with its error; result() rejects with JobFailedError', async () => {
    const e = engine('w-fail', {
      boom: () => {
        throw new TypeError('bad thing');
      },
    });
    const h = await e.client.enqueue('boom', null, { attempts: 3 });
    e.worker();
    const err = (await h.result({ timeout: '5s' }).catch((x: unknown) => x)) as JobFailedError;
    expect(err).toBeInstanceOf(JobFailedError);
    expect(err).toMatchObject({ errorName: 'TypeError', errorMessage: 'bad thing', status: 'failed' });
    expect(err.errorStack).toContain('bad thing');
    const info = await h.info();
    expect(info.status).toBe('failed');
    expect(info.attempts).toBe(1); // a thrown error is final (RQ): attempts are for crashed workers
    expect(info.error).toMatchObject({ name: 'TypeError', message: 'bad thing' });
    expect((await e.client.countJobs('default')).failed).toBe(1);
    await e.close();
  });

  it('timeout: aborts ctx.signal, fails with JobTimeoutError, and frees the slot even if the handler ignores it', async () => {
    let aborted: unknown;
    const e = engine('w-timeout', {
      obeys: (_d: unknown, ctx: JobContext) =>
        new Promise((resolve) => ctx.signal.addEventListener('abort', () => ((aborted = ctx.signal.reason), resolve('late')))),
      ignores: () => new Promise(() => undefined),
      quick: () => 'ok',
    });
    const a = await e.client.enqueue('obeys', null, { timeout: '200ms' });
    const b = await e.client.enqueue('ignores', null, { timeout: '200ms' });
    const c = await e.client.enqueue('quick');
    e.worker({ concurrency: 1 });
    const errA = (await a.result({ timeout: '5s' }).catch((x: unknown) => x)) as JobFailedError;
    expect(errA.errorName).toBe('JobTimeoutError');
    expect(aborted).toBeInstanceOf(JobTimeoutError);
    const errB = (await b.result({ timeout: '5s' }).catch((x: unknown) => x)) as JobFailedError;
    expect(errB.errorName).toBe('JobTimeoutError');
    expect(errB.errorMessage).toMatch(/timeout of 0.2s/);
    // with concurrency 1, c can only run because b's slot was freed although b never returned
    expect(await c.result({ timeout: '5s' })).toBe('ok');
    await e.close();
  });

  it('ctx.signal read only after the timeout is already aborted with the JobTimeoutError (lazily built signal)', async () => {
    let seen: { aborted: boolean; reason: unknown } | undefined;
    const e = engine('w-late-signal', {
      late: async (_d: unknown, ctx: JobContext) => {
        await sleep(400); // past the 200 ms timeout, before it ever touched ctx.signal
        seen = { aborted: ctx.signal.aborted, reason: ctx.signal.reason };
      },
    });
    const h = await e.client.enqueue('late', null, { timeout: '200ms' });
    e.worker();
    const err = (await h.result({ timeout: '5s' }).catch((x: unknown) => x)) as JobFailedError;
    expect(err.errorName).toBe('JobTimeoutError');
    for (let i = 0; i < 50 && !seen; i++) await sleep(20);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(JobTimeoutError);
    await e.close();
  });

  it('with two fetches in flight, many quick jobs each run exactly once and never beyond `concurrency`', async () => {
    const runs = new Map<number, number>();
    let running = 0;
    let peak = 0;
    const e = engine('w-pipeline', {
      quick: async (d: { i: number }) => {
        running++;
        peak = Math.max(peak, running);
        runs.set(d.i, (runs.get(d.i) ?? 0) + 1);
        if (d.i % 7 === 0) await sleep(1);
        running--;
        return d.i;
      },
    });
    const hs = await e.client.enqueueMany(Array.from({ length: 2000 }, (_, i) => ({ name: 'quick', data: { i } })));
    e.worker({ concurrency: 8 });
    const results = await Promise.all(hs.map((h) => h.result({ timeout: '20s' })));
    expect(results).toEqual(hs.map((_, i) => i));
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(runs.size).toBe(2000);
    expect(peak).toBeLessThanOrEqual(8);
    expect(await e.client.countJobs('default')).toMatchObject({ queued: 0, started: 0, finished: 2000 });
    await e.close();
  });

  it('ttl: a job that waited past its ttl never runs and is expired, both when fetched and by maintenance', async () => {
    const ran: string[] = [];
    const e = engine('w-ttl', { t: (d: string) => void ran.push(d) });
    const fetched = await e.client.enqueue('t', 'fetched', { ttl: '100ms' });
    const swept = await e.client.enqueue('t', 'swept', { ttl: '100ms', queue: 'other' });
    const fresh = await e.client.enqueue('t', 'fresh', { ttl: '1h' });
    await sleep(200);
    e.worker({ queues: ['default'] });
    expect(await fresh.result({ timeout: '5s' })).toBeUndefined();
    const err = (await fetched.result({ timeout: '5s' }).catch((x: unknown) => x)) as JobFailedError;
    expect(err).toMatchObject({ status: 'expired', errorName: 'JobExpiredError' });
    expect(ran).toEqual(['fresh']);
    // the 'other' queue has no worker fetching; its worker's maintenance expires it without running it
    e.worker({ queues: ['other'], leaseTime: '300ms' });
    await expect(swept.result({ timeout: '5s' })).rejects.toMatchObject({ status: 'expired' });
    expect(ran).toEqual(['fresh']);
    expect(await e.client.getJobIds('other', 'expired')).toEqual([swept.id]);
    expect(await e.client.getJobIds('other', 'queued')).toEqual([]);
    await e.close();
  });

  it('resultTtl: default 500 s, -1 keeps forever, 0 deletes right after success; failureTtl: default 1 year', async () => {
    const e = engine('w-rttl', { ok: () => 'r', bad: () => Promise.reject(new Error('x')) });
    const def = await e.client.enqueue('ok');
    const keep = await e.client.enqueue('ok', null, { resultTtl: -1 });
    const gone = await e.client.enqueue('ok', null, { resultTtl: 0 });
    const failed = await e.client.enqueue('bad');
    const failedShort = await e.client.enqueue('bad', null, { failureTtl: '1h' });
    const waiting = gone.result({ timeout: '5s' });
    // result() registers its waiter asynchronously; let it land before the job can end and be deleted
    for (let i = 0; i < 100 && !(await redis.exists(`${e.base('default')}waiting`)); i++) await sleep(5);
    e.worker();
    await def.result({ timeout: '5s' });
    await keep.result({ timeout: '5s' });
    expect(await waiting).toBe('r'); // a waiter still gets the result of a job deleted at once
    await failed.result().catch(() => undefined);
    await failedShort.result().catch(() => undefined);
    const ttl = (id: string) => redis.pttl(`${e.base('default')}job:${id}`);
    expect(await ttl(def.id)).toBeGreaterThan(490_000);
    expect(await ttl(def.id)).toBeLessThanOrEqual(500_000);
    expect(await ttl(keep.id)).toBe(-1);
    expect(await ttl(gone.id)).toBe(-2);
    await expect(gone.getStatus()).rejects.toThrow(/does not exist/);
    expect(await ttl(failed.id)).toBeGreaterThan(364 * 86_400_000);
    expect(await ttl(failedShort.id)).toBeLessThanOrEqual(3_600_000);
    expect((await e.client.getJobIds('default', 'finished')).sort()).toEqual([def.id, keep.id].sort());
    await e.close();
  });

  it('registry entries of expired jobs are trimmed by maintenance, never counted after expiry', async () => {
    const e = engine('w-trim', { ok: () => 1 });
    const h = await e.client.enqueue('ok', null, { resultTtl: '300ms' });
    e.worker({ leaseTime: '300ms' });
    await h.result({ timeout: '5s' });
    expect((await e.client.countJobs('default')).finished).toBe(1);
    await sleep(400);
    // counting has no side effect, and already ignores the expired entry
    expect((await e.client.countJobs('default')).finished).toBe(0);
    await sleep(300);
    expect(await redis.zcard(`${e.base('default')}finished`)).toBe(0);
    expect(await redis.exists(`${e.base('default')}job:${h.id}`)).toBe(0);
    await e.close();
  });

  it('maintenance forgets caller-chosen ids whose job is gone, so the id index does not grow forever', async () => {
    const e = engine('w-idsweep', { ok: () => 1 });
    const index = (id: string) => new KeySpace(e.prefix).ids(id);
    const gone = await e.client.enqueue('ok', null, { jobId: 'short-lived', resultTtl: '200ms' });
    const kept = await e.client.enqueue('ok', null, { jobId: 'long-lived' });
    // committed entries: the id and its queue
    expect(await redis.hget(index('short-lived'), 'short-lived')).toBe('default');
    expect(await redis.hget(index('long-lived'), 'long-lived')).toBe('default');
    e.worker({ leaseTime: '300ms' });
    await gone.result({ timeout: '5s' });
    await kept.result({ timeout: '5s' });
    for (let i = 0; i < 100 && (await redis.hexists(index('short-lived'), 'short-lived')); i++) await sleep(50);
    expect(await redis.hexists(index('short-lived'), 'short-lived')).toBe(0);
    expect(await redis.hget(index('long-lived'), 'long-lived')).toBe('default');
    // forgotten behind a fence: a late enqueue of the id in its old queue cannot make a second job
    expect(await redis.hgetall(`${e.base('default')}job:short-lived`)).toEqual({ fence: '1' });
    await e.close();
  });

  it('an unknown job name met by a worker fails that job with a clear error; the worker goes on', async () => {
    const e = engine('w-unknown', { known: () => 'fine' });
    const bad = await e.client.enqueue('nobody-handles-this');
    const good = await e.client.enqueue('known');
    e.worker();
    await expect(bad.result({ timeout: '5s' })).rejects.toMatchObject({ errorName: 'UnknownJobError', errorMessage: expect.stringMatching(/No @Job handler named "nobody-handles-this".*Known jobs: known/) });
    expect(await good.result({ timeout: '5s' })).toBe('fine');
    await e.close();
  });

  it('undecodable stored data fails that job, not the worker', async () => {
    const e = engine('w-garbage', { known: () => 'fine' });
    const h = await e.client.enqueue('known', { a: 1 });
    await redis.hset(`${e.base('default')}job:${h.id}`, 'd', '{not json');
    e.worker();
    await expect(h.result({ timeout: '5s' })).rejects.toMatchObject({ errorName: 'PayloadNotSerializableError' });
    expect(await (await e.client.enqueue('known')).result({ timeout: '5s' })).toBe('fine');
    await e.close();
  });

  it('a result that is not JSON fails the job with a clear error', async () => {
    const e = engine('w-badresult', { big: () => BigInt(1) });
    const h = await e.client.enqueue('big');
    e.worker();
    await expect(h.result({ timeout: '5s' })).rejects.toMatchObject({ errorMessage: expect.stringMatching(/return value of job "big" is not JSON-serialisable/) });
    await e.close();
  });

  it('ctx.updateMeta stores meta readable through info()', async () => {
    const gate = deferred();
    const e = engine('w-meta', {
      m: async (_d: unknown, ctx: JobContext) => {
        await ctx.updateMeta({ progress: 50 });
        await gate.promise;
        return ctx.meta;
      },
    });
    const h = await e.client.enqueue('m', null, { meta: { owner: 'me' } });
    e.worker();
    for (let i = 0; i < 100 && (await h.info()).meta.progress !== 50; i++) await sleep(20);
    expect((await h.info()).meta).toEqual({ owner: 'me', progress: 50 });
    gate.resolve();
    expect(await h.result({ timeout: '5s' })).toEqual({ owner: 'me', progress: 50 });
    await e.close();
  });

  it('an idle worker blocks instead of polling, and wakes at once for new work', async () => {
    const e = engine('w-idle', { ok: () => 'woke' });
    e.worker({ blockTime: '5s' });
    await sleep(300);
    // count this worker's commands only (other test files may share the server), by the keys they name
    // on a cluster, every master's commands
    const monitors = await Promise.all((await servers(redis)).map((s) => s.monitor())); // connections of their own, closed below
    const seen: string[] = [];
    for (const monitor of monitors) {
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (args.some((a) => a.startsWith(`${e.prefix}:`))) seen.push(args[0]!.toLowerCase());
      });
    }
    await sleep(1500);
    for (const monitor of monitors) monitor.disconnect();
    // in 1.5 s idle: no fetch round trips (a polling loop would make dozens); maintenance may run once
    expect(seen.filter((c) => c === 'evalsha' || c === 'eval').length).toBeLessThanOrEqual(2);
    expect(seen.filter((c) => c === 'blpop').length).toBeLessThanOrEqual(1);
    const started = Date.now();
    const h = await e.client.enqueue('ok');
    expect(await h.result({ timeout: '4s' })).toBe('woke');
    expect(Date.now() - started).toBeLessThan(1000);
    await e.close();
  });

  it('result({ timeout }) rejects with WaitTimeoutError and leaves the job alone', async () => {
    const e = engine('w-wait', { ok: () => 1 });
    const h = await e.client.enqueue('ok');
    const err = await h.result({ timeout: '100ms' }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    // it says why: the job waits in a queue nothing consumes
    expect(err).toMatchObject({
      jobId: h.id,
      status: 'queued',
      message: `Job ${h.id} did not end within 0.1s of waiting: it is queued in queue "default", which no live worker consumes. Start a consumer of "default" (or enqueue to a queue that has one).`,
    });
    expect(await h.getStatus()).toBe('queued');
    // a job being run says so
    const gate = deferred();
    const slow = engine('w-wait-run', { slow: () => gate.promise });
    slow.worker();
    const running = await slow.client.enqueue('slow');
    await poll(() => running.getStatus(), (st) => st === 'started');
    await expect(running.result({ timeout: '100ms' })).rejects.toMatchObject({ status: 'started', message: expect.stringMatching(/: it is started\.$/) });
    gate.resolve();
    await e.close();
  });
});
