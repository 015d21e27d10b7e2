import { InvalidOptionError, QueueClient, type JobHandle } from '../src/index.js';
import { engineOf } from '../src/core/engine-of.js';
import { engine } from './engine.js';
import { keysOf, poll, sleep, testConnection } from './helpers.js';

type Made = ReturnType<typeof engine>;

/** The unique keys of a queue as stored (SCAN over every server). */
function uniqueKeys(e: Made, queue = 'default'): Promise<string[]> {
  return keysOf(e.redis, `${e.base(queue)}unique:*`);
}

/** Enqueues the same unique job again: a new job (not a duplicate) shows its key was let go. */
async function again(e: Made, data: unknown = { n: 1 }): Promise<JobHandle> {
  return e.client.enqueue('work', data, { unique: true });
}

describe('unique jobs', () => {
  it('50 concurrent enqueues of one unique job (data keys in any order, from two clients) store exactly one', async () => {
    const e = engine('uq-50', { work: () => 'ok' });
    const other = new QueueClient({ connection: testConnection(), prefix: e.prefix });
    try {
      const handles = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? other : e.client).enqueue('work', i % 3 ? { a: 1, b: [1, 2] } : { b: [1, 2], a: 1 }, { unique: true })),
      );
      const ids = new Set(handles.map((h) => h.id));
      expect(ids.size).toBe(1);
      expect(handles.filter((h) => !h.duplicate)).toHaveLength(1);
      expect(handles.filter((h) => h.duplicate).every((h) => h.enqueuedStatus === 'queued')).toBe(true);
      expect(await e.client.countJobs('default')).toMatchObject({ queued: 1 });
      expect(await uniqueKeys(e)).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('within one enqueueMany batch, a custom key across names, other data and non-unique jobs are apart', async () => {
    const e = engine('uq-batch', { work: () => 'ok', other: () => 'ok' });
    const handles = await e.client.enqueueMany([
      { name: 'work', data: { n: 1 }, options: { unique: true } },
      { name: 'work', data: { n: 1 }, options: { unique: true } },
      { name: 'work', data: { n: 2 }, options: { unique: true } },
      { name: 'other', data: { n: 1 }, options: { unique: true } },
      { name: 'work', data: { n: 1 } },
      { name: 'work', data: 1, options: { unique: { key: 'account-7' } } },
      { name: 'other', data: 2, options: { unique: { key: 'account-7' } } },
    ]);
    expect(handles.map((h) => h.duplicate)).toEqual([false, true, false, false, false, false, true]);
    expect(handles[1]!.id).toBe(handles[0]!.id);
    // the live job's handle: its own name, not the refused one's
    expect(handles[6]).toMatchObject({ id: handles[5]!.id, name: 'work', duplicate: true });
    expect((await e.client.countJobs('default')).queued).toBe(5);
  });

  it('sync mode: the job runs within its enqueue, so its key is let go before the next enqueue, which makes a new job', async () => {
    const e = engine('uq-sync', { work: (n: number) => n * 2 }, { isAsync: false });
    const a = await e.client.enqueue('work', 1, { unique: true });
    expect(await a.result()).toBe(2);
    const b = await e.client.enqueue('work', 1, { unique: true });
    expect(b.duplicate).toBe(false);
    expect(b.id).not.toBe(a.id);
    expect(await uniqueKeys(e)).toEqual([]);
  });

  it('`ttl` bounds how long the key holds; bad options are refused with what was expected', async () => {
    const e = engine('uq-ttl', { work: () => 'ok' });
    const a = await e.client.enqueue('work', 1, { unique: { ttl: '300ms' } });
    expect((await e.client.enqueue('work', 1, { unique: { ttl: '300ms' } })).duplicate).toBe(true);
    await poll(() => uniqueKeys(e), (k) => k.length === 0);
    const b = await e.client.enqueue('work', 1, { unique: true });
    expect(b.duplicate).toBe(false);
    expect(b.id).not.toBe(a.id);
    await expect(e.client.enqueue('work', 1, { unique: 'yes' as never })).rejects.toThrow(InvalidOptionError);
    await expect(e.client.enqueue('work', 1, { unique: { key: '' } })).rejects.toThrow(/unique\.key.*non-empty/);
    await expect(e.client.enqueue('work', 1, { unique: { keys: 'x' } as never })).rejects.toThrow(/`keys` is not one/);
  });

  it('a retried job keeps its key while it waits to run again; failing for good lets it go', async () => {
    let fail = true;
    const e = engine('uq-retry', {
      work: () => {
        if (fail) throw new Error('down');
        return 'ok';
      },
    }, { logFailedJobs: false });
    const a = await e.client.enqueue('work', { n: 1 }, { unique: true, retry: { max: 1, backoff: { type: 'fixed', delay: '1h' } } });
    e.worker();
    await poll(() => a.getStatus(), (s) => s === 'scheduled');
    expect((await again(e)).duplicate).toBe(true);
    fail = true;
    await a.promote();
    await poll(() => a.getStatus(), (s) => s === 'failed');
    expect((await again(e)).duplicate).toBe(false);
  });

  // each way a job can end lets its key go: the same job enqueued again is new, and no unique key is left over
  const ends: [string, (e: Made, h: JobHandle) => Promise<void>, Record<string, unknown>?][] = [
    ['finished', async (e, h) => {
      e.worker();
      await h.result();
    }],
    ['failed', async (e, h) => {
      e.worker();
      await poll(() => h.getStatus(), (s) => s === 'failed');
    }, { fail: true }],
    ['canceled', (_e, h) => h.cancel()],
    ['deleted', async (_e, h) => void (await h.delete())],
    ['emptied', async (e) => void (await e.client.emptyQueue('default'))],
    ['expired', async (e, h) => {
      await sleep(300);
      e.worker();
      await poll(() => h.getStatus(), (s) => s === 'expired');
    }, { ttl: '200ms' }],
    ['stopped', async (e, h) => {
      e.worker();
      await poll(() => h.getStatus(), (s) => s === 'started');
      await h.stop();
    }, { hang: true }],
    ['reclaimed for good (abandoned)', async (e, h) => {
      // a worker that fetched it and died: its lease runs out, and another worker's maintenance fails it
      const engineRef = engineOf(e.client);
      const dead = 'w-dead';
      await engineRef.run('work', 'default', [dead, 50, 1, '', ''], { held: engineRef.queue('default').held(dead) });
      expect(await h.getStatus()).toBe('started');
      e.worker({ leaseTime: '1s' });
      await poll(() => h.getStatus(), (s) => s === 'failed', 15_000);
      expect((await h.info()).error?.name).toBe('JobAbandonedError');
    }, { attempts: 1 }],
  ];
  it.each(ends)('the key is let go when the job is %s', async (_how, end, extra = {}) => {
    const { fail, hang, ...options } = extra as { fail?: boolean; hang?: boolean };
    const e = engine('uq-end', {
      work: async (_d: unknown, ctx) => {
        if (fail) throw new Error('boom');
        if (hang) await new Promise((r) => ctx.signal.addEventListener('abort', r));
        return 'ok';
      },
    }, { logFailedJobs: false });
    const h = await e.client.enqueue('work', { n: 1 }, { unique: true, ...options });
    expect(await uniqueKeys(e)).toHaveLength(1);
    await end(e, h);
    await poll(() => uniqueKeys(e), (k) => k.length === 0);
    // a worker may still run: pause so the new job stays queued while it is looked at
    await e.client.pauseQueue('default');
    const b = await again(e);
    expect(b.duplicate).toBe(false);
    expect(b.id).not.toBe(h.id);
    expect(await uniqueKeys(e)).toHaveLength(1);
  });

  it('a recurring schedule with `unique` skips its ticks while an earlier tick\'s job still waits', async () => {
    const e = engine('uq-schedule', { work: () => 'ok' });
    await e.client.pauseQueue('default');
    await e.client.upsertSchedule('every-100ms', { every: '100ms' }, 'work', { n: 1 }, { unique: true });
    e.worker({ blockTime: 0.05 });
    await poll(async () => (await e.client.getSchedules())[0]!.runs, (runs) => runs >= 4);
    expect((await e.client.countJobs('default')).queued).toBe(1);
    expect(await uniqueKeys(e)).toHaveLength(1);
  });

  it('run now of a `unique` schedule whose job is live makes none and returns that job, as a duplicate', async () => {
    const e = engine('uq-run-now', { work: () => 'ok' });
    await e.client.upsertSchedule('yearly', { cron: '0 0 1 1 *' }, 'work', { n: 1 }, { unique: true });
    const first = (await e.client.runSchedule('yearly'))!;
    expect(first.duplicate).toBe(false);
    const second = (await e.client.runSchedule('yearly'))!;
    expect(second).toMatchObject({ id: first.id, duplicate: true });
    expect((await e.client.countJobs('default')).queued).toBe(1);
    e.worker();
    expect(await first.result()).toBe('ok');
    // its key let go when it ended: run now makes a job again
    const third = (await e.client.runSchedule('yearly'))!;
    expect(third.duplicate).toBe(false);
    expect(third.id).not.toBe(first.id);
  });

  it('a requeued job takes its key again when it is free', async () => {
    const e = engine('uq-requeue', { work: () => 'ok' });
    const h = await e.client.enqueue('work', { n: 1 }, { unique: true });
    await h.cancel();
    await h.requeue();
    const b = await again(e);
    expect(b).toMatchObject({ id: h.id, duplicate: true });
  });
});
