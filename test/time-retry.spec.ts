import { IsInt } from 'class-validator';
import {
  HandlerRegistry,
  InvalidOptionError,
  JobFailedError,
  QueueClient,
  RetryJobError,
  UnrecoverableJobError,
  Worker,
  type JobContext,
  type JobSnapshot,
} from '../src/index.js';
import { backoffMs, parseRetry } from '../src/core/scheduler/retry-policy.js';
import { engine } from './engine.js';
import { deferred, sleep, testConnection, uniquePrefix, until } from './helpers.js';

// Retries (issue 12, point 2).
describe('retry policy', () => {
  it('fixed, list (last entry repeating) and exponential backoff, with maxDelay and jitter', () => {
    expect([1, 2, 3].map((n) => backoffMs(parseRetry({ max: 3, backoff: '2s' }), n))).toEqual([2000, 2000, 2000]);
    expect([1, 2, 3, 4].map((n) => backoffMs(parseRetry({ max: 4, backoff: [1, '5s', '1m'] }), n))).toEqual([1000, 5000, 60_000, 60_000]);
    const exp = parseRetry({ max: 9, backoff: { type: 'exponential', delay: '100ms', maxDelay: '1s' } });
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(exp, n))).toEqual([100, 200, 400, 800, 1000, 1000]);
    const fixed = parseRetry({ max: 2, backoff: { type: 'fixed', delay: 1, jitter: 0.5 } });
    expect(backoffMs(fixed, 1, () => 0)).toBe(1000);
    expect(backoffMs(fixed, 1, () => 0.999999)).toBe(500);
    expect(backoffMs(fixed, 2, () => 0.5)).toBe(750);
    expect(backoffMs(parseRetry(3), 1)).toBe(0);
  });

  it.each([
    [-1, /`retry`.*whole number of retries from 0 to 1000/],
    [1.5, /`retry`/],
    ['3', /`retry`/],
    [{ max: 2, tries: 3 }, /`retry.tries`.*only `max` and `backoff`/],
    [{ backoff: '1s' }, /`retry.max`/],
    [{ max: 2, backoff: [] }, /`retry.backoff`.*list of 1 to 1000 durations/],
    [{ max: 2, backoff: ['1s', 'x'] }, /`retry.backoff\[1\]`/],
    [{ max: 2, backoff: { type: 'linear', delay: 1 } }, /`retry.backoff.type`.*'fixed' or 'exponential'/],
    [{ max: 2, backoff: { type: 'fixed', delay: 1, jitter: 2 } }, /`retry.backoff.jitter`.*from 0 to 1/],
    [{ max: 2, backoff: { type: 'exponential', delay: 1, maxDelay: 0 } }, /`retry.backoff.maxDelay`/],
  ])('refuses retry %p', async (retry, message) => {
    const client = new QueueClient({ connection: testConnection(), prefix: uniquePrefix('r-bad') });
    try {
      await expect(client.enqueue('j', null, { retry: retry as never })).rejects.toThrow(InvalidOptionError);
      await expect(client.enqueue('j', null, { retry: retry as never })).rejects.toThrow(message);
    } finally {
      await client.close();
    }
  });
});

