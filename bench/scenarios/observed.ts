import { trace, type Context, type Tracer, context } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import { n } from '../format.js';
import { HandlerRegistry, QueueClient, Worker, type JobHandle } from '../../src/core/index.js';
import { JobMetrics } from '../../src/metrics/index.js';
import { NOOP, PREFIX, QUEUE } from '../libs/jobline.js';
import { Invocations } from '../invocations.js';
import {
  blocksPerMs,
  cycles,
  drainJobs,
  gc,
  hashBlocks,
  key,
  observeWorks,
  ratioKey,
  registerTracing,
  sampler,
  SAMPLERS,
  stubProcessSpans,
  useStubTracer,
  WARM_CYCLES,
  WORKS,
  type Drain,
  type Work,
} from '../observed-kit.js';
import { ok } from '../outcome.js';
import { makePayloads } from '../payload.js';
import { runPool } from '../pool.js';
import { redisCpuSeconds } from '../redis-info.js';
import type { MetricSpec, RunContext, Scenario } from '../types.js';
import { stallBudgetMs, waitUntil, within } from '../wait.js';
import { observedBullmq } from './observed-bullmq.js';

/**
 * What a worker observes: `off` (no metrics, `tracing: false`: the fetch is not instrumented), `metrics` (JobMetrics on
 * the consumer), `tracing` (every job enqueued under a sampled trace, so it carries a traceparent and runs in a consumer
 * span), `both`, and `both10` (metrics, and tracing with 10% of the traces sampled: the parent-based sampler decides
 * at the request that enqueues, and a job of an unsampled trace starts no consumer span), and `stub`: metrics, and
 * every job traced through the stub tracer (Jobline's own share of metrics + tracing, without the SDK's span).
 */
const MODES = ['off', 'metrics', 'tracing', 'both', 'both10', 'stub'] as const;
type Mode = (typeof MODES)[number];
const LABEL: Record<Mode, string> = {
  off: 'off',
  metrics: 'metrics',
  tracing: 'tracing',
  both: 'metrics + tracing',
  both10: 'metrics + tracing 10%',
  stub: 'metrics + tracing by a stub tracer (Jobline\u2019s own share)',
};
const metered = (mode: Mode) => mode !== 'off' && mode !== 'tracing';
const traced = (mode: Mode) => mode !== 'off' && mode !== 'metrics';


/**
 * One mode's worker, set up once per round and kept: its own prefix, producer, consumer (with metrics or tracing as
 * the mode says) and Worker at concurrency 100 on a queue kept paused between drains, so that a drain measures the
 * steady state of a running worker (not its start or close) and the idle workers of the other modes wait, blocked.
 */
class Rig {
  readonly producer: QueueClient;
  readonly consumer: QueueClient;
  readonly worker: Worker;
  readonly metrics: JobMetrics | null;
  /** handler invocations of the drain under way, and the CPU µs its handlers spent on their work */
  private seen = new Invocations(0);
  private workUs = 0;
  ran = 0;
  /** the stub tracer's consumer spans when this rig opened */
  private stubSpans0 = 0;

  private constructor(
    readonly mode: Mode,
    readonly work: Work,
    ctx: RunContext,
  ) {
    const prefix = `${PREFIX}-${mode}-${work}`;
    const registry = new HandlerRegistry();
    const blocks = work === 'cpu' ? blocksPerMs() : 0;
    registry.register({
      name: NOOP,
      source: 'bench',
      defaults: {},
      handle: (_data, job) => {
        if (blocks) {
          // the work's own CPU, apart: the cost of observing is the rest (and whether observing slows the work shows)
          const t0 = process.cpuUsage();
          hashBlocks(blocks);
          const used = process.cpuUsage(t0);
          this.workUs += used.user + used.system;
        }
        this.seen.hit(job.id);
      },
    });
    this.producer = new QueueClient({ connection: ctx.url, prefix, defaultQueue: QUEUE, tracing: traced(mode) });
    this.consumer = new QueueClient({ connection: ctx.url, prefix, defaultQueue: QUEUE, registry, tracing: traced(mode) });
    this.metrics = metered(mode) ? new JobMetrics(this.consumer, { registry: new Registry(), refreshInterval: '1h' }) : null;
    this.worker = new Worker(this.consumer, registry, { queues: [QUEUE], concurrency: ctx.scale.concurrency });
  }

  static async open(ctx: RunContext, mode: Mode, work: Work): Promise<Rig> {
    const rig = new Rig(mode, work, ctx);
    rig.stubSpans0 = stubProcessSpans();
    await rig.producer.pauseQueue(QUEUE);
    rig.worker.start();
    return rig;
  }

