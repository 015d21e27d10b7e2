import { createHash } from 'node:crypto';
import { context, trace, type Context, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { n } from '../format.js';
import { HandlerRegistry, QueueClient, Worker, type JobHandle } from '../../src/core/index.js';
import { JobMetrics } from '../../src/metrics/index.js';
import { checkAllFinished, NOOP, PREFIX, QUEUE } from '../libs/jobline.js';
import { Invocations } from '../invocations.js';
import { ok } from '../outcome.js';
import { makePayloads } from '../payload.js';
import { runPool } from '../pool.js';
import { redisCpuSeconds } from '../redis-info.js';
import type { MetricSpec, RunContext, Scenario } from '../types.js';
import { stallBudgetMs, waitUntil, within } from '../wait.js';

/** An exporter that drops the spans (the SDK's work per span is measured, not a collector's). */
class DiscardingExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

/** The registered provider's sampler, switched between drains (a provider is registered once per process). */
class SwitchedSampler implements Sampler {
  current: Sampler = new ParentBasedSampler({ root: new AlwaysOnSampler() });
  shouldSample(...args: Parameters<Sampler['shouldSample']>): ReturnType<Sampler['shouldSample']> {
    return this.current.shouldSample(...args);
  }
  toString(): string {
    return `switched(${this.current.toString()})`;
  }
}

/** Samplers as applications set them: every trace (the SDK's default), or 10% of the traces (parent-based). */
const SAMPLERS = {
  all: () => new ParentBasedSampler({ root: new AlwaysOnSampler() }),
  ratio: () => new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }),
};
const sampler = new SwitchedSampler();
let provider: BasicTracerProvider | null = null;

