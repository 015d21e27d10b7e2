import { InvalidOptionError, type JobContext } from '../src/index.js';
import { nextTick, parseScheduleRule, tickJobId } from '../src/core/scheduler/schedule-rule.js';
import { engine } from './engine.js';
import { rawRedis, sleep, until } from './helpers.js';


describe('schedule rules', () => {
  it('cron of 5 and 6 fields, in a time zone; every aligned to its anchor or startAt; endAt', () => {
    const t = Date.UTC(2026, 0, 5, 8, 59, 30); // a Monday
    expect(new Date(nextTick(parseScheduleRule({ cron: '0 9 * * mon-fri' }, 's'), t, t)!).toISOString()).toBe('2026-01-05T09:00:00.000Z');
    expect(new Date(nextTick(parseScheduleRule({ cron: '0 9 * * mon-fri', tz: 'Europe/Paris' }, 's'), t, t)!).toISOString()).toBe(
      '2026-01-06T08:00:00.000Z',
    );
    expect(nextTick(parseScheduleRule({ cron: '*/10 * * * * *' }, 's'), t, t)).toBe(t + 10_000);
    const every = parseScheduleRule({ every: '1m' }, 's');
    expect(nextTick(every, t, t)).toBe(t + 60_000);
    expect(nextTick(every, t + 60_000, t)).toBe(t + 120_000);
    expect(nextTick(every, t + 150_000, t)).toBe(t + 180_000);
    const started = parseScheduleRule({ every: '1m', startAt: t + 1000, endAt: t + 61_000 }, 's');
    expect(nextTick(started, t, t)).toBe(t + 1000);
    expect(nextTick(started, t + 1000, t)).toBe(t + 61_000);
    expect(nextTick(started, t + 61_000, t)).toBeNull();
    expect(nextTick(parseScheduleRule({ cron: '0 0 * * *', startAt: t + 86_400_000 * 3 }, 's'), t, t)).toBe(Date.UTC(2026, 0, 9));
  });

  it.each([
    [{ cron: '61 * * * *' }, /`s.cron`.*Invalid value for minute/],
    [{ cron: '* * *' }, /`s.cron`.*5 fields/],
    [{ cron: '0 0 0 1 1 * 2030' }, /`s.cron`/],
    [{ cron: '0 0 30 2 *' }, /`s.cron`.*matches some future time/],
    [{ cron: '* * * * *', tz: 'Mars/Olympus' }, /`s.tz`.*IANA time zone/],
    [{ every: '1s', tz: 'UTC' }, /`s.tz`.*only with `cron`/],
    [{ cron: '* * * * *', every: '1m' }, /exactly one of `cron`/],
    [{}, /exactly one of `cron`/],
    [{ every: '50ms' }, /`s.every`.*at least 100ms/],
    [{ every: 'often' }, /`s.every`/],
    [{ every: '1m', limit: 0 }, /`s.limit`/],
    [{ every: '1m', startAt: 10, endAt: 5 }, /`s.endAt`.*after `startAt`/],
    [{ every: '1m', at: 5 }, /`s.at`/],
  ])('refuses %p', (rule, message) => {
    expect(() => parseScheduleRule(rule as never, 's')).toThrow(InvalidOptionError);
    expect(() => parseScheduleRule(rule as never, 's')).toThrow(message);
  });

  it('tick job ids: readable for a job-id-safe schedule id, a digest otherwise; one per tick', () => {
    expect(tickJobId('nightly', 1000)).toBe('sched.nightly.1000');
    expect(tickJobId('mail:digest', 1000)).toMatch(/^sched-[A-Za-z0-9_-]{32}\.1000$/);
    expect(tickJobId('mail:digest', 1000)).not.toBe(tickJobId('mail:digest2', 1000));
  });
});

