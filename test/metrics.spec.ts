import 'reflect-metadata';
import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Registry } from 'prom-client';
import { Job, JOBLINE_CLIENT, JobMetrics, QueueClient, QueueConsumerModule, QueueMetricsModule, QueueModule, QueueService, type JobHandle } from '../src/index.js';
import { engine } from './engine.js';
import { sleep, testConnection, uniquePrefix, until } from './helpers.js';

/** Every sample of a Prometheus text exposition: `name{labels} value`, labels as an object. */
function samples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the one sample named `name` whose labels include `labels` (undefined when there is none). */
function value(text: string, name: string, labels: Record<string, string>): number | undefined {
  const found = samples(text).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

const SLOW_MS = 80;

@Injectable()
class MeteredJobs {
  @Job('metered.slow')
  async slow() {
    await sleep(SLOW_MS);
    return 'done';
  }

  @Job('metered.boom')
  boom() {
    throw new Error('boom');
  }
}

describe('metrics', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('QueueMetricsModule serves the contract metrics over HTTP, matching the jobs that ran', async () => {
    const prefix = uniquePrefix('metrics');
    @Module({
      imports: [
        QueueModule.forRoot({ connection: testConnection(), prefix, logFailedJobs: false }),
        QueueConsumerModule.forRoot({ concurrency: 10 }),
        QueueMetricsModule.forRoot({ refreshInterval: '100ms' }),
      ],
      providers: [MeteredJobs],
    })
    class AppModule {}
    app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    const url = `${await app.getUrl()}/metrics`;
    const queue = app.get(QueueService);
    const client = app.get<QueueClient>(JOBLINE_CLIENT);

    // jobs that wait at least 300 ms: enqueued while the queue is paused
    await client.pauseQueue('default');
    const handles: JobHandle[] = [];
    for (let i = 0; i < 5; i++) handles.push(await queue.enqueue('metered.slow'));
    handles.push(...(await queue.enqueueMany([{ name: 'metered.boom' }, { name: 'metered.boom' }])));
    await sleep(300);
    await client.resumeQueue('default');
    for (const h of handles.slice(0, 5)) await h.result({ timeout: '10s' });
    for (const h of handles.slice(5)) await expect(h.result({ timeout: '10s' })).rejects.toThrow(/boom/);

    // the queue gauges are read from Redis on their interval: scrape until they show the ended jobs
    let text = '';
    for (let tries = 0; tries < 100; tries++) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      text = await res.text();
      if (value(text, 'jobline_queue_jobs', { queue: 'default', status: 'finished' }) === 5 && value(text, 'jobline_queue_jobs', { queue: 'default', status: 'failed' }) === 2) break;
      await sleep(50);
    }
    const slow = { queue: 'default', name: 'metered.slow' };
    const boom = { queue: 'default', name: 'metered.boom' };
    expect(value(text, 'jobline_jobs_enqueued_total', slow)).toBe(5);
    expect(value(text, 'jobline_jobs_enqueued_total', boom)).toBe(2);
    expect(value(text, 'jobline_jobs_processed_total', { ...slow, outcome: 'completed' })).toBe(5);
    expect(value(text, 'jobline_jobs_processed_total', { ...boom, outcome: 'failed' })).toBe(2);
    expect(value(text, 'jobline_jobs_processed_total', { ...slow, outcome: 'failed' })).toBeUndefined();
    // run time: every slow job ran at least SLOW_MS, none more than a few seconds
    expect(value(text, 'jobline_job_duration_seconds_count', slow)).toBe(5);
    expect(value(text, 'jobline_job_duration_seconds_bucket', { ...slow, le: '0.05' })).toBe(0);
    expect(value(text, 'jobline_job_duration_seconds_bucket', { ...slow, le: '+Inf' })).toBe(5);
    expect(value(text, 'jobline_job_duration_seconds_sum', slow)).toBeGreaterThanOrEqual((5 * SLOW_MS) / 1000 - 0.005);
    expect(value(text, 'jobline_job_duration_seconds_count', boom)).toBe(2);
    // wait: every job waited out the pause (300 ms) before it started
    expect(value(text, 'jobline_job_wait_seconds_count', slow)).toBe(5);
    expect(value(text, 'jobline_job_wait_seconds_bucket', { ...slow, le: '0.1' })).toBe(0);
    expect(value(text, 'jobline_job_wait_seconds_sum', slow)).toBeGreaterThanOrEqual(5 * 0.3);
    // gauges: this app's worker is live and consumes the queue; nothing is left queued
    expect(value(text, 'jobline_queue_jobs', { queue: 'default', status: 'queued' })).toBe(0);
    expect(value(text, 'jobline_queue_paused', { queue: 'default' })).toBe(0);
    expect(value(text, 'jobline_workers', { queue: 'default' })).toBe(1);
    expect(app.get(JobMetrics).registry).toBeDefined();
  });

  it('counts retried runs (outcome retried, in the run time histogram), shows scheduled jobs, and a delayed job waits from its run time', async () => {
    let runs = 0;
    const e = engine('metrics-time', { flaky: () => (++runs <= 2 ? Promise.reject(new Error('not yet')) : 'ok'), later: () => 1 }, { logFailedJobs: false });
    const registry = new Registry();
    const metrics = new JobMetrics(e.client, { registry, refreshInterval: '1h', queues: ['default'] });
    // heard after the metrics' own listener (registered first): a result() can resolve before the worker's event
    const completed = new Set<string>();
    const off = e.client.on('completed', (ev) => void completed.add(ev.id));
    try {
      const later = await e.client.enqueue('later', null, { delay: '2s' });
      await metrics.refresh();
      expect(value(await registry.metrics(), 'jobline_queue_jobs', { queue: 'default', status: 'scheduled' })).toBe(1);
      e.worker();
      const flaky = await e.client.enqueue('flaky', null, { retry: { max: 3, backoff: '100ms' } });
      expect(await flaky.result({ timeout: '10s' })).toBe('ok');
      await later.result({ timeout: '10s' });
      await until('the completed events of both jobs', () => completed.has(later.id) && completed.has(flaky.id), 10_000);
      const text = await registry.metrics();
      const f = { queue: 'default', name: 'flaky' };
      expect(value(text, 'jobline_jobs_processed_total', { ...f, outcome: 'retried' })).toBe(2);
      expect(value(text, 'jobline_jobs_processed_total', { ...f, outcome: 'completed' })).toBe(1);
      expect(value(text, 'jobline_jobs_processed_total', { ...f, outcome: 'failed' })).toBeUndefined();
      expect(value(text, 'jobline_job_duration_seconds_count', f)).toBe(3);
      expect(value(text, 'jobline_job_wait_seconds_count', f)).toBe(3);
      // counted from when it became runnable (its run time), not from its enqueue 2 s before
      const l = { queue: 'default', name: 'later' };
      expect(value(text, 'jobline_job_wait_seconds_count', l)).toBe(1);
      expect(value(text, 'jobline_job_wait_seconds_sum', l)).toBeLessThan(2);
    } finally {
      off();
      metrics.close();
    }
  });

  it('JobMetrics registers in a registry it is given, and refuses bad options', async () => {
    const e = engine('metrics-registry', { quick: () => 1 });
    const registry = new Registry();
    const metrics = new JobMetrics(e.client, { registry, refreshInterval: '50ms', queues: ['default'] });
    try {
      const completed = new Set<string>();
      const off = e.client.on('completed', (ev) => void completed.add(ev.id));
      e.worker();
      const quick = await e.client.enqueue('quick');
      await quick.result({ timeout: '5s' });
      // a result() can resolve before the worker's event, which the metrics count (their listener was registered first)
      await until('the completed event', () => completed.has(quick.id), 10_000);
      off();
      await metrics.refresh();
      const text = await registry.metrics();
      expect(value(text, 'jobline_jobs_processed_total', { queue: 'default', name: 'quick', outcome: 'completed' })).toBe(1);
      expect(value(text, 'jobline_queue_jobs', { queue: 'default', status: 'finished' })).toBe(1);
      expect(registry.getSingleMetric('jobline_workers')).toBeDefined();
    } finally {
      metrics.close();
    }
    expect(() => new JobMetrics(e.client, { durationBuckets: [1, 0.5] })).toThrow(/Invalid option `durationBuckets`/);
    expect(() => QueueMetricsModule.forRoot({ pth: 'x' } as never)).toThrow(/pth/);
  });
});