describe('retries', () => {
  it('a failing job runs again while retries remain; attempt, retries and the last error show in ctx and info()', async () => {
    const seen: [number, number][] = [];
    const e = engine('r-basic', {
      flaky: (_d: unknown, ctx: JobContext) => {
        seen.push([ctx.attempt, ctx.retries]);
        if (ctx.attempt < 3) throw new Error(`failure ${ctx.attempt}`);
        return 'third time';
      },
    });
    const h = await e.client.enqueue('flaky', null, { retry: 2 });
    e.worker();
    expect(await h.result({ timeout: '10s' })).toBe('third time');
    expect(seen).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
    ]);
    expect(await h.info()).toMatchObject({ status: 'finished', attempts: 3, retries: 2, maxRetries: 2, maxAttempts: 3 });
  });

  it('retries spent: the job fails with its last error; onFailure runs on every failed run, told whether it runs again', async () => {
    const told: [number, boolean][] = [];
    const e = engine(
      'r-spent',
      {
        bad: (_d: unknown, ctx: JobContext) => {
          throw new Error(`no ${ctx.attempt}`);
        },
      },
      {},
      { ko: (job: JobSnapshot) => void told.push([job.attempt, job.willRetry]) },
    );
    const h = await e.client.enqueue('bad', null, { retry: 2, onFailure: 'ko' });
    e.worker();
    const err = (await h.result({ timeout: '10s' }).catch((x: unknown) => x)) as JobFailedError;
    expect(err).toBeInstanceOf(JobFailedError);
    expect(err.errorMessage).toBe('no 3');
    expect(told).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
    expect(await h.info()).toMatchObject({ status: 'failed', attempts: 3, retries: 2, error: { message: 'no 3' } });
    expect(await e.client.countJobs('default')).toMatchObject({ failed: 1, scheduled: 0, queued: 0 });
  });

  it('a job waiting its backoff is scheduled, with the last error; result() waits for the final outcome', async () => {
    const second = deferred();
    let runs = 0;
    const e = engine('r-backoff', {
      flaky: () => {
        runs++;
        if (runs === 1) throw new Error('first');
        second.resolve();
        return 'ok';
      },
    });
    const h = await e.client.enqueue('flaky', null, { retry: { max: 1, backoff: '1h' } });
    const result = h.result({ timeout: '20s' });
    e.worker();
    while ((await h.getStatus()) !== 'scheduled') await sleep(20);
    const info = await h.info();
    expect(info).toMatchObject({ status: 'scheduled', attempts: 1, retries: 1, error: { message: 'first' } });
    expect(info.scheduledFor!.getTime() - Date.now()).toBeGreaterThan(3_500_000);
    expect(await e.client.getJobIds('default', 'scheduled')).toEqual([h.id]);
    await h.promote(); // an hour is long for a test: promote() ends the wait
    await second.promise;
    expect(await result).toBe('ok');
  });

  it('a backoff is waited: the next run starts no earlier than it', async () => {
    const starts: number[] = [];
    const e = engine('r-wait', {
      flaky: () => {
        starts.push(Date.now());
        if (starts.length < 3) throw new Error('again');
      },
    });
    const h = await e.client.enqueue('flaky', null, { retry: { max: 2, backoff: ['300ms', '600ms'] } });
    e.worker();
    await h.result({ timeout: '10s' });
    // each wait counted on Redis's clock from when the failure was recorded, which is after the run started
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(300);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(600);
  });

  it('RetryJobError: honoured up to 3 times on a job without retry, with its own delay', async () => {
    let runs = 0;
    const e = engine('r-ask', {
      ask: () => {
        runs++;
        throw new RetryJobError({ delay: '50ms' });
      },
      askOnce: (_d: unknown, ctx: JobContext) => {
        if (ctx.attempt === 1) throw new RetryJobError({ delay: '1h' });
        return ctx.retries;
      },
    });
    const h = await e.client.enqueue('ask');
    e.worker();
    await expect(h.result({ timeout: '10s' })).rejects.toMatchObject({ errorName: 'RetryJobError' });
    expect(runs).toBe(4);
    expect(await h.info()).toMatchObject({ retries: 3, maxRetries: 0, attempts: 4 });
    const once = await e.client.enqueue('askOnce', null, { retry: { max: 5, backoff: '1ms' } });
    while ((await once.getStatus()) !== 'scheduled') await sleep(20);
    expect((await once.info()).scheduledFor!.getTime() - Date.now()).toBeGreaterThan(3_000_000); // its own delay wins
    await once.promote();
    expect(await once.result({ timeout: '10s' })).toBe(1);
    // explicit `retry: 0`: no retry, even when asked
    const none = await e.client.enqueue('ask', null, { retry: 0 });
    await expect(none.result({ timeout: '10s' })).rejects.toMatchObject({ errorName: 'RetryJobError' });
    expect((await none.info()).attempts).toBe(1);
  });

  it('never retried: UnrecoverableJobError, an unknown handler, invalid data', async () => {
    class Count {
      @IsInt() n!: number;
    }
    let runs = 0;
    const e = engine('r-never', {
      fatal: () => {
        runs++;
        throw new UnrecoverableJobError('give up');
      },
    });
    e.registry.register({ name: 'typed', source: 'test.typed', defaults: {}, handle: () => 'ran', payloadClass: Count });
    const fatal = await e.client.enqueue('fatal', null, { retry: 5 });
    const unknown = await e.client.enqueue('nobody-handles-this', null, { retry: 5 });
    const invalid = await e.client.enqueueMany([{ name: 'typed', data: { n: 'x' }, options: { retry: 5 } }]).catch(() => null);
    // the producer checks data where it knows the handler: store the invalid job through a client that does not
    const blind = new QueueClient({ connection: testConnection(), prefix: e.prefix });
    const typedId = (await blind.enqueue('typed', { n: 'x' }, { retry: 5 })).id;
    await blind.close();
    const typed = (await e.client.getJob(typedId))!;
    expect(invalid).toBeNull();
    e.worker();
    await expect(fatal.result({ timeout: '10s' })).rejects.toMatchObject({ errorName: 'UnrecoverableJobError', errorMessage: 'give up' });
    await expect(unknown.result({ timeout: '10s' })).rejects.toMatchObject({ errorName: 'UnknownJobError' });
    await expect(typed.result({ timeout: '10s' })).rejects.toMatchObject({ errorName: 'PayloadValidationError' });
    expect(runs).toBe(1);
    for (const h of [fatal, unknown, typed]) expect(await h.info()).toMatchObject({ attempts: 1, retries: 0 });
  });

  it('a timeout and a throwing onSuccess are retried', async () => {
    let slowRuns = 0;
    let okRuns = 0;
    const e = engine(
      'r-timeout',
      {
        slow: (_d: unknown, ctx: JobContext) => {
          slowRuns++;
          return ctx.attempt === 1 ? new Promise(() => undefined) : 'fast now';
        },
        fine: () => void okRuns++,
      },
      {},
      {
        picky: (job: JobSnapshot) => {
          if (job.attempt === 1) throw new Error('not yet');
        },
      },
    );
    const slow = await e.client.enqueue('slow', null, { timeout: '200ms', retry: 1 });
    const fine = await e.client.enqueue('fine', null, { onSuccess: 'picky', retry: 1 });
    e.worker();
    expect(await slow.result({ timeout: '10s' })).toBe('fast now');
    await fine.result({ timeout: '10s' });
    expect([slowRuns, okRuns]).toEqual([2, 2]);
  });

  it('dependents hear only the final outcome', async () => {
    const order: string[] = [];
    const e = engine('r-deps', {
      parent: (_d: unknown, ctx: JobContext) => {
        order.push(`parent ${ctx.attempt}`);
        if (ctx.attempt < 3) throw new Error('not yet');
        return 'made';
      },
      child: (d: string) => void order.push(`child got ${d}`),
      lost: () => {
        order.push('lost');
        throw new Error('always');
      },
    });
    const parent = await e.client.enqueue('parent', null, { retry: { max: 2, backoff: '100ms' } });
    const child = await parent.chain('child');
    const lost = await e.client.enqueue('lost', null, { retry: 1 });
    const canceled = await e.client.enqueue('child', 'x', { dependsOn: lost, onDependencyFailure: 'cancel' });
    e.worker({ concurrency: 1 });
    await child.result({ timeout: '10s' });
    expect(order.filter((o) => o.startsWith('parent') || o.startsWith('child got made'))).toEqual(['parent 1', 'parent 2', 'parent 3', 'child got made']);
    await expect(canceled.result({ timeout: '10s' })).rejects.toMatchObject({ status: 'canceled' });
    expect(order.filter((o) => o === 'lost')).toHaveLength(2);
  });

  it("a retried run is reported as a 'retrying' event (with its wait), the final failure as 'failed'", async () => {
    const e = engine('r-events', {
      bad: () => {
        throw new Error('nope');
      },
    });
    const seen: string[] = [];
    e.client.on('retrying', (ev) => void seen.push(`retrying ${ev.attempt} ${ev.error.message} ${ev.delayMs}`));
    e.client.on('failed', (ev) => void seen.push(`failed ${ev.attempt} ${ev.error.message}`));
    const h = await e.client.enqueue('bad', null, { retry: { max: 2, backoff: ['10ms', '20ms'] } });
    e.worker();
    await expect(h.result({ timeout: '10s' })).rejects.toBeInstanceOf(JobFailedError);
    await until('the failed event', () => seen.length === 3);
    expect(seen).toEqual(['retrying 1 nope 10', 'retrying 2 nope 20', 'failed 3 nope']);
  });

  it('requeue() of a failed job starts its retries afresh', async () => {
    let runs = 0;
    const e = engine('r-requeue', {
      bad: () => {
        runs++;
        throw new Error('no');
      },
    });
    const h = await e.client.enqueue('bad', null, { retry: 1 });
    e.worker();
    await expect(h.result({ timeout: '10s' })).rejects.toBeInstanceOf(JobFailedError);
    await h.requeue();
    await expect(h.result({ timeout: '10s' })).rejects.toBeInstanceOf(JobFailedError);
    expect(runs).toBe(4);
    expect(await h.info()).toMatchObject({ attempts: 2, retries: 1 });
  });

  it('sync mode: retries run inline at once, without waiting their backoff', async () => {
    const attempts: number[] = [];
    const e = engine(
      'r-sync',
      {
        flaky: (_d: unknown, ctx: JobContext) => {
          attempts.push(ctx.attempt);
          if (ctx.attempt < 3) throw new Error('again');
          return 'done';
        },
      },
      { isAsync: false },
    );
    const t0 = Date.now();
    const h = await e.client.enqueue('flaky', null, { retry: { max: 5, backoff: '1h' } });
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(attempts).toEqual([1, 2, 3]);
    expect(await h.info()).toMatchObject({ status: 'finished', attempts: 3, retries: 2 });
    expect(await h.result()).toBe('done');
  });

  it('a worker of another process without the retry option decides from what is stored', async () => {
    // the policy travels in the job's hash, so a worker made from a bare client applies it
    let runs = 0;
    const registry = new HandlerRegistry();
    registry.register({
      name: 'flaky',
      source: 'test',
      defaults: {},
      handle: () => {
        runs++;
        if (runs < 2) throw new Error('once');
        return runs;
      },
    });
    const prefix = uniquePrefix('r-remote');
    const producer = new QueueClient({ connection: testConnection(), prefix });
    const consumer = new QueueClient({ connection: testConnection(), prefix, registry });
    const worker = new Worker(consumer, registry, { queues: ['default'] });
    try {
      const h = await producer.enqueue('flaky', null, { retry: 1 });
      worker.start();
      expect(await h.result({ timeout: '10s' })).toBe(2);
    } finally {
      await worker.close();
      await consumer.close();
      await producer.close();
    }
  });
});
