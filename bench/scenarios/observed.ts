import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { n } from '../format.js';
import { HandlerRegistry, QueueClient, Worker, type JobHandle } from '../../src/core/index.js';
import { JobMetrics } from '../../src/metrics/index.js';
import { checkAllFinished, NOOP, PREFIX, QUEUE } from '../libs/jobline.js';
import { Invocations } from '../invocations.js';
import { ok, rate } from '../outcome.js';
import { makePayloads } from '../payload.js';
import { inBatches } from '../pool.js';
import type { RunContext, Scenario } from '../types.js';
import { stallBudgetMs, waitUntil, within } from '../wait.js';

/** An exporter that drops the spans (the SDK's work per span is measured, not a collector's). */
class DiscardingExporter implements SpanExporter {
  export(_spans: ReadableSpan[], done: (result: { code: number }) => void): void {
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {}
}

let provider: BasicTracerProvider | null = null;

/** The OpenTelemetry SDK as an application registers it: async context, batched export (once per process). */
function registerTracing(): void {
  if (provider) return;
  provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new DiscardingExporter())] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
}

/**
 * One drain of `jobs` queued no-op jobs by one worker at concurrency 100, observed (JobMetrics on the consumer, the
 * jobs enqueued inside a span so each carries a traceparent and runs in a consumer span) or not (tracing off, no
 * metrics: the fetch is not instrumented). Timed as `processing`: first handler start to the last recorded finished.
 */
async function drain(ctx: RunContext, observed: boolean): Promise<number> {
  const { jobs, batch, concurrency } = ctx.scale;
  const prefix = `${PREFIX}-${observed ? 'on' : 'off'}`;
  const items = makePayloads(jobs).map((data) => ({ name: NOOP, data }));
  const producer = new QueueClient({ connection: ctx.url, prefix, defaultQueue: QUEUE, tracing: observed });
  const registry = new HandlerRegistry();
  const seen = new Invocations(jobs);
  let first = 0;
  registry.register({
    name: NOOP,
    source: 'bench',
    defaults: {},
    handle: (_data, job) => {
      if (seen.count === 0) first = performance.now();
      seen.hit(job.id);
    },
  });
  const consumer = new QueueClient({ connection: ctx.url, prefix, defaultQueue: QUEUE, registry, tracing: observed });
  const metrics = observed ? new JobMetrics(consumer, { registry: new Registry(), refreshInterval: '15s' }) : null;
  let worker: Worker | null = null;
  try {
    const handles: JobHandle[] = [];
    const enqueue = () => inBatches(jobs, batch, async (from, to) => handles.push(...(await producer.enqueueMany(items.slice(from, to)))));
    if (observed) await trace.getTracer('bench').startActiveSpan('bench enqueue', async (span) => (await enqueue(), span.end()));
    else await enqueue();
    await ctx.window.begin();
    worker = new Worker(consumer, registry, { queues: [QUEUE], concurrency });
    worker.start();
    await within('every jobline handler to run', seen.whenAll, stallBudgetMs(jobs));
    await waitUntil('jobline to record every job finished', async () => (await producer.countJobs(QUEUE)).finished >= jobs, 30_000);
    const ms = performance.now() - first;
    await ctx.window.end();
    await worker.close();
    worker = null;
    seen.verify(ctx, `jobline processing, observed ${observed}`, handles.map((h) => h.id));
    await checkAllFinished(ctx.check, `jobline processing, observed ${observed}`, handles);
    if (metrics) {
      // the run was really observed: the metrics counted every job
      const text = await metrics.scrape();
      ctx.check(text.body.includes(`jobline_jobs_processed_total{queue="${QUEUE}",name="${NOOP}",outcome="completed"} ${jobs}`), 'observed run: metrics counted every job');
    }
    return rate(jobs, ms);
  } finally {
    metrics?.close();
    await worker?.close();
    await consumer.close();
    await producer.close();
    await ctx.admin.flushall();
  }
}

/**
 * Issue 15's bench: processing with metrics and tracing on costs at most 5% against off, measured in the same run
 * (one drain each, their order alternating by round, so the machine's load drifts over both alike).
 */
export const observed: Scenario = {
  id: 'observed',
  title: (s) => `process ${n(s.jobs)} queued no-op jobs, metrics and tracing off / on, 1 process, concurrency ${s.concurrency}`,
  metrics: [
    { key: 'off', label: 'jobs/s, off', unit: 'jobs/s', better: 'higher' },
    { key: 'on', label: 'jobs/s, metrics + tracing', unit: 'jobs/s', better: 'higher' },
  ],
  runs: {
    async jobline(ctx) {
      registerTracing();
      const order = ctx.round % 2 === 0 ? [false, true] : [true, false];
      const rates: Record<string, number> = {};
      for (const on of order) rates[on ? 'on' : 'off'] = await drain(ctx, on);
      return ok(rates);
    },
  },
};
