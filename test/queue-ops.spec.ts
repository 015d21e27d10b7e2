import { engineOf } from '../src/core/engine-of.js';
import { engine } from './engine.js';
import { deferred, poll, sleep } from './helpers.js';

describe('queue operations', () => {
  it('a paused queue is fetched from by no worker, one started after the pause included; enqueue goes on; resume runs them', async () => {
    const ran: number[] = [];
    const e = engine('pause', { work: (n: number) => void ran.push(n) });
    expect(await e.client.pauseQueue('default')).toBe(true);
    expect(await e.client.pauseQueue('default')).toBe(false); // already paused
    e.worker({ blockTime: 0.1 });
    await e.client.enqueueMany([1, 2, 3].map((n) => ({ name: 'work', data: n })));
    // the worker keeps asking (blockTime 0.1 s): many rounds pass with the jobs still queued
    await sleep(500);
    expect(ran).toEqual([]);
    const [summary] = await e.client.getQueueSummaries(['default']);
    expect(summary).toMatchObject({ name: 'default', paused: true, counts: { queued: 3 } });
    expect(await e.client.resumeQueue('default')).toBe(true);
    await poll(async () => ran.length, (n) => n === 3);
    expect(ran.sort()).toEqual([1, 2, 3]);
    expect((await e.client.getQueueSummaries(['default']))[0]!.paused).toBe(false);
  });

  it('a paused queue still takes in its due delayed jobs (run on resume); deleteAll deletes scheduled jobs; requeue resets retries', async () => {
    const ran: string[] = [];
    const e = engine('pause-time', { work: (s: string) => void ran.push(s), boom: () => Promise.reject(new Error('boom')) }, { logFailedJobs: false });
    await e.client.pauseQueue('default');
    e.worker({ blockTime: 0.1 });
    const soon = await e.client.enqueue('work', 'soon', { delay: '200ms' });
    await e.client.enqueueMany([1, 2, 3].map(() => ({ name: 'work', data: 'late', options: { delay: '1h' } })));
    // due while paused: it joins the queue, and no worker takes it
    await poll(() => soon.getStatus(), (s) => s === 'queued');
    await sleep(300);
    expect(ran).toEqual([]);
    expect(await e.client.deleteAll('default', 'scheduled')).toBe(3);
    expect(await e.client.countJobs('default')).toMatchObject({ scheduled: 0, queued: 1 });
    await e.client.resumeQueue('default');
    await poll(async () => ran.length, (n) => n === 1);
    expect(ran).toEqual(['soon']);

    // a job that used up its retries starts them again once requeued
    const boom = await e.client.enqueue('boom', null, { retry: 1 });
    await poll(() => boom.getStatus(), (s) => s === 'failed');
    expect((await boom.info()).retries).toBe(1);
    await e.client.pauseQueue('default');
    expect((await e.client.requeueJobs([boom.id])).done).toEqual([boom.id]);
    expect(await boom.info()).toMatchObject({ status: 'queued', retries: 0, attempts: 0, scheduledFor: null });
  });

  it('emptyQueue deletes the queued jobs (more than one batch) and their dependents go on as for a deleted dependency', async () => {
    const e = engine('empty', { work: () => 'ok' });
    const handles = await e.client.enqueueMany(Array.from({ length: 2500 }, (_, i) => ({ name: 'work', data: i })));
    const dependent = await e.client.enqueue('work', 'after', { dependsOn: handles[0]!, queue: 'other' });
    expect(await dependent.getStatus()).toBe('deferred');
    const seen: [number, number][] = [];
    expect(await e.client.emptyQueue('default', (done, total) => seen.push([done, total]))).toBe(2500);
    expect((await e.client.countJobs('default')).queued).toBe(0);
    expect(await e.client.getJob(handles[1]!.id)).toBeNull();
    expect(seen[0]).toEqual([0, 2500]);
    expect(seen.at(-1)).toEqual([2500, 2500]);
    // a deleted dependency counts as met (the delete rule): the dependent in the other queue is queued
    await poll(() => dependent.getStatus(), (s) => s === 'queued');
  });

  it('requeueAll puts back every failed job (several batches), deleteAll deletes a status, and both refuse a status they cannot take', async () => {
    let fail = true;
    const e = engine('requeue-all', {
      flaky: () => {
        if (fail) throw new Error('down');
        return 'ok';
      },
    }, { logFailedJobs: false });
    await e.client.enqueueMany(Array.from({ length: 2100 }, (_, i) => ({ name: 'flaky', data: i })));
    const w = e.worker({ concurrency: 100 });
    await poll(() => e.client.countJobs('default'), (c) => c.failed === 2100, 30_000);
    await w.close();
    fail = false;
    const progress: number[] = [];
    expect(await e.client.requeueAll('default', 'failed', (done) => progress.push(done))).toBe(2100);
    expect(progress.at(-1)).toBe(2100);
    const counts = await e.client.countJobs('default');
    expect(counts).toMatchObject({ failed: 0, queued: 2100 });
    e.worker({ concurrency: 100 });
    await poll(() => e.client.countJobs('default'), (c) => c.finished === 2100, 30_000);
    expect(await e.client.deleteAll('default', 'finished')).toBe(2100);
    expect((await e.client.countJobs('default')).finished).toBe(0);
    await expect(e.client.requeueAll('default', 'queued' as 'failed')).rejects.toThrow(/Invalid option `status`: got "queued"; expected one of failed, canceled, stopped, expired/);
    await expect(e.client.deleteAll('default', 'started' as 'queued')).rejects.toThrow(/Invalid option `status`/);
  });

  it('requeueJobs and deleteJobs take many ids across queues, and say which were missing or refused', async () => {
    const e = engine('many-ids', { boom: () => Promise.reject(new Error('boom')), ok: () => 1 }, { logFailedJobs: false });
    const a = await e.client.enqueue('boom', null, { queue: 'qa' });
    const b = await e.client.enqueue('boom', null, { queue: 'qb' });
    const c = await e.client.enqueue('ok', null, { queue: 'qa' });
    e.worker({ queues: ['qa', 'qb'] });
    await poll(() => Promise.all([a.getStatus(), b.getStatus(), c.getStatus()]), (s) => s.join() === 'failed,failed,finished');
    const out = await e.client.requeueJobs([a.id, b.id, c.id, 'nope']);
    expect(out.done.sort()).toEqual([a.id, b.id].sort());
    expect(out.missing).toEqual(['nope']);
    expect(out.refused).toEqual([{ id: c.id, status: 'finished' }]);
    const del = await e.client.deleteJobs([a.id, c.id, 'nope'], { queue: 'qa' });
    expect(del.done).toEqual([a.id, c.id]);
    expect(del.missing).toEqual(['nope']);
    expect(await e.client.getJob(a.id)).toBeNull();
  });

  it('listJobs pages one status with the jobs info, and checks its bounds', async () => {
    const e = engine('list', {});
    const handles = await e.client.enqueueMany(Array.from({ length: 30 }, (_, i) => ({ name: 'x', data: { i } })));
    const page = await e.client.listJobs('default', 'queued', { offset: 10, limit: 5 });
    expect(page).toMatchObject({ queue: 'default', status: 'queued', total: 30, offset: 10, limit: 5 });
    expect(page.jobs.map((j) => j.id)).toEqual(handles.slice(10, 15).map((h) => h.id));
    expect(page.jobs[0]!.data).toEqual({ i: 10 });
    await expect(e.client.listJobs('default', 'queued', { limit: 0 })).rejects.toThrow(/Invalid option `limit`/);
    await expect(e.client.listJobs('default', 'bogus' as 'queued')).rejects.toThrow(/Invalid option `status`/);
  });
});

