import { InvalidOptionError, QueueClient, type EnqueueItem, type EnqueueOptions, type JobHandle, type Worker } from '../src/index.js';
import { engineOf } from '../src/core/engine-of.js';
import { engine } from './engine.js';
import { deferred, poll, servers, sleep, testConnection } from './helpers.js';

type Made = ReturnType<typeof engine>;

/** The running count of group `id` as stored (0 when absent), and whether any job still carries its running mark. */
async function running(e: Made, id: string, queue = 'default'): Promise<number> {
  return Number((await e.redis.hget(`${e.base(queue)}grun`, id)) ?? 0);
}

describe('groups (per-tenant limits)', () => {
  it('is fair: 10 jobs of tenant B enqueued after 1,000 of tenant A all start within the first 20 starts', async () => {
    const order: string[] = [];
    const enough = deferred();
    const e = engine('grp-fair', {
      work: (t: string) => {
        order.push(t);
        if (order.length === 25) enough.resolve();
      },
    });
    await e.client.enqueueMany(Array.from({ length: 1000 }, () => ({ name: 'work', data: 'A', options: { group: { id: 'A' } } })));
    await e.client.enqueueMany(Array.from({ length: 10 }, () => ({ name: 'work', data: 'B', options: { group: { id: 'B' } } })));
    e.worker({ concurrency: 1 });
    await enough.promise;
    const firstB = order.slice(0, 20).filter((t) => t === 'B').length;
    expect({ firstB, order: order.slice(0, 20).join('') }).toMatchObject({ firstB: 10 });
  });

  it('holds each group to its concurrency over two workers of 10 slots, while jobs without a group run beside them', async () => {
    const now = new Map<string, number>();
    const most = new Map<string, number>();
    const e = engine('grp-conc', {
      work: async (g: string) => {
        const n = (now.get(g) ?? 0) + 1;
        now.set(g, n);
        most.set(g, Math.max(most.get(g) ?? 0, n));
        await sleep(15);
        now.set(g, now.get(g)! - 1);
      },
    });
    const items = [];
    for (let i = 0; i < 30; i++) {
      items.push({ name: 'work', data: 'x', options: { group: { id: 'x', concurrency: 2 } } });
      items.push({ name: 'work', data: 'y', options: { group: { id: 'y', concurrency: 1 } } });
      if (i < 10) items.push({ name: 'work', data: 'plain' });
    }
    const handles = await e.client.enqueueMany(items);
    e.worker({ concurrency: 10 });
    e.worker({ concurrency: 10 });
    await Promise.all(handles.map((h) => h.result()));
    expect(Object.fromEntries(most)).toEqual({ x: 2, y: 1, plain: expect.any(Number) });
    expect(await running(e, 'x')).toBe(0);
    expect(await running(e, 'y')).toBe(0);
    expect(await e.client.getGroups('default')).toEqual([
      { group: 'x', queued: 0, running: 0, concurrency: 2, rateLimit: null },
      { group: 'y', queued: 0, running: 0, concurrency: 1, rateLimit: null },
    ]);
  });

  // each way a running job stops leaves its group's running count, once: it is back to 0, and the group runs again
  const ends: [string, (h: JobHandle, w: Worker) => Promise<unknown>, Record<string, unknown>?][] = [
    ['finished', (h) => h.result()],
    ['failed', (h) => poll(() => h.getStatus(), (s) => s === 'failed'), { fail: true }],
    ['retried at once, then finished', (h) => h.result(), { failOnce: true, retry: { max: 1 } }],
    ['retried after a backoff (scheduled)', (h) => poll(() => h.getStatus(), (s) => s === 'scheduled'), { fail: true, retry: { max: 1, backoff: { type: 'fixed', delay: '1h' } } }],
    ['stopped', (h) => h.stop(), { hang: true }],
    ['deleted while running', (h) => h.delete(), { hang: true }],
    // the worker's close gives its job no time, aborts it and releases it to the front of its group's list
    ['released at worker shutdown', async (h, w) => {
      await w.close();
      await poll(() => h.getStatus(), (s) => s === 'queued');
    }, { hang: true }],
  ];
  it.each(ends)('the running count goes back to 0 when the job is %s', async (how, end, extra = {}) => {
    const { fail, failOnce, hang, ...options } = extra as { fail?: boolean; failOnce?: boolean; hang?: boolean };
    let failed = false;
    let hung = false;
    const e = engine('grp-end', {
      work: async (n: number, ctx) => {
        if ((fail && n === 1) || (failOnce && !failed)) {
          failed = true;
          throw new Error('boom');
        }
        // only its first run hangs: a released job runs again, and then ends
        if (hang && n === 1 && !hung) {
          hung = true;
          await new Promise((r) => ctx.signal.addEventListener('abort', r));
        }
        return 'ok';
      },
    }, { logFailedJobs: false });
    const group = { id: 'g', concurrency: 1 };
    const h = await e.client.enqueue('work', 1, { group, ...(options as EnqueueOptions) });
    const w = e.worker({ concurrency: 2, shutdownTimeout: 1 });
    if (hang) {
      await poll(() => h.getStatus(), (s) => s === 'started');
      expect(await running(e, 'g')).toBe(1);
    }
    await end(h, w);
    await poll(() => running(e, 'g'), (n) => n === 0);
    expect(await e.redis.hget(`${e.base('default')}job:${h.id}`, 'gr')).toBeNull();
    // the group has room again: a second job of it runs (on a new worker where the first was closed)
    if (how.startsWith('released')) e.worker({ concurrency: 2 });
    const b = await e.client.enqueue('work', 2, { group });
    expect(await b.result()).toBe('ok');
    await poll(() => running(e, 'g'), (n) => n === 0);
  });

  it('a job reclaimed from a worker that lost its lease leaves the running count, run again or failed as abandoned', async () => {
    const e = engine('grp-reclaim', { work: (n: number) => n });
    const group = { id: 'r', concurrency: 1 };
    const eng = engineOf(e.client);
    // a worker that fetched jobs and died: its lease (50 ms) runs out, and a live worker's maintenance takes them back
    const dead = (w: string) => eng.run('work', 'default', [w, 50, 5, '', ''], { held: eng.queue('default').held(w) });
    const a = await e.client.enqueue('work', 1, { group, attempts: 2 });
    const b = await e.client.enqueue('work', 2, { group });
    await dead('w-dead-1');
    expect([await a.getStatus(), await running(e, 'r')]).toEqual(['started', 1]);
    // concurrency 1: the group's next job is not handed out while the first counts as running
    await dead('w-dead-2');
    expect(await b.getStatus()).toBe('queued');
    const w = e.worker({ leaseTime: '1s' });
    expect(await a.result({ timeout: '20s' })).toBe(1);
    expect(await b.result({ timeout: '20s' })).toBe(2);
    expect((await a.info()).attempts).toBe(2);
    await w.close();
    // no attempts left: failed as abandoned, and the group runs its next job
    const c = await e.client.enqueue('work', 3, { group, attempts: 1 });
    const d = await e.client.enqueue('work', 4, { group });
    await dead('w-dead-3');
    expect([await c.getStatus(), await d.getStatus(), await running(e, 'r')]).toEqual(['started', 'queued', 1]);
    e.worker({ leaseTime: '1s' });
    await poll(() => c.getStatus(), (st) => st === 'failed', 15_000);
    expect((await c.info()).error?.name).toBe('JobAbandonedError');
    expect(await d.result({ timeout: '20s' })).toBe(4);
    await poll(() => running(e, 'r'), (n) => n === 0);
  });

  it('checks its options: bad input is an InvalidOptionError naming what was got and expected; no group with a lane', async () => {
    const e = engine('grp-opts', { work: () => 'ok' }, { queues: { laned: { lanes: ['high', 'low'] } } });
    const bad: [unknown, RegExp][] = [
      ['a', /group.*expected/s],
      [{}, /group\.id/],
      [{ id: '' }, /group\.id.*1 to 128/s],
      [{ id: 'x'.repeat(129) }, /group\.id/],
      [{ id: 'a\tb' }, /control characters/],
      [{ id: 7 }, /group\.id/],
      [{ id: 'a', concurrency: 0 }, /group\.concurrency.*whole number/s],
      [{ id: 'a', concurrency: 1.5 }, /group\.concurrency/],
      [{ id: 'a', rateLimit: { max: 0, per: '1s' } }, /group\.rateLimit\.max/],
      [{ id: 'a', rateLimit: { max: 1 } }, /group\.rateLimit\.per/],
      [{ id: 'a', limit: 1 }, /`limit` is not one of its fields/],
    ];
    for (const [group, message] of bad) {
      const err = await e.client.enqueue('work', 1, { group } as never).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(InvalidOptionError);
      expect({ group, message: (err as Error).message }).toEqual({ group, message: expect.stringMatching(message) });
    }
    await expect(e.client.enqueue('work', 1, { queue: 'laned', priority: 'low', group: { id: 'a' } })).rejects.toThrow(/a job names a group or a lane, not both/);
    await expect(e.client.enqueue('work', 1, { queue: 'laned.low', group: { id: 'a' } })).rejects.toThrow(InvalidOptionError);
    // the fallback lane is no lane: a grouped job there is fine
    const ok = await e.client.enqueue('work', 1, { queue: 'laned', priority: 'high', group: undefined });
    expect(ok.enqueuedStatus).toBe('queued');
    const g = await e.client.enqueue('work', 1, { queue: 'laned', group: { id: 'a' } });
    expect((await g.info()).group).toBe('a');
  });

  it('counts and lists grouped jobs with the queue, empties them with emptyQueue, and a paused queue starts none', async () => {
    const e = engine('grp-ops', { work: () => 'ok' });
    await e.client.pauseQueue('default');
    const hs = await e.client.enqueueMany([
      { name: 'work', data: 1, options: { group: { id: 't1', concurrency: 3, rateLimit: { max: 10, per: '1s' } } } },
      { name: 'work', data: 2, options: { group: { id: 't2' } } },
      { name: 'work', data: 3 },
    ]);
    expect((await e.client.countJobs('default')).queued).toBe(3);
    expect((await e.client.getJobIds('default', 'queued')).sort()).toEqual(hs.map((h) => h.id).sort());
    expect(await e.client.getGroups('default')).toEqual([
      { group: 't1', queued: 1, running: 0, concurrency: 3, rateLimit: { max: 10, perMs: 1000 } },
      { group: 't2', queued: 1, running: 0, concurrency: null, rateLimit: null },
    ]);
    const [summary] = await e.client.getQueueSummaries(['default']);
    expect(summary!.groups).toHaveLength(2);
    e.worker();
    await sleep(300);
    expect((await e.client.countJobs('default')).queued).toBe(3);
    await e.client.emptyQueue('default');
    expect((await e.client.countJobs('default')).queued).toBe(0);
    expect(await e.client.getGroups('default')).toMatchObject([{ queued: 0 }, { queued: 0 }]);
    await e.client.resumeQueue('default');
    const again = await e.client.enqueue('work', 4, { group: { id: 't2' } });
    expect(await again.result()).toBe('ok');
  });

  it('keeps a group\'s limits when a job of it gives none, and takes the last limits given', async () => {
    const e = engine('grp-keep', { work: () => 'ok' });
    await e.client.pauseQueue('default');
    await e.client.enqueue('work', 1, { group: { id: 'k', concurrency: 2, rateLimit: { max: 5, per: '1s' } } });
    await e.client.enqueue('work', 2, { group: { id: 'k' } });
    expect(await e.client.getGroups('default')).toEqual([{ group: 'k', queued: 2, running: 0, concurrency: 2, rateLimit: { max: 5, perMs: 1000 } }]);
    await e.client.enqueue('work', 3, { group: { id: 'k', concurrency: 4 } });
    expect(await e.client.getGroups('default')).toEqual([{ group: 'k', queued: 3, running: 0, concurrency: 4, rateLimit: null }]);
  });

  it('holds a group to its rate limit on Redis time while another group runs freely, and a held worker blocks', async () => {
    const e = engine('grp-rate', { work: () => 'ok' });
    const items: EnqueueItem[] = [];
    for (let i = 0; i < 9; i++) items.push({ name: 'work', data: 'slow', options: { group: { id: 'slow', rateLimit: { max: 3, per: '500ms' } } } });
    for (let i = 0; i < 20; i++) items.push({ name: 'work', data: 'free', options: { group: { id: 'free' } } });
    const hs = await e.client.enqueueMany(items);
    e.worker({ concurrency: 5 });
    await Promise.all(hs.map((h) => h.result()));
    const at = (await Promise.all(hs.slice(0, 9).map((h) => h.info()))).map((i) => i.startedAt!.getTime()).sort((a, b) => a - b);
    // no 500 ms (on Redis time) holds more than 3 starts of the group
    for (let i = 3; i < at.length; i++) expect(at[i]! - at[i - 3]!).toBeGreaterThanOrEqual(500);
    // the free group was not held back behind it: all of it ended before the slow group's last start
    const freeEnds = (await Promise.all(hs.slice(9).map((h) => h.info()))).map((i) => i.endedAt!.getTime());
    expect(Math.max(...freeEnds)).toBeLessThan(at[8]!);
    // a held worker blocks until the group may start a job again: a group of 1 a minute, three jobs
    const held = { id: 'minute', rateLimit: { max: 1, per: '1m' as const } };
    const more = await e.client.enqueueMany([1, 2, 3].map(() => ({ name: 'work', data: 'm', options: { group: held } })));
    await more[0]!.result();
    const calls = async () => {
      let n = 0;
      for (const s of await servers(e.redis)) n += Number(/cmdstat_evalsha:calls=(\d+)/.exec(await s.info('commandstats'))?.[1] ?? 0);
      return n;
    };
    const before = await calls();
    await sleep(1500);
    expect((await calls()) - before).toBeLessThan(60);
    expect(await more[1]!.getStatus()).toBe('queued');
  });

  it('scans only the groups with queued jobs: 1,000 tenants that each ran a job cost countJobs and emptyQueue nothing', async () => {
    const e = engine('grp-idle', { work: () => 'ok' });
    const queuedSet = async () => (await e.redis.smembers(`${e.base('default')}gqueued`)).sort();
    const llens = async () => {
      let n = 0;
      for (const s of await servers(e.redis)) n += Number(/cmdstat_llen:calls=(\d+)/.exec(await s.info('commandstats'))?.[1] ?? 0);
      return n;
    };
    // every other tenant has a concurrency: idle tenants keep their stored limits
    const ran = await e.client.enqueueMany(Array.from({ length: 1000 }, (_, i) => ({ name: 'work', data: i, options: { group: { id: `t${i}`, ...(i % 2 ? {} : { concurrency: 2 }) } } })));
    const w = e.worker({ concurrency: 50 });
    await Promise.all(ran.map((h) => h.result()));
    expect(await queuedSet()).toEqual([]);
    await w.close();
    // busy tenants beside the idle ones: two new, one idle tenant back with a job (no limits given: keeps its own),
    // one whose only job is canceled, and a job without a group
    await e.client.pauseQueue('default');
    const g = (id: string) => ({ name: 'work', data: id, options: { group: { id } } });
    const busy = await e.client.enqueueMany([g('b1'), g('b1'), g('b1'), g('b2'), g('b2'), g('t4'), g('gone'), { name: 'work', data: 'plain' }]);
    await busy[6]!.cancel();
    expect(await queuedSet()).toEqual(['b1', 'b2', 't4']);
    const before = await llens();
    expect((await e.client.countJobs('default')).queued).toBe(7);
    // a few LLENs for the lanes and the three busy groups, not one per tenant ever seen
    expect((await llens()) - before).toBeLessThan(50);
    const groups = await e.client.getGroups('default');
    expect(groups.find((x) => x.group === 't4')).toEqual({ group: 't4', queued: 1, running: 0, concurrency: 2, rateLimit: null });
    const emptying = await llens();
    expect(await e.client.emptyQueue('default')).toBe(7);
    expect((await llens()) - emptying).toBeLessThan(50);
    expect((await e.client.countJobs('default')).queued).toBe(0);
    expect(await queuedSet()).toEqual([]);
    // the set fills again from the first push
    await e.client.resumeQueue('default');
    const again = await e.client.enqueue('work', 'again', { group: { id: 't4' } });
    expect(await queuedSet()).toEqual(['t4']);
    e.worker();
    expect(await again.result()).toBe('ok');
    expect(await queuedSet()).toEqual([]);
  });

  // a group whose list empties outside a fetch leaves the ready set there: a fetch never gets a turn with nothing in it
  const emptiers: [string, (e: Made, h: JobHandle) => Promise<unknown>][] = [
    ['canceled', (_e, h) => h.cancel()],
    ['deleted', (_e, h) => h.delete()],
    ['emptied by emptyQueue', (e) => e.client.emptyQueue('default')],
    // sync mode's claim of a queued job (sync-runner.ts) takes it off its list as started
    ['claimed', (e, h) => engineOf(e.client).run('claim', 'default', [h.id, 'w-test', 60_000])],
  ];
  it.each(emptiers)('a group whose last queued job is %s leaves the ready set', async (_how, empty) => {
    const e = engine('grp-empty', { work: () => 'ok' });
    const base = e.base('default');
    const [h] = await e.client.enqueueMany([{ name: 'work', data: 1, options: { group: { id: 'e' } } }]);
    expect(await e.redis.zscore(`${base}gready`, 'e')).not.toBeNull();
    await empty(e, h!);
    expect(await e.redis.zscore(`${base}gready`, 'e')).toBeNull();
    expect(await e.redis.smembers(`${base}gqueued`)).toEqual([]);
  });

  it('a producer in another client sees the same groups; sync mode counts and releases the running job', async () => {
    const e = engine('grp-sync', { work: (n: number) => n * 2 }, { isAsync: false });
    const h = await e.client.enqueue('work', 2, { group: { id: 's', concurrency: 1 } });
    expect(await h.result()).toBe(4);
    expect(await running(e, 's')).toBe(0);
    const other = new QueueClient({ connection: testConnection(), prefix: e.prefix });
    try {
      expect(await other.getGroups('default')).toMatchObject([{ group: 's', running: 0, concurrency: 1 }]);
    } finally {
      await other.close();
    }
  });
});

