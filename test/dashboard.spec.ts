// The dashboard over plain HTTP (no browser), on the Fastify platform and on a node:http server, and the per-minute
// counters its chart reads (every way a job ends); both passes (the reads go to each queue's node on a cluster).
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { IncomingMessage } from 'node:http';
import { END_KINDS, InvalidOptionError, JobMetrics, QueueActivity, QueueDashboard, QueueDashboardModule, QueueModule, type EndKind } from '../src/index.js';
import { engineOf } from '../src/core/engine-of.js';
import { engine } from './engine.js';
import { poll, sleep, testConnection } from './helpers.js';

const e = engine(
  'dash-http',
  {
    'dash.ok': (d: { n: number }) => d.n,
    'dash.bad': () => Promise.reject(new Error('<i>nope</i>')),
    // runs until it is stopped
    'dash.hold': (_d: unknown, ctx) => new Promise((r) => ctx.signal.addEventListener('abort', r)),
  },
  { logFailedJobs: false, queues: { 'dash-lanes': { lanes: ['high', 'default'] } } },
);
let app: NestFastifyApplication;
let url: string;
const guardSaw: string[] = [];

beforeAll(async () => {
  const guard = (req: IncomingMessage) => {
    guardSaw.push(req.url ?? '');
    return req.headers['x-no'] === undefined;
  };
  @Module({ imports: [QueueModule.forRoot({ connection: testConnection(), prefix: e.prefix }), QueueDashboardModule.forRoot({ guard })] })
  class AppModule {}
  app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  url = `${await app.getUrl()}/jobline`.replace('[::1]', '127.0.0.1');
});
afterAll(async () => {
  await app?.close();
  await e.close();
});

/** A page's status and text, and the CSRF cookie it sets. */
async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(url + path, { headers, redirect: 'manual' });
  const cookie = /jobline_csrf=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  return { status: res.status, text: await res.text(), cookie, headers: res.headers };
}

it('counts each batch of outcomes per minute: the chart reads finished, failed and retried runs', async () => {
  e.worker({ queues: ['stats'], concurrency: 4 });
  const ok = await Promise.all([1, 2, 3, 4, 5].map((n) => e.client.enqueue('dash.ok', { n }, { queue: 'stats' })));
  const bad = await Promise.all([1, 2].map(() => e.client.enqueue('dash.bad', {}, { queue: 'stats' })));
  const retried = await e.client.enqueue('dash.bad', {}, { queue: 'stats', retry: 1 });
  await Promise.all(ok.map((h) => h.result({ timeout: '10s' })));
  await Promise.all([...bad, retried].map((h) => h.result({ timeout: '10s' }).catch(() => null)));
  const minutes = await new QueueActivity(e.client).minutes('stats', 3);
  expect(minutes).toHaveLength(3);
  const sum = minutes.reduce((a, m) => ({ finished: a.finished + m.finished, failed: a.failed + m.failed, retried: a.retried + m.retried }), { finished: 0, failed: 0, retried: 0 });
  expect(sum).toEqual({ finished: 5, failed: 3, retried: 1 });
  // one hash a minute, expiring
  const at = minutes.find((m) => m.finished > 0)!.at.getTime() / 60_000;
  expect(await e.redis.ttl(`${e.base('stats')}stats:${at}`)).toBeGreaterThan(3000);
  await expect(new QueueActivity(e.client).minutes('stats', 0)).rejects.toThrow(InvalidOptionError);
});

/** A queue's counts of the last 3 minutes, summed (a test may cross a minute's end). */
async function ends(queue: string): Promise<Record<EndKind, number>> {
  const minutes = await new QueueActivity(e.client).minutes(queue, 3);
  return Object.fromEntries(END_KINDS.map((k) => [k, minutes.reduce((a, m) => a + m[k], 0)])) as Record<EndKind, number>;
}
const none: Record<EndKind, number> = { finished: 0, failed: 0, retried: 0, canceled: 0, stopped: 0, expired: 0, deleted: 0 };

