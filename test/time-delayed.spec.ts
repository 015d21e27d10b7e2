import { InvalidJobStateError, InvalidOptionError, QueueClient, type JobContext } from '../src/index.js';
import { engine } from './engine.js';
import { deferred, rawRedis, sleep, testConnection, uniquePrefix } from './helpers.js';

// Delayed jobs (issue 12, point 1): `delay` / `runAt`, status `scheduled`, promotion by the queue's own workers.
describe('delayed jobs', () => {
  const redis = rawRedis();
  afterAll(() => redis.disconnect());

  const redisNow = async () => {
    const [s, us] = await redis.time();
    return Number(s) * 1000 + Math.floor(Number(us) / 1000);
  };

  it('a delayed job is scheduled, listed in run-time order and counted, with its scheduledFor', async () => {
    const e = engine('d-list', { j: () => 1 });
    const before = await redisNow();
    const late = await e.client.enqueue('j', null, { delay: '1h' });
    const soon = await e.client.enqueue('j', null, { delay: '10m' });
    const at = new Date(before + 30 * 60_000);
    const mid = await e.client.enqueue('j', null, { runAt: at });
    const plain = await e.client.enqueue('j');
    expect(await late.getStatus()).toBe('scheduled');
    expect(await plain.getStatus()).toBe('queued');
    expect(await e.client.getJobIds('default', 'scheduled')).toEqual([soon.id, mid.id, late.id]);
    expect(await e.client.getJobIds('default', 'queued')).toEqual([plain.id]);
    expect(await e.client.countJobs('default')).toMatchObject({ scheduled: 3, queued: 1 });
    const info = await late.info();
    expect(info.status).toBe('scheduled');
    expect(info.scheduledFor!.getTime()).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(info.scheduledFor!.getTime()).toBeLessThan((await redisNow()) + 3_600_000 + 1);
    expect((await mid.info()).scheduledFor).toEqual(at);
    expect((await plain.info()).scheduledFor).toBeNull();
  });

  it('runAt in the past, or a delay of 0, means now; delay with runAt, or either as a default, is refused', async () => {
    const e = engine('d-opts', { j: () => 1 });
    expect(await (await e.client.enqueue('j', null, { runAt: Date.now() - 60_000 })).getStatus()).toBe('queued');
    expect(await (await e.client.enqueue('j', null, { delay: 0 })).getStatus()).toBe('queued');
    await expect(e.client.enqueue('j', null, { delay: '1s', runAt: Date.now() + 1000 })).rejects.toThrow(/`runAt`.*together with `delay`/);
    await expect(e.client.enqueue('j', null, { delay: 'soon' as never })).rejects.toThrow(InvalidOptionError);
    await expect(e.client.enqueue('j', null, { runAt: new Date('nope') })).rejects.toThrow(/`runAt`.*valid Date/);
    await expect(e.client.enqueue('j', null, { runAt: '2030-01-01' as never })).rejects.toThrow(/`runAt`/);
    expect(() => new QueueClient({ connection: testConnection(), prefix: uniquePrefix('d-def'), defaultJobOptions: { delay: '1s' } as never })).toThrow(
      /no `delay` in defaultJobOptions/,
    );
    expect(await redis.keys(`${e.prefix}:*scheduled`)).toEqual([]);
  });

  it('a worker runs a delayed job once it is due, not before', async () => {
    const started: number[] = [];
    const e = engine('d-run', { j: () => void started.push(Date.now()) });
    e.worker();
    const h = await e.client.enqueue('j', null, { delay: '400ms' });
    await h.result({ timeout: '10s' });
    const info = await h.info();
    expect(info.status).toBe('finished');
    expect(info.startedAt!.getTime()).toBeGreaterThanOrEqual(info.scheduledFor!.getTime());
    expect(info.scheduledFor!.getTime() - info.enqueuedAt!.getTime()).toBe(400);
    expect(started).toHaveLength(1);
    expect(await e.client.getJobIds('default', 'scheduled')).toEqual([]);
  });

  it('an idle worker wakes at the due moment, not at the end of its blocking wait (blockTime 30 s)', async () => {
    const e = engine('d-wake', { j: () => 1 });
    e.worker({ blockTime: '30s' });
    // the worker is blocked, knowing of nothing due; this enqueue tells it (a wake-up) and it waits for the due time
    await sleep(200);
    const h = await e.client.enqueue('j', null, { delay: '500ms' });
    await h.result({ timeout: '20s' });
    const info = await h.info();
    // generous for a loaded machine, and far below the 30 s a worker sleeping out its BLPOP would take
    expect(info.startedAt!.getTime() - info.scheduledFor!.getTime()).toBeLessThan(5_000);
    // and again with the worker now knowing a due time: a second, earlier job moves it
    const later = await e.client.enqueue('j', null, { delay: '20s' });
    const earlier = await e.client.enqueue('j', null, { delay: '300ms' });
    await earlier.result({ timeout: '15s' });
    expect(await later.getStatus()).toBe('scheduled');
  });

  it('enqueueMany with delays: each its own run time, all promoted in run-time order', async () => {
    const order: number[] = [];
    const e = engine('d-many', { j: (d: number) => void order.push(d) });
    const now = await redisNow();
    const hs = await e.client.enqueueMany(
      [5, 1, 4, 2, 3].map((k) => ({ name: 'j', data: k, options: { runAt: now + 300 + k * 50 } })),
    );
    expect(await e.client.getJobIds('default', 'scheduled')).toEqual([1, 3, 4, 2, 0].map((i) => hs[i]!.id));
    e.worker({ concurrency: 1 });
    await Promise.all(hs.map((h) => h.result({ timeout: '10s' })));
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });

  it('promote() runs a scheduled job now; a job in another status is refused', async () => {
    const e = engine('d-promote', { j: () => 'ran' });
    const h = await e.client.enqueue('j', null, { delay: '1h' });
    e.worker();
    await h.promote();
    expect(await h.result({ timeout: '10s' })).toBe('ran');
    const info = await h.info();
    // it became runnable when promoted, not an hour from now
    expect(info.scheduledFor!.getTime()).toBeLessThanOrEqual(info.startedAt!.getTime());
    await expect(h.promote()).rejects.toThrow(InvalidJobStateError);
    await expect(h.promote()).rejects.toThrow(/its status is "finished"; promote applies only to scheduled jobs/);
  });

  it('cancel() of a scheduled job: canceled, and never run', async () => {
    let runs = 0;
    const e = engine('d-cancel', { j: () => void runs++ });
    const h = await e.client.enqueue('j', null, { delay: '300ms' });
    await h.cancel();
    expect(await h.getStatus()).toBe('canceled');
    expect(await e.client.getJobIds('default', 'scheduled')).toEqual([]);
    const probe = await e.client.enqueue('j', null, { delay: '400ms' });
    e.worker();
    await probe.result({ timeout: '10s' });
    expect(runs).toBe(1);
    expect(await h.getStatus()).toBe('canceled');
  });

  it('ttl counts from the run time: a delayed job does not expire while it waits for it, and does after', async () => {
    const e = engine('d-ttl', { j: () => 'ran' });
    const runs = await e.client.enqueue('j', null, { delay: '300ms', ttl: '1h' });
    const expires = await e.client.enqueue('j', null, { delay: '200ms', ttl: '200ms' });
    const a = await runs.info();
    expect(a.expiresAt!.getTime() - a.scheduledFor!.getTime()).toBe(3_600_000);
    const b = await expires.info();
    expect(b.expiresAt!.getTime() - b.scheduledFor!.getTime()).toBe(200);
    // no worker until the second job's run time and ttl have passed
    await sleep(b.expiresAt!.getTime() - Date.now() + 200);
    e.worker();
    expect(await runs.result({ timeout: '10s' })).toBe('ran');
    await expect(expires.result({ timeout: '10s' })).rejects.toMatchObject({ status: 'expired' });
  });

  it('dependsOn with a delay waits for both: released early it is scheduled, released late it is queued', async () => {
    const gate = deferred();
    const e = engine('d-deps', { parent: () => gate.promise, child: () => 'child ran' });
    const parent = await e.client.enqueue('parent');
    const early = await e.client.enqueue('child', null, { dependsOn: parent, delay: '1h' });
    const late = await e.client.enqueue('child', null, { dependsOn: parent, delay: '200ms' });
    expect(await early.getStatus()).toBe('deferred');
    expect((await early.info()).scheduledFor).not.toBeNull();
    await sleep(400); // the second one's run time passes while its dependency still runs (or waits)
    e.worker();
    gate.resolve();
    await parent.result({ timeout: '10s' });
    expect(await late.result({ timeout: '10s' })).toBe('child ran');
    expect(await early.getStatus()).toBe('scheduled');
    expect(await e.client.getJobIds('default', 'scheduled')).toEqual([early.id]);
    await early.promote();
    expect(await early.result({ timeout: '10s' })).toBe('child ran');
  });

  it('every worker of the queue promotes: several workers run each due job exactly once', async () => {
    const seen = new Map<string, number>();
    const e = engine('d-workers', { j: (_d: unknown, ctx: JobContext) => void seen.set(ctx.id, (seen.get(ctx.id) ?? 0) + 1) });
    const now = await redisNow();
    const hs = await e.client.enqueueMany(Array.from({ length: 300 }, (_, i) => ({ name: 'j', options: { runAt: now + 200 + (i % 30) * 10 } })));
    e.worker({ concurrency: 5 });
    e.worker({ concurrency: 5 });
    e.worker({ concurrency: 5 });
    const all = Promise.all(hs.map((h) => h.result({ timeout: '20s' })));
    // a job a fetch takes straight from `scheduled` never shows in the queue as scheduled: read the queue meanwhile
    const inQueue = new Set<string>();
    let done = false;
    void all.finally(() => (done = true));
    while (!done) {
      const ids = await e.client.getJobIds('default', 'queued');
      const statuses = await Promise.all(ids.map((id) => e.redis.hget(`${e.base('default')}job:${id}`, 's')));
      for (const st of statuses) if (st) inQueue.add(st);
      await sleep(5);
    }
    await all;
    expect(inQueue.has('scheduled')).toBe(false);
    expect(seen.size).toBe(300);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });

  it('sync mode: a delayed job stays scheduled until promote(), which runs it before it resolves', async () => {
    const ran: string[] = [];
    const e = engine('d-sync', { j: (d: string) => (ran.push(d), d.toUpperCase()) }, { isAsync: false });
    const h = await e.client.enqueue('j', 'later', { delay: '1h' });
    expect(await h.getStatus()).toBe('scheduled');
    expect(ran).toEqual([]);
    await h.promote();
    expect(ran).toEqual(['later']);
    expect(await h.getStatus()).toBe('finished');
    expect(await h.result()).toBe('LATER');
  });
});
