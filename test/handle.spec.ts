import { ClientClosedError, InvalidJobStateError, JobNotFoundError } from '../src/index.js';
import { keysOf, rawRedis, servers, subscribersOf } from './helpers.js';
import { engine } from './engine.js';

describe('JobHandle operations', () => {
  const redis = rawRedis();
  afterAll(() => redis.disconnect());

  it('cancel(): a queued job leaves its queue, is canceled and never runs', async () => {
    const ran: string[] = [];
    const e = engine('h-cancel', { j: (d: string) => void ran.push(d) });
    const a = await e.client.enqueue('j', 'a');
    const b = await e.client.enqueue('j', 'b');
    await a.cancel();
    expect(await a.getStatus()).toBe('canceled');
    expect(await e.client.getJobIds('default', 'queued')).toEqual([b.id]);
    expect(await e.client.getJobIds('default', 'canceled')).toEqual([a.id]);
    e.worker();
    await b.result({ timeout: '5s' });
    await expect(a.result({ timeout: '1s' })).rejects.toMatchObject({ status: 'canceled', errorName: 'JobCanceledError' });
    expect(ran).toEqual(['b']);
    await expect(b.cancel()).rejects.toBeInstanceOf(InvalidJobStateError);
    await expect(b.cancel()).rejects.toThrow(/Cannot cancel job .*status is "finished"/);
  });

  it('requeue(): a failed job goes back to queued with attempts reset and runs again', async () => {
    let fail = true;
    const e = engine('h-requeue', {
      flaky: () => {
        if (fail) throw new Error('first time');
        return 'second time';
      },
    });
    const h = await e.client.enqueue('flaky');
    const first = e.worker();
    await expect(h.result({ timeout: '5s' })).rejects.toMatchObject({ errorMessage: 'first time' });
    await first.close(); // the requeued job must not run (and get its result ttl) before its key is looked at
    fail = false;
    await h.requeue();
    expect(await redis.pttl(`${e.base('default')}job:${h.id}`)).toBe(-1); // no longer expiring as a failure
    e.worker();
    expect(await h.result({ timeout: '5s' })).toBe('second time');
    const info = await h.info();
    expect(info).toMatchObject({ status: 'finished', error: null, attempts: 1 });
    expect(await e.client.getJobIds('default', 'failed')).toEqual([]);
    await expect(h.requeue()).rejects.toThrow(/Cannot requeue job .*"finished"; requeue applies only to failed, canceled, stopped or expired/);
  });

  it('delete(): removes the job from its hash and every registry; operations then say it does not exist', async () => {
    const e = engine('h-delete', { j: () => 1 });
    const q = await e.client.enqueue('j');
    const f = await e.client.enqueue('j', null, { queue: 'fin' });
    e.worker({ queues: ['fin'] });
    await f.result({ timeout: '5s' });
    expect(await q.delete()).toBe(true);
    expect(await f.delete()).toBe(true);
    expect(await q.delete()).toBe(false);
    expect(await e.client.getJobIds('default', 'queued')).toEqual([]);
    expect(await e.client.getJobIds('fin', 'finished')).toEqual([]);
    expect(await keysOf(redis, `${e.prefix}:{default}:job:*`)).toEqual([]);
    await expect(q.getStatus()).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(q.info()).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(q.cancel()).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(q.result({ timeout: '1s' })).rejects.toBeInstanceOf(JobNotFoundError);
    expect(await e.client.getJob(q.id)).toBeNull();
  });

  it('result() subscribes to its queue only while someone waits, and close() ends the waits still pending', async () => {
    const e = engine('h-closewait', { j: () => 1 });
    const channel = `${e.base('default')}events`;
    const subscribers = () => subscribersOf(redis, channel);
    const h = await e.client.enqueue('j');
    const first = h.result({ timeout: '5s' });
    for (let i = 0; i < 100 && (await subscribers()) === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await subscribers()).toBe(1);
    e.worker();
    expect(await first).toBe(1);
    // the queue publishes every end while anyone waits on it: a process that stopped waiting stops listening
    for (let i = 0; i < 100 && (await subscribers()) > 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(await subscribers()).toBe(0);
    const pending = await e.client.enqueue('j', null, { queue: 'idle' }); // no worker runs this queue
    const waiting = pending.result().catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 50));
    await e.client.close();
    expect(await waiting).toBeInstanceOf(ClientClosedError);
    await expect(pending.result()).rejects.toBeInstanceOf(ClientClosedError);
  });

  it('delete() of a job someone waits on wakes the waiter with JobNotFoundError', async () => {
    const e = engine('h-delwait', { j: () => 1 });
    const h = await e.client.enqueue('j');
    const waiting = h.result({ timeout: '5s' }).catch((err: unknown) => err); // settles during delete()
    for (let i = 0; i < 100 && !(await redis.exists(`${e.base('default')}waiting`)); i++) await new Promise((r) => setTimeout(r, 5));
    await h.delete();
    expect(await waiting).toBeInstanceOf(JobNotFoundError);
  });

  it('deleting a running job makes its worker drop the outcome and abort the handler', async () => {
    let aborted = false;
    const e = engine('h-delrun', {
      long: (_d: unknown, ctx: { signal: AbortSignal }) =>
        new Promise((r) => ctx.signal.addEventListener('abort', () => r((aborted = true)))),
    });
    const h = await e.client.enqueue('long');
    const w = e.worker({ leaseTime: '300ms' });
    for (let i = 0; i < 200 && w.activeCount === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await h.delete();
    for (let i = 0; i < 200 && !aborted; i++) await new Promise((r) => setTimeout(r, 10));
    expect(aborted).toBe(true);
    expect(w.activeCount).toBe(0);
    expect(await redis.exists(`${e.base('default')}job:${h.id}`)).toBe(0); // not resurrected by a late outcome
  });

  it('a result() waiter whose subscriber reconnects asks again, so an end it missed still wakes it', async () => {
    const e = engine('h-reconnect', { j: () => 1 });
    const h = await e.client.enqueue('j');
    const waiting = h.result({ timeout: '10s' });
    const key = `${e.base('default')}job:${h.id}`;
    for (let i = 0; i < 100 && !(await redis.exists(`${e.base('default')}waiting`)); i++) await new Promise((r) => setTimeout(r, 5));
    for (const s of await servers(redis)) await s.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    // the job ends while nobody listens, and nothing is published: only asking again can tell the waiter
    await redis.hset(key, 's', 'finished', 'r', '42');
    expect(await waiting).toBe(42);
  });

  it('many result() waiters on many jobs are all woken', async () => {
    const e = engine('h-many', { sq: (n: number) => n * n });
    const hs = await e.client.enqueueMany(Array.from({ length: 300 }, (_, i) => ({ name: 'sq', data: i })));
    const all = Promise.all(hs.map((h) => h.result({ timeout: '10s' })));
    e.worker({ concurrency: 50 });
    expect(await all).toEqual(hs.map((_, i) => i * i));
  });
});