it('counts every way a job ends, from the script that ends it: cancels and their cascades, stops, expiries, lost and abandoned runs, deletes', async () => {
  const metrics = new JobMetrics(e.client, { queues: ['ends-lost'] });
  // a worker that fetched two jobs and died: one may run again (attempts 3), one has no attempt left
  const lost = await e.client.enqueue('dash.ok', { n: 1 }, { queue: 'ends-lost' });
  const abandoned = await e.client.enqueue('dash.ok', { n: 2 }, { queue: 'ends-lost', attempts: 1 });
  const eng = engineOf(e.client);
  await eng.run('work', 'ends-lost', ['dash-dead', 50, 2, '', ''], { held: eng.queue('ends-lost').held('dash-dead') });

  // canceled: a delayed job by request, its dependent by the cascade, and a job enqueued on it afterwards at enqueue
  const later = await e.client.enqueue('dash.ok', { n: 3 }, { queue: 'ends', delay: '1h' });
  const after = await e.client.enqueue('dash.ok', { n: 4 }, { queue: 'ends', dependsOn: later, onDependencyFailure: 'cancel' });
  // in another queue, canceled when the outbox delivers the news there (deliver.lua)
  const far = await e.client.enqueue('dash.ok', { n: 12 }, { queue: 'ends-far', dependsOn: later, onDependencyFailure: 'cancel' });
  await later.cancel();
  await poll(() => far.getStatus(), (s) => s === 'canceled');
  const onCanceled = await e.client.enqueue('dash.ok', { n: 5 }, { queue: 'ends', dependsOn: later, onDependencyFailure: 'cancel' });
  expect([await after.getStatus(), await onCanceled.getStatus()]).toEqual(['canceled', 'canceled']);
  // deleted: a queued job counts; an ended one (canceled above) was counted when it ended
  const doomed = await e.client.enqueue('dash.ok', { n: 6 }, { queue: 'ends' });
  expect([await doomed.delete(), await later.delete()]).toEqual([true, true]);
  // emptied: each job a delete
  await e.client.enqueueMany([7, 8].map((n) => ({ name: 'dash.ok', data: { n }, options: { queue: 'ends-idle' } })));
  expect(await e.client.emptyQueue('ends-idle')).toBe(2);
  // expired: a queued job at its fetch, and a deferred one (it waits on a job an hour away) by maintenance
  const stale = await e.client.enqueue('dash.ok', { n: 9 }, { queue: 'ends', ttl: '100ms' });
  const gate = await e.client.enqueue('dash.ok', { n: 10 }, { queue: 'ends', delay: '1h' });
  const waiting = await e.client.enqueue('dash.ok', { n: 11 }, { queue: 'ends', dependsOn: gate, ttl: '100ms' });
  await sleep(200);

  e.worker({ queues: ['ends', 'ends-lost'], leaseTime: '300ms' });
  await poll(() => stale.getStatus(), (s) => s === 'expired');
  await poll(() => waiting.getStatus(), (s) => s === 'expired');
  expect(await lost.result({ timeout: '15s' })).toBe(1);
  await poll(() => abandoned.getStatus(), (s) => s === 'failed', 15_000);
  const held = await e.client.enqueue('dash.hold', {}, { queue: 'ends' });
  await poll(() => held.getStatus(), (s) => s === 'started');
  await held.stop();

  expect(await ends('ends')).toEqual({ ...none, canceled: 3, stopped: 1, expired: 2, deleted: 1 });
  expect(await ends('ends-lost')).toEqual({ ...none, finished: 1, failed: 1, retried: 1 });
  expect(await ends('ends-idle')).toEqual({ ...none, deleted: 2 });
  expect(await ends('ends-far')).toEqual({ ...none, canceled: 1 });
  // the metrics name the runs a worker ended as the counters do: the lost run a retry, the abandoned one a failure
  const text = (await metrics.scrape()).body;
  metrics.close();
  for (const [outcome, n] of [['completed', 1], ['failed', 1], ['retried', 1]] as const) {
    expect(text).toContain(`jobline_jobs_processed_total{queue="ends-lost",name="dash.ok",outcome="${outcome}"} ${n}\n`);
  }
  // the chart's legend shows each kind's total
  const page = await get('/queues/ends');
  for (const [kind, n] of Object.entries({ canceled: 3, stopped: 1, expired: 2, deleted: 1, finished: 0 })) expect(page.text).toContain(`data-chart-kind="${kind}">${n}<`);
}, 40_000);