  /**
   * Enqueues `jobs` (outside the clock; 10 per root span "request" when traced, as a web app's requests enqueue),
   * then runs them: CPU µs per job of this process and of Redis, from the resume to the last outcome recorded.
   */
  async drain(ctx: RunContext, jobs: number): Promise<Drain> {
    const mode = this.mode;
    const items = makePayloads(jobs).map((data) => ({ name: NOOP, data }));
    const handles: JobHandle[] = new Array<JobHandle>(jobs);
    sampler.current = mode === 'both10' ? SAMPLERS.ratio : SAMPLERS.all;
    useStubTracer(mode === 'stub');
    try {
      return await this.timedDrain(ctx, jobs, items, handles);
    } finally {
      // a drain that throws must not leave later drains (or the other contender's run) tracing through the stub
      useStubTracer(false);
      sampler.current = SAMPLERS.all;
    }
  }

  private async timedDrain(ctx: RunContext, jobs: number, items: { name: string; data: unknown }[], handles: JobHandle[]): Promise<Drain> {
    const mode = this.mode;
    const tracer = trace.getTracer('bench');
    const PER = 10;
    await runPool(Math.ceil(jobs / PER), 20, async (i) => {
      const from = i * PER;
      const enqueue = async () => (await this.producer.enqueueMany(items.slice(from, from + PER))).forEach((h, k) => (handles[from + k] = h));
      if (!traced(mode)) return enqueue();
      return tracer.startActiveSpan('request', async (span) => {
        await enqueue();
        span.end();
      });
    });
    sampler.current = SAMPLERS.all;
    this.seen = new Invocations(jobs);
    this.workUs = 0;
    // this drain's garbage is its own: the set-up's is collected before the clock starts
    gc?.();
    const redis0 = await redisCpuSeconds(ctx.admin);
    const cpu0 = process.cpuUsage();
    await this.producer.resumeQueue(QUEUE);
    await within(`every ${mode} handler to run`, this.seen.whenAll, stallBudgetMs(jobs) + (this.work === 'cpu' ? jobs * 5 : 0));
    // the last outcomes reach Redis with the worker's next call (and the metrics count them then)
    await waitUntil(`jobline to record every ${mode} job finished`, async () => (await this.producer.countJobs(QUEUE)).finished >= jobs, 30_000, 2);
    const used = process.cpuUsage(cpu0);
    const redisUs = ((await redisCpuSeconds(ctx.admin)) - redis0) * 1e6;
    await this.producer.pauseQueue(QUEUE);
    const label = `jobline processing, ${mode}, ${this.work}`;
    this.seen.verify(ctx, label, handles.map((h) => h.id));
    const deleted = await this.producer.deleteAll(QUEUE, 'finished');
    ctx.check(deleted === jobs, `${label}: ${deleted} of ${jobs} jobs ended finished`);
    this.ran += jobs;
    return { total: (used.user + used.system + redisUs) / jobs, work: this.workUs / jobs };
  }

  /** The run was really observed: the metrics counted every job, and a stub rig's every run went through the stub tracer. */
  async check(ctx: RunContext): Promise<void> {
    if (this.mode === 'stub') {
      const spans = stubProcessSpans() - this.stubSpans0;
      ctx.check(spans >= this.ran, `jobline processing, stub, ${this.work}: ${spans} consumer spans through the stub tracer, expected at least ${this.ran}`);
    }
    if (!this.metrics) return;
    const text = (await this.metrics.scrape()).body;
    const line = `jobline_jobs_processed_total{queue="${QUEUE}",name="${NOOP}",outcome="completed"} ${this.ran}`;
    ctx.check(text.includes(line), `jobline processing, ${this.mode}, ${this.work}: metrics counted every job (${line})`);
  }

  async close(): Promise<void> {
    this.metrics?.close();
    await this.worker.close();
    await this.consumer.close();
    await this.producer.close();
  }
}

/**
 * The OpenTelemetry SDK's own cost, alone: CPU µs per consumer span as JobTracing makes one (8 attributes, the
 * span made current around a no-op, ended into the BatchSpanProcessor), child of a remote parent that is sampled or
 * not, with no queue around it.
 */
async function sdkSpanUs(tracer: Tracer, sampled: boolean): Promise<number> {
  sampler.current = SAMPLERS.all;
  const parent: Context = trace.setSpanContext(context.active(), {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: sampled ? 1 : 0,
    isRemote: true,
  });
  // a promise turn between spans, as between jobs, so the batch processor exports (a tight loop would fill its queue
  // and drop the rest, for free); warmed first: the first few thousand spans cost several times more (JIT)
  const spans = 20_000;
  const one = (i: number) => {
    const span = tracer.startSpan(
      `process sdk-alone`,
      {
        kind: 4,
        attributes: {
          'messaging.system': 'jobline',
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'process',
          'messaging.destination.name': QUEUE,
          'messaging.message.id': String(i),
          'jobline.job.name': NOOP,
          'jobline.job.attempt': 1,
          'jobline.job.retries': 0,
        },
      },
      parent,
    );
    context.with(trace.setSpan(parent, span), () => undefined);
    span.end();
  };
  for (let i = 0; i < 10_000; i++) (await null, one(i));
  const t0 = process.cpuUsage();
  for (let i = 0; i < spans; i++) (await null, one(i));
  const used = process.cpuUsage(t0);
  return (used.user + used.system) / spans;
}