describe('recurring schedules', () => {
  const redis = rawRedis();
  afterAll(() => redis.disconnect());

  it('upsertSchedule: ticks enqueue one job each, under the tick id, listed by getSchedules', async () => {
    const runs: { id: string; data: unknown }[] = [];
    const e = engine('s-basic', { tick: (data: unknown, ctx: JobContext) => void runs.push({ id: ctx.id, data }) });
    const up = await e.client.upsertSchedule('beat', { every: '200ms' }, 'tick', { n: 1 }, { resultTtl: '1h' });
    expect(up.outcome).toBe('created');
    const [listed] = await e.client.getSchedules();
    expect(listed).toMatchObject({ id: 'beat', name: 'tick', queue: 'default', rule: { every: '200ms' }, data: { n: 1 }, lastRunAt: null, lastJobId: null, runs: 0 });
    expect(listed!.nextRunAt).toEqual(up.nextRunAt);
    e.worker();
    await until('3 runs', () => runs.length >= 3);
    const ticks = runs.map((r) => Number(/^sched\.beat\.(\d+)$/.exec(r.id)![1]));
    expect(new Set(ticks).size).toBe(ticks.length);
    for (const t of ticks) expect((t - up.nextRunAt!.getTime()) % 200).toBe(0);
    expect(runs[0]!.data).toEqual({ n: 1 });
    const job = (await e.client.getJob(runs[0]!.id))!;
    expect((await job.info()).resultTtlMs).toBe(3_600_000);
    const after = (await e.client.getSchedules('default'))[0]!;
    expect(after.runs).toBeGreaterThanOrEqual(3);
    expect(after.lastJobId).toMatch(/^sched\.beat\.\d+$/);
    expect(after.nextRunAt!.getTime()).toBeGreaterThan(after.lastRunAt!.getTime());
  });

  it('cron with seconds: ticks on whole seconds', async () => {
    const ids: string[] = [];
    const e = engine('s-cron', { tick: (_d: unknown, ctx: JobContext) => void ids.push(ctx.id) });
    await e.client.upsertSchedule('sec', { cron: '* * * * * *' }, 'tick');
    e.worker();
    await until('2 runs', () => ids.length >= 2);
    for (const id of ids) expect(Number(id.split('.').pop()) % 1000).toBe(0);
  });

  it('bad rule, unknown option or per-call option: InvalidOptionError at registration, nothing stored', async () => {
    const e = engine('s-bad', { tick: () => 1 });
    await expect(e.client.upsertSchedule('x', { cron: 'every day' }, 'tick')).rejects.toThrow(/`schedule.cron`/);
    await expect(e.client.upsertSchedule('x', { cron: '* * * * *', tz: 'Nowhere/Land' }, 'tick')).rejects.toThrow(/`schedule.tz`/);
    await expect(e.client.upsertSchedule('x', { every: '1m' }, 'tick', null, { delay: '1s' })).rejects.toThrow(/no `delay` in schedule options/);
    await expect(e.client.upsertSchedule('x', { every: '1m' }, 'tick', null, { jobId: 'a' })).rejects.toThrow(/no `jobId` in schedule options/);
    await expect(e.client.upsertSchedule('x', { every: '1m' }, 'tick', null, { tll: 1 } as never)).rejects.toThrow(/`tll` is not one/);
    await expect(e.client.upsertSchedule('', { every: '1m' }, 'tick')).rejects.toThrow(/`schedule id`/);
    await expect(e.client.upsertSchedule('a\nb', { every: '1m' }, 'tick')).rejects.toThrow(/`schedule id`/);
    expect(await redis.keys(`${e.prefix}:*`)).toEqual([]);
  });

  it('the same rule registered again keeps its next tick; a changed rule takes effect from its next tick', async () => {
    const e = engine('s-change', { tick: () => 1 });
    const first = await e.client.upsertSchedule('r', { every: '1h' }, 'tick', 'a');
    await sleep(30);
    const again = await e.client.upsertSchedule('r', { every: '1h' }, 'tick', 'b');
    expect(again).toEqual({ outcome: 'kept', nextRunAt: first.nextRunAt });
    expect((await e.client.getSchedules())[0]!.data).toBe('b');
    const changed = await e.client.upsertSchedule('r', { cron: '0 0 1 1 *' }, 'tick', 'b');
    expect(changed.outcome).toBe('changed');
    expect(changed.nextRunAt!.getUTCMonth()).toBe(0);
    expect(changed.nextRunAt!.getUTCDate()).toBe(1);
    expect((await e.client.getSchedules())[0]).toMatchObject({ rule: { cron: '0 0 1 1 *' }, nextRunAt: changed.nextRunAt });
  });

  it('a tick missed while no worker ran fires once, then the schedule goes on from now', async () => {
    const ids: string[] = [];
    const e = engine('s-missed', { tick: (_d: unknown, ctx: JobContext) => void ids.push(ctx.id) });
    const up = await e.client.upsertSchedule('m', { every: '150ms' }, 'tick');
    await sleep(1_200); // about eight ticks pass with no worker
    const started = Date.now();
    e.worker();
    await until('the catch-up run', () => ids.length >= 1);
    expect(ids[0]).toBe(`sched.m.${up.nextRunAt!.getTime()}`);
    // the next tick is the first after the catch-up, not the second of the missed ones
    expect((await e.client.getSchedules())[0]!.nextRunAt!.getTime()).toBeGreaterThan(started);
    await until('2 more runs', () => ids.length >= 3);
    const ticks = ids.map((id) => Number(id.split('.').pop()));
    expect(ticks.filter((t) => t <= started)).toEqual([up.nextRunAt!.getTime()]);
  });

  it('limit and endAt end a schedule: no next run, still listed until removed', async () => {
    const ids: string[] = [];
    const e = engine('s-limit', { tick: (_d: unknown, ctx: JobContext) => void ids.push(ctx.id) });
    await e.client.upsertSchedule('twice', { every: '150ms', limit: 2 }, 'tick');
    const [s, us] = await redis.time();
    const now = Number(s) * 1000 + Math.floor(Number(us) / 1000);
    await e.client.upsertSchedule('brief', { every: '300ms', startAt: now + 300, endAt: now + 1000 }, 'tick');
    e.worker();
    await until('both ended', async () => (await e.client.getSchedules()).every((x) => x.nextRunAt === null));
    await sleep(400);
    expect(ids.filter((i) => i.startsWith('sched.twice.'))).toHaveLength(2);
    // ticks at +300, +600, +900 (one falls out only if a worker fires the one before it more than 300 ms late)
    const brief = ids.filter((i) => i.startsWith('sched.brief.')).map((i) => Number(i.split('.').pop()) - now);
    expect(brief[0]).toBe(300);
    expect(brief.every((t) => [300, 600, 900].includes(t))).toBe(true);
    const listed = new Map((await e.client.getSchedules()).map((x) => [x.id, x.runs]));
    expect([listed.get('twice'), listed.get('brief')]).toEqual([2, brief.length]);
  });

  it('removeSchedule stops the ticks; an id lives in one queue (registering it in another moves it)', async () => {
    let runs = 0;
    const e = engine('s-remove', { tick: () => void runs++ });
    await e.client.upsertSchedule('x', { every: '1h' }, 'tick', null, { queue: 'a' });
    await e.client.upsertSchedule('x', { every: '1h' }, 'tick', null, { queue: 'b' });
    expect((await e.client.getSchedules()).map((s) => s.queue)).toEqual(['b']);
    await e.client.upsertSchedule('fast', { every: '100ms' }, 'tick');
    e.worker();
    await until('a run', () => runs >= 1);
    expect(await e.client.removeSchedule('fast')).toBe(true);
    expect(await e.client.removeSchedule('fast')).toBe(false);
    await sleep(300); // a tick fired just before the removal may still run
    const settled = runs;
    await sleep(500);
    expect(runs).toBe(settled);
    expect((await e.client.getSchedules()).map((s) => s.id)).toEqual(['x']);
  });

  it('several workers on one schedule: exactly one job per tick', async () => {
    const seen = new Map<string, number>();
    const e = engine('s-workers', { tick: (_d: unknown, ctx: JobContext) => void seen.set(ctx.id, (seen.get(ctx.id) ?? 0) + 1) });
    await e.client.upsertSchedule('shared', { every: '100ms' }, 'tick');
    const workers = [e.worker({ concurrency: 2 }), e.worker({ concurrency: 2 }), e.worker({ concurrency: 2 })];
    await until('8 runs', () => seen.size >= 8);
    await Promise.all(workers.map((w) => w.close()));
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    // every tick fired made one job: those that ran, and those still queued when the workers stopped
    const fired = (await e.client.getSchedules())[0]!.runs;
    expect(fired).toBe(seen.size + (await e.client.countJobs('default')).queued);
  });
});
