import { QueueClient } from '../src/index.js';
import { rawRedis, servers, testConnection } from './helpers.js';
import { engine } from './engine.js';

describe('enqueue and enqueueMany', () => {
  const e = engine('enq', { noop: () => null });
  const redis = rawRedis();
  afterAll(async () => {
    await e.close();
    redis.disconnect();
  });

  it('stores a queued job with its options, readable through info()', async () => {
    const h = await e.client.enqueue('noop', { x: 1 }, { description: 'd', meta: { k: 'v' }, timeout: '5s', resultTtl: 60, failureTtl: '1h', ttl: '10m', attempts: 5 });
    expect(h.name).toBe('noop');
    expect(h.queue).toBe('default');
    expect(await h.getStatus()).toBe('queued');
    const info = await h.info();
    expect(info).toMatchObject({
      id: h.id,
      status: 'queued',
      data: { x: 1 },
      description: 'd',
      meta: { k: 'v' },
      timeoutMs: 5000,
      resultTtlMs: 60_000,
      failureTtlMs: 3_600_000,
      maxAttempts: 5,
      attempts: 0,
      result: null,
      error: null,
      startedAt: null,
    });
    expect(info.enqueuedAt).toBeInstanceOf(Date);
    expect(info.expiresAt!.getTime() - info.enqueuedAt!.getTime()).toBe(600_000);
    expect(await e.client.getJobIds('default', 'queued')).toEqual([h.id]);
    await h.delete();
  });

  it('keeps order, across chunks of the enqueue script, and returns handles in item order', async () => {
    const items = Array.from({ length: 1234 }, (_, i) => ({ name: 'noop', data: i, options: { jobId: `order-${i}` } }));
    const handles = await e.client.enqueueMany(items);
    expect(handles.map((h) => h.id)).toEqual(items.map((i) => i.options.jobId));
    expect(await e.client.getJobIds('default', 'queued')).toEqual(items.map((i) => i.options.jobId));
    expect((await e.client.countJobs('default')).queued).toBe(1234);
    await redis.del(`${e.base('default')}queued`);
  });

  it('routes items to their queues in one call', async () => {
    const hs = await e.client.enqueueMany([
      { name: 'noop', data: 1, options: { queue: 'alpha' } },
      { name: 'noop', data: 2, options: { queue: 'beta' } },
      { name: 'noop', data: 3, options: { queue: 'alpha' } },
    ]);
    expect(hs.map((h) => h.queue)).toEqual(['alpha', 'beta', 'alpha']);
    expect(await e.client.getJobIds('alpha', 'queued')).toEqual([hs[0]!.id, hs[2]!.id]);
    expect(await e.client.getJobIds('beta', 'queued')).toEqual([hs[1]!.id]);
    expect(await e.client.getQueues()).toEqual(expect.arrayContaining(['alpha', 'beta']));
  });

  it('jobId is idempotent: the existing job comes back, nothing is overwritten, also inside one batch', async () => {
    const a = await e.client.enqueue('noop', 'first', { jobId: 'same', queue: 'idem' });
    const b = await e.client.enqueue('noop', 'second', { jobId: 'same', queue: 'idem' });
    expect(b.id).toBe(a.id);
    expect((await b.info()).data).toBe('first');
    const [c, d] = await e.client.enqueueMany([
      { name: 'noop', data: 'x', options: { jobId: 'twice', queue: 'idem' } },
      { name: 'noop', data: 'y', options: { jobId: 'twice', queue: 'idem' } },
    ]);
    expect(c!.id).toBe(d!.id);
    expect((await d!.info()).data).toBe('x');
    expect(await e.client.getJobIds('idem', 'queued')).toEqual(['same', 'twice']);
  });

  it('a jobId names one job across queues: a submit to another queue returns the existing job', async () => {
    const a = await e.client.enqueue('noop', 'first', { jobId: 'global-id', queue: 'q-one' });
    const b = await e.client.enqueue('noop', 'second', { jobId: 'global-id', queue: 'q-two' });
    expect(b).toMatchObject({ id: 'global-id', queue: 'q-one' });
    expect((await b.info()).data).toBe('first');
    expect(await e.client.getJobIds('q-two', 'queued')).toEqual([]);
    const [c, d] = await e.client.enqueueMany([
      { name: 'noop', data: 'x', options: { jobId: 'batch-id', queue: 'q-one' } },
      { name: 'noop', data: 'y', options: { jobId: 'batch-id', queue: 'q-two' } },
    ]);
    expect(d).toMatchObject({ id: 'batch-id', queue: 'q-one' });
    expect(c!.queue).toBe('q-one');
    expect(await e.client.getJobIds('q-two', 'queued')).toEqual([]);
    expect((await e.client.getJob('global-id'))!.queue).toBe('q-one');
    // once deleted, the id is free for any queue
    await a.delete();
    const again = await e.client.enqueue('noop', 'third', { jobId: 'global-id', queue: 'q-two' });
    expect(again.queue).toBe('q-two');
    expect((await again.info()).data).toBe('third');
  });

  it('defaults cannot carry a per-call jobId or dependsOn', () => {
    expect(() => new QueueClient({ connection: testConnection(), defaultJobOptions: { jobId: 'x' } as never })).toThrow(/no `jobId` in defaultJobOptions/);
  });

  it('atFront puts a job at the head of its queue', async () => {
    await e.client.enqueue('noop', 1, { queue: 'front', jobId: 'f1' });
    await e.client.enqueue('noop', 2, { queue: 'front', jobId: 'f2' });
    await e.client.enqueue('noop', 3, { queue: 'front', jobId: 'urgent', atFront: true });
    expect(await e.client.getJobIds('front', 'queued')).toEqual(['urgent', 'f1', 'f2']);
  });

  it('getJob finds a job by id in any queue, or returns null', async () => {
    const h = await e.client.enqueue('noop', 1, { queue: 'findme' });
    const found = await e.client.getJob(h.id);
    expect(found).toMatchObject({ id: h.id, name: 'noop', queue: 'findme' });
    expect(await e.client.getJob(h.id, 'findme')).not.toBeNull();
    expect(await e.client.getJob('nope')).toBeNull();
  });

  it('keeps small jobs small: default options are not stored in the job hash', async () => {
    const h = await e.client.enqueue('noop', { p: 1 }, { queue: 'small' });
    const hash = await redis.hgetall(`${e.base('small')}job:${h.id}`);
    expect(Object.keys(hash)).toEqual(['s', 'n', 'c', 'd']);
    expect(hash).toMatchObject({ s: 'queued', n: 'noop', d: '{"p":1}' });
    expect(await redis.object('ENCODING', `${e.base('small')}job:${h.id}`)).toBe('listpack');
  });

  it('concurrent single enqueues share one script call, keep their order, and a bad one fails alone', async () => {
    await e.client.enqueue('noop', { i: -1 }, { queue: 'coalesce' }); // the queue name is registered once, first
    for (const s of await servers(redis)) await s.config('RESETSTAT');
    const calls = [
      e.client.enqueue('noop', { i: 0 }, { queue: 'coalesce' }),
      e.client.enqueue('noop', { i: 1 }, { queue: 'coalesce' }),
      e.client.enqueue('noop', { bad: () => 1 } as unknown, { queue: 'coalesce' }), // not JSON: rejected before batching
      e.client.enqueue('noop', { i: 3 }, { queue: 'coalesce', ttl: 'soon' as never }), // invalid option
      e.client.enqueue('noop', { i: 4 }, { queue: 'coalesce', atFront: false, description: 'kept' }),
      e.client.enqueue('noop', { i: 5 }, { queue: 'coalesce' }),
    ];
    const settled = await Promise.allSettled(calls);
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ name: 'PayloadNotSerializableError' });
    expect((settled[3] as PromiseRejectedResult).reason).toMatchObject({ name: 'InvalidOptionError' });
    const stats = (await Promise.all((await servers(redis)).map((s) => s.info('commandstats')))).join('\n');
    const count = (cmd: string) => [...stats.matchAll(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`, 'g'))].reduce((n, m) => n + Number(m[1]), 0);
    // one enqueue.lua call for the four valid jobs
    expect(count('evalsha') + count('eval')).toBe(1);
    const handles = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const queued = await e.client.getJobIds('coalesce', 'queued');
    expect(queued.slice(1)).toEqual(handles.map((h) => h.id));
    expect((await handles[2]!.info()).description).toBe('kept');
    expect((await handles[3]!.info()).data).toEqual({ i: 5 });
  });

  it('concurrent single enqueues of one caller-chosen id make one job, never overwritten', async () => {
    const [a, b] = await Promise.all([
      e.client.enqueue('noop', { i: 1 }, { queue: 'coalesce-id', jobId: 'coalesce-fixed' }),
      e.client.enqueue('noop', { i: 2 }, { queue: 'coalesce-id', jobId: 'coalesce-fixed' }),
    ]);
    expect(a!.id).toBe('coalesce-fixed');
    expect(b!.id).toBe('coalesce-fixed');
    expect((await a!.info()).data).toEqual({ i: 1 });
    expect(await e.client.getJobIds('coalesce-id', 'queued')).toEqual(['coalesce-fixed']);
  });

  it('enqueueMany keeps the data as it was at the call, over several chunks', async () => {
    const shared = { v: 'at call' };
    for (const queue of ['snap-new', 'snap-new']) {
      // first round: a new queue (registered first, so all is encoded before that); second: a known queue (the data
      // is encoded chunk by chunk while sending)
      const items = Array.from({ length: 600 }, (_, i) => ({ name: 'noop', data: i === 599 ? shared : { i }, options: { queue } }));
      const call = e.client.enqueueMany(items);
      shared.v = 'changed after';
      items[598]!.data = { i: -1 };
      const hs = await call;
      expect((await hs[599]!.info()).data).toEqual({ v: 'at call' });
      expect((await hs[598]!.info()).data).toEqual({ i: 598 });
      shared.v = 'at call';
    }
  });

  it('enqueueMany stores data with toJSON, and no job of a batch whose late item is bad', async () => {
    const [h] = await e.client.enqueueMany([{ name: 'noop', data: { when: new Date(0) }, options: { queue: 'tojson' } }]);
    expect((await h!.info()).data).toEqual({ when: '1970-01-01T00:00:00.000Z' });
    const items: { name: string; data: unknown; options: { queue: string } }[] = Array.from({ length: 700 }, (_, i) => ({ name: 'noop', data: { i }, options: { queue: 'tojson' } }));
    items[650]!.data = { n: 1n };
    await expect(e.client.enqueueMany(items)).rejects.toThrow(/BigInt/);
    expect(await e.client.getJobIds('tojson', 'queued')).toEqual([h!.id]);
  });
});