/**
 * Issue 15's bench: processing with metrics and tracing on against off, in the same process and run. Per kind of job,
 * one worker per mode is kept running (its queue paused between drains); each cycle drains a short batch of queued
 * jobs through every observed mode, each right beside a drain with both off (off's side alternating), and takes the
 * ratio of their CPU time per job (this process and Redis: process.cpuUsage and INFO cpu). A round reports the medians
 * over its cycles (CPU µs per job, the ratio to off) and a 95% interval of the median ratio of metrics + tracing. Wall
 * time is not a figure: on this shared machine it swings by 2x, and CPU time per job by up to 2x between drains a
 * second apart (other processes on the same cores), hence the pairs and the medians. BullMQ runs the same drains
 * with its own OpenTelemetry integration (observed-bullmq.ts), so the cost of observing compares with its.
 */
export const observed: Scenario = {
  id: 'observed',
  title: (s) =>
    `${cycles('noop')} cycles (after ${WARM_CYCLES} warm-up) of drains of ${n(drainJobs('noop', s.jobs))} no-op jobs, then ${cycles('cpu')} of ${n(drainJobs('cpu', s.jobs))} jobs of ~1 ms CPU: metrics / tracing / both / both 10% sampled / both by a stub tracer (BullMQ: its OpenTelemetry integration bullmq-otel, and with its worker metrics), each beside a drain with both off, 1 process, concurrency ${s.concurrency}`,
  metrics: [
    ...WORKS.flatMap((work): MetricSpec[] => {
      const kind = work === 'noop' ? 'no-op' : '1 ms CPU';
      return [
        ...MODES.map((mode): MetricSpec => ({ key: key(work, mode), label: `CPU µs/job, ${kind}, ${LABEL[mode]}`, unit: 'µs/job', better: 'lower' })),
        ...MODES.filter((m) => m !== 'off').map((mode): MetricSpec => ({ key: ratioKey(work, mode), label: `${kind}, ${LABEL[mode]} vs off`, unit: '%', better: 'lower' })),
        { key: `${work}_both_lo`, label: `${kind}, metrics + tracing vs off: 95% interval of the median, from`, unit: '%', better: 'lower' },
        { key: `${work}_both_hi`, label: `${kind}, metrics + tracing vs off: 95% interval of the median, to`, unit: '%', better: 'lower' },
      ];
    }),
    { key: 'cpu_both_outside', label: '1 ms CPU, metrics + tracing vs off: CPU outside the work, share of the job', unit: '%', better: 'lower' },
    { key: 'cpu_both_outside_lo', label: '1 ms CPU, metrics + tracing vs off: CPU outside the work, 95% interval, from', unit: '%', better: 'lower' },
    { key: 'cpu_both_outside_hi', label: '1 ms CPU, metrics + tracing vs off: CPU outside the work, 95% interval, to', unit: '%', better: 'lower' },
    { key: 'cpu_both_work', label: '1 ms CPU, metrics + tracing vs off: the work\u2019s own CPU', unit: '%', better: 'lower' },
    { key: 'sdkSpan', label: 'CPU µs per SDK span alone, sampled', unit: 'µs/job', better: 'lower' },
    { key: 'sdkSpanUnsampled', label: 'CPU µs per SDK span alone, parent not sampled', unit: 'µs/job', better: 'lower' },
    { key: 'cpuBlockUs', label: 'CPU µs of the 1 ms job\u2019s work alone', unit: 'µs/job', better: 'lower' },
  ],
  runs: {
    async jobline(ctx) {
      const tracing = registerTracing();
      const figures: Record<string, number> = {};
      const blocks = blocksPerMs();
      const t0 = process.cpuUsage();
      for (let i = 0; i < 200; i++) hashBlocks(blocks);
      const u = process.cpuUsage(t0);
      figures.cpuBlockUs = (u.user + u.system) / 200;
      // every sampled run (both10's are 10%, not counted) had its consumer span
      Object.assign(
        figures,
        await observeWorks(ctx, 'jobline', MODES, (mode, work) => Rig.open(ctx, mode, work), (mode) => mode === 'tracing' || mode === 'both', (rig) => rig.check(ctx)),
      );
      const tracer = tracing.getTracer('jobline');
      figures.sdkSpan = await sdkSpanUs(tracer, true);
      figures.sdkSpanUnsampled = await sdkSpanUs(tracer, false);
      return ok(figures);
    },
    bullmq: observedBullmq,
  },
};