it('serves the pages on Fastify: overview, a status page, a job, schedules, workers, assets; unknown job 404', async () => {
  const h = await e.client.enqueue('dash.ok', { n: '<script>alert(1)</script>' }, { queue: 'pages' });
  const overview = await get('');
  expect(overview.status).toBe(200);
  expect(overview.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(overview.text).toContain('data-count="pages:queued">1<');
  expect(overview.cookie).toMatch(/^[A-Za-z0-9_-]{32,}$/);
  const list = await get('/queues/pages?status=queued');
  expect(list.text).toContain(`data-job="${h.id}"`);
  const job = await get(`/jobs/${h.id}`);
  expect(job.status).toBe(200);
  expect(job.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  expect(job.text).not.toContain('<script>alert(1)');
  expect((await get('/jobs/no-such-job')).status).toBe(404);
  expect((await get('/schedules')).status).toBe(200);
  expect((await get('/workers')).status).toBe(200);
  const css = await get('/assets/dashboard.css');
  expect([css.status, css.headers.get('content-type')]).toEqual([200, 'text/css; charset=utf-8']);
  expect((await get(`/jobs?id=${h.id}`)).headers.get('location')).toBe(`/jobline/jobs/${h.id}`);
});

it('shows a row per lane under a queue with lanes, counting each lane\'s queued jobs', async () => {
  const high = await e.client.enqueue('dash.ok', { n: 1 }, { queue: 'dash-lanes', priority: 'high' });
  await e.client.enqueue('dash.ok', { n: 2 }, { queue: 'dash-lanes.high' });
  const plain = await e.client.enqueue('dash.ok', { n: 3 }, { queue: 'dash-lanes' });
  const { text } = await get('');
  expect(text).toContain('data-count="dash-lanes:queued">3<');
  const row = (lane: string) => new RegExp(`<tr class="lane"><td>&nbsp;&nbsp;lane ${lane}</td><td class="n">(\\d+)</td>`).exec(text)?.[1];
  expect([row('high'), row('default')]).toEqual(['2', '1']);
  // a job's page names the lane it went to (none for the fallback lane)
  expect((await get(`/jobs/${high.id}`)).text).toContain('<dt>lane</dt><dd>high</dd>');
  expect((await get(`/jobs/${plain.id}`)).text).toContain('<dt>lane</dt><dd>-</dd>');
});

it('acts on Fastify with the token: pause asks nothing, empty asks first; no token, another origin or the guard: 403', async () => {
  await e.client.enqueue('dash.ok', { n: 1 }, { queue: 'acts' });
  const { cookie } = await get('');
  const post = (action: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${url}/actions/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `jobline_csrf=${cookie}`, ...headers },
      body: new URLSearchParams(fields),
      redirect: 'manual',
    });
  const paused = await post('pause', { _csrf: cookie!, queue: 'acts' });
  expect(paused.status).toBe(303);
  expect(paused.headers.get('location')).toBe('/jobline');
  expect((await e.client.getQueueSummaries(['acts']))[0]!.paused).toBe(true);
  const ask = await post('empty', { _csrf: cookie!, queue: 'acts' });
  expect(ask.status).toBe(200);
  expect(await ask.text()).toContain('Empty queue acts: delete all its queued jobs?');
  expect((await e.client.countJobs('acts')).queued).toBe(1);
  expect((await post('empty', { _csrf: 'x'.repeat(32), queue: 'acts', confirmed: '1' })).status).toBe(403);
  expect((await post('empty', { _csrf: cookie!, queue: 'acts', confirmed: '1' }, { origin: 'http://evil.example' })).status).toBe(403);
  expect((await post('empty', { _csrf: cookie!, queue: 'acts', confirmed: '1' }, { 'x-no': '1' })).status).toBe(403);
  expect((await e.client.countJobs('acts')).queued).toBe(1);
  expect((await post('empty', { _csrf: cookie!, queue: 'acts', confirmed: '1' })).status).toBe(303);
  expect((await e.client.countJobs('acts')).queued).toBe(0);
  expect((await get('', { 'x-no': '1' })).status).toBe(403);
  expect(guardSaw.length).toBeGreaterThan(0);
});

it("schedules: run now enqueues the schedule's job with its stored options and leaves its next tick; remove asks first", async () => {
  const { nextRunAt } = await e.client.upsertSchedule('yearly-report', { cron: '0 0 1 1 *' }, 'dash.ok', { n: 7 }, { queue: 'sched', description: 'the yearly report', timeout: '42s' });
  const { cookie } = await get('/schedules');
  const post = (action: string, fields: Record<string, string>) =>
    fetch(`${url}/actions/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `jobline_csrf=${cookie}` },
      body: new URLSearchParams({ _csrf: cookie!, ...fields }),
      redirect: 'manual',
    });
  expect((await post('run-schedule', { schedule: 'yearly-report' })).status).toBe(303);
  const [id] = await e.client.getJobIds('sched', 'queued');
  const info = await e.client.getInfo('sched', id!);
  expect([info.name, info.data, info.description, info.timeoutMs]).toEqual(['dash.ok', { n: 7 }, 'the yearly report', 42_000]);
  const [schedule] = await e.client.getSchedules('sched');
  expect([schedule!.nextRunAt, schedule!.runs, schedule!.lastJobId]).toEqual([nextRunAt, 0, null]);
  expect(await e.client.runSchedule('no-such-schedule')).toBeNull();
  expect(await (await post('remove-schedule', { schedule: 'yearly-report' })).text()).toContain('Remove schedule yearly-report?');
  expect((await post('remove-schedule', { schedule: 'yearly-report', confirmed: '1' })).status).toBe(303);
  expect(await e.client.getSchedules('sched')).toEqual([]);
});

it('forRootAsync: the factory gives readOnly and a function guard', async () => {
  @Module({ imports: [QueueModule.forRoot({ connection: testConnection(), prefix: e.prefix }), QueueDashboardModule.forRootAsync({ path: 'ops', useFactory: () => ({ readOnly: true, guard: () => true }) })] })
  class AsyncModule {}
  const ctx = await NestFactory.createApplicationContext(AsyncModule, { logger: false });
  try {
    expect(ctx.get(QueueDashboard).settings).toMatchObject({ path: 'ops', readOnly: true, guard: expect.any(Function) });
  } finally {
    await ctx.close();
  }
});

it('refuses bad options', () => {
  expect(() => QueueDashboardModule.forRoot({ path: 'a b' })).toThrow(InvalidOptionError);
  expect(() => QueueDashboardModule.forRoot({ readOnly: 'yes' as unknown as boolean })).toThrow(InvalidOptionError);
  expect(() => QueueDashboardModule.forRoot({ colour: 1 } as object)).toThrow(InvalidOptionError);
});