/** The OpenTelemetry SDK as an application registers it: async context, batched export (once per process). */
function registerTracing(): void {
  if (provider) return;
  provider = new BasicTracerProvider({ sampler, spanProcessors: [new BatchSpanProcessor(new DiscardingExporter())] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
}

/**
 * What a drain observes: `off` (no metrics, tracing off: the fetch is not instrumented), `metrics` (JobMetrics on the
 * consumer), `tracing` (every job enqueued under a trace, so it carries a traceparent and runs in a consumer span;
 * all traces sampled), `both`, and the same two with 10% of the traces sampled.
 */
const MODES = ['off', 'metrics', 'tracing', 'both', 'tracingRatio', 'bothRatio'] as const;
type Mode = (typeof MODES)[number];
const LABEL: Record<Mode, string> = {
  off: 'off',
  metrics: 'metrics',
  tracing: 'tracing',
  both: 'metrics + tracing',
  tracingRatio: 'tracing 10%',
  bothRatio: 'metrics + tracing 10%',
};
/** The jobs: no-op, or a fixed ~1 ms of CPU (SHA-256 over 64 KiB blocks, the count calibrated per run). */
const WORKS = ['noop', 'cpu'] as const;
type Work = (typeof WORKS)[number];

const BLOCK = Buffer.alloc(64 * 1024, 7);
function hashBlocks(blocks: number): string {
  let h = '';
  for (let i = 0; i < blocks; i++) h = createHash('sha256').update(BLOCK).update(h).digest('hex');
  return h;
}

/** How many blocks take ~1 ms of this process's CPU (CPU time, so the machine's other load does not skew it). */
function calibrate(): number {
  hashBlocks(50);
  const t0 = process.cpuUsage();
  hashBlocks(500);
  const used = process.cpuUsage(t0);
  return Math.max(1, Math.round(500 / ((used.user + used.system) / 1000)));
}

/** One drain: `jobs` queued jobs, one worker at concurrency 100; CPU µs per job of this process and Redis. */
async function drain(ctx: RunContext, mode: Mode, work: Work, blocks: number): Promise<number> {
  const metered = mode === 'metrics' || mode === 'both' || mode === 'bothRatio';
  const traced = mode !== 'off' && mode !== 'metrics';
  sampler.current = mode.endsWith('Ratio') ? SAMPLERS.ratio() : SAMPLERS.all();
  const { concurrency } = ctx.scale;
  const jobs = work === 'noop' ? ctx.scale.jobs : Math.ceil(ctx.scale.jobs / 5);
  const prefix = `${PREFIX}-${mode}-${work}`;
  const items = makePayloads(jobs).map((data) => ({ name: NOOP, data }));
  const producer = new QueueClient({ connection: ctx.url, prefix, defaultQueue: QUEUE, tracing: traced });
  const registry = new HandlerRegistry();
  const seen = new Invocations(jobs);
  registry.register({
    name: NOOP,
    source: 'bench',
    defaults: {},
    handle: (_data, job) => {
      if (work === 'cpu') hashBlocks(blocks);
      seen.hit(job.id);
    },
  });
  const consumer = new QueueClient({ connection: ctx.url, prefix, defaultQueue: QUEUE, registry, tracing: traced });
  const metrics = metered ? new JobMetrics(consumer, { registry: new Registry(), refreshInterval: '15s' }) : null;
  let worker: Worker | null = null;
  try {
    const handles: JobHandle[] = new Array<JobHandle>(jobs);
    // as requests of a web app enqueue: 10 jobs per request, each request its own trace (so a ratio sampler samples
    // some traces, not all or none); untraced modes enqueue alike, under no span
    const tracer = trace.getTracer('bench');
    const PER = 10;
    await runPool(Math.ceil(jobs / PER), 20, async (i) => {
      const from = i * PER;
      const enqueue = async () => (await producer.enqueueMany(items.slice(from, from + PER))).forEach((h, k) => (handles[from + k] = h));
      if (!traced) return enqueue();
      return tracer.startActiveSpan('request', async (span) => {
        await enqueue();
        span.end();
      });
    });
    await ctx.window.begin();
    // CPU time (this process and Redis) is what observing adds; wall time on a shared machine is too noisy for 5%
    const cpu0 = process.cpuUsage();
    const redis0 = await redisCpuSeconds(ctx.admin);
    worker = new Worker(consumer, registry, { queues: [QUEUE], concurrency });
    worker.start();
    await within('every jobline handler to run', seen.whenAll, stallBudgetMs(jobs) + (work === 'cpu' ? jobs * 5 : 0));
    await waitUntil('jobline to record every job finished', async () => (await producer.countJobs(QUEUE)).finished >= jobs, 30_000);
    const used = process.cpuUsage(cpu0);
    const cpuUs = used.user + used.system + ((await redisCpuSeconds(ctx.admin)) - redis0) * 1e6;
    await ctx.window.end();
    await worker.close();
    worker = null;
    const label = `jobline processing, ${mode}, ${work}`;
    seen.verify(ctx, label, handles.map((h) => h.id));
    await checkAllFinished(ctx.check, label, handles);
    if (metrics) {
      // the run was really observed: the metrics counted every job
      const text = await metrics.scrape();
      ctx.check(text.body.includes(`jobline_jobs_processed_total{queue="${QUEUE}",name="${NOOP}",outcome="completed"} ${jobs}`), `${label}: metrics counted every job`);
    }
    return cpuUs / jobs;
  } finally {
    metrics?.close();
    await worker?.close();
    await consumer.close();
    await producer.close();
    await ctx.admin.flushall();
  }
}

/**
 * The OpenTelemetry SDK's own cost, alone: CPU µs per consumer span as JobTracing makes one (8 attributes, the
 * span made current around a no-op, ended into the BatchSpanProcessor), child of a remote parent that is sampled or
 * not, with no queue around it.
 */
async function sdkSpanUs(tracer: Tracer, sampled: boolean): Promise<number> {
  sampler.current = SAMPLERS.all();
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
      `process ${QUEUE}`,
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

const key = (work: Work, mode: Mode) => `${work}_${mode}`;

/**
 * Issue 15's bench: processing with metrics and tracing on against off, measured in the same run (one drain per
 * observation mode and kind of job, the modes' order rotating by round so the machine's load drifts over all alike).
 * Figures are CPU µs per job (this process + Redis): wall time on this shared machine swings by 2x.
 */
export const observed: Scenario = {
  id: 'observed',
  title: (s) =>
    `process ${n(s.jobs)} queued no-op jobs and ${n(Math.ceil(s.jobs / 5))} jobs of ~1 ms CPU, off / metrics / tracing (all or 10% sampled) / both, 1 process, concurrency ${s.concurrency}`,
  metrics: [
    ...WORKS.flatMap((work) =>
      MODES.map((mode): MetricSpec => ({ key: key(work, mode), label: `CPU µs/job, ${work === 'noop' ? 'no-op' : '1 ms CPU'}, ${LABEL[mode]}`, unit: 'µs/job', better: 'lower' })),
    ),
    { key: 'sdkSpan', label: 'CPU µs per SDK span alone, sampled', unit: 'µs/job', better: 'lower' },
    { key: 'sdkSpanUnsampled', label: 'CPU µs per SDK span alone, parent not sampled', unit: 'µs/job', better: 'lower' },
    { key: 'cpuBlockUs', label: 'CPU µs of the 1 ms job\u2019s work alone', unit: 'µs/job', better: 'lower' },
  ],
  runs: {
    async jobline(ctx) {
      registerTracing();
      const figures: Record<string, number> = {};
      const blocks = calibrate();
      const t0 = process.cpuUsage();
      for (let i = 0; i < 200; i++) hashBlocks(blocks);
      const u = process.cpuUsage(t0);
      figures.cpuBlockUs = (u.user + u.system) / 200;
      for (const work of WORKS) {
        for (let i = 0; i < MODES.length; i++) {
          const mode = MODES[(i + ctx.round) % MODES.length]!;
          figures[key(work, mode)] = await drain(ctx, mode, work, blocks);
        }
      }
      const tracer = trace.getTracer('jobline');
      figures.sdkSpan = await sdkSpanUs(tracer, true);
      figures.sdkSpanUnsampled = await sdkSpanUs(tracer, false);
      return ok(figures);
    },
  },
};