describe('registry of live workers', () => {
  it('lists each live worker with its queues, host, pid, running and ended jobs; a closed worker leaves it', async () => {
    const gate = deferred();
    const e = engine('workers', { hold: () => gate.promise, quick: () => 1, bad: () => Promise.reject(new Error('x')) }, { logFailedJobs: false });
    const w = e.worker({ queues: ['default', 'side'], concurrency: 4, leaseTime: '600ms' });
    // 'bad' runs twice: a retried run, then a failed one
    await e.client.enqueueMany([{ name: 'quick' }, { name: 'quick' }, { name: 'bad', options: { queue: 'side', retry: 1 } }]);
    await e.client.enqueue('hold');
    const info = await poll(
      async () => (await e.client.getWorkers()).find((x) => x.id === w.id),
      (x) => x !== undefined && x.running === 1 && x.finished === 2 && x.failed === 1 && x.retried === 1,
    );
    expect(info).toMatchObject({
      queues: ['default', 'side'],
      concurrency: 4,
      pid: process.pid,
      perQueue: { default: { finished: 2, failed: 0, retried: 0 }, side: { finished: 0, failed: 1, retried: 1 } },
    });
    expect(info!.lastSeen.getTime()).toBeGreaterThanOrEqual(info!.startedAt.getTime());
    expect(info!.lapsesAt.getTime()).toBeGreaterThan(info!.lastSeen.getTime());
    const [summary] = await e.client.getQueueSummaries(['side']);
    expect(summary!.workers).toBe(1);
    // the consumers of one queue (deleteQueue, a timed-out wait and the no-worker warning ask the registry this)
    const registry = engineOf(e.client).workers;
    expect((await registry.consumersOf('side')).map((x) => x.id)).toEqual([w.id]);
    expect(await registry.consumersOf('elsewhere')).toEqual([]);
    gate.resolve();
    await w.close();
    expect((await e.client.getWorkers()).map((x) => x.id)).not.toContain(w.id);
  });

  it('a worker that stops refreshing its entry (it died) is dropped once it lapses, and swept by another worker', async () => {
    const e = engine('workers-lapse', {});
    const keys = { hash: `${e.prefix}:workers`, lapse: `${e.prefix}:workers:lapse` };
    const now = Date.now();
    // the entry a killed worker leaves behind: it lapsed a moment ago
    const dead = { id: 'worker:gone:1:dead', host: 'gone', pid: 1, queues: ['default'], concurrency: 1, running: 1, perQueue: {}, startedAt: now - 5000, lastSeen: now - 2000, lapsesAt: now - 1000 };
    await e.redis.hset(keys.hash, dead.id, JSON.stringify(dead));
    await e.redis.zadd(keys.lapse, dead.lapsesAt, dead.id);
    expect((await e.client.getWorkers()).map((x) => x.id)).toEqual([]);
    expect(await engineOf(e.client).workers.consumersOf('default')).toEqual([]);
    const w = e.worker({ leaseTime: '600ms' });
    await poll(() => e.redis.hexists(keys.hash, dead.id), (n) => n === 0);
    expect(await e.redis.zscore(keys.lapse, dead.id)).toBeNull();
    expect((await e.client.getWorkers()).map((x) => x.id)).toEqual([w.id]);
  });
});
