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
import { redisCpuSeconds } from '../redis-info.js';
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
 * One drain of `jobs` queued no-op jobs by one worker at concurrency 100: `off` (tracing off, no metrics: the fetch
 * is not instrumented), `metrics` (JobMetrics on the consumer), or `traced` (metrics, and the jobs enqueued inside a
 * span so each carries a traceparent and runs in a consumer span). Timed as `processing`: first handler start to the last recorded finished;
 * also the CPU time per job of this process and of Redis over the drain.
 */
/** What a drain observes: nothing, metrics only, or metrics and tracing. */
type Mode = 'off' | 'metrics' | 'traced';

async function drain(ctx: RunContext, mode: Mode): Promise<{ rate: number; cpu: number }> {
  const observed = mode !== 'off';
  const traced = mode === 'traced';
  const { jobs, batch, concurrency } = ctx.scale;
  const prefix = `${PREFIX}-${mode}`;
  const items = makePayloads(jobs).map((data) => ({ name: NOOP, data }));
  const producer = new QueueClient({ connection: ctx.url, prefix, defaultQueue: QUEUE, tracing: traced });
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
  const consumer = new QueueClient({ connection: ctx.url, prefix, defaultQueue: QUEUE, registry, tracing: traced });
  const metrics = observed ? new JobMetrics(consumer, { registry: new Registry(), refreshInterval: '15s' }) : null;
  let worker: Worker | null = null;
  try {
    const handles: JobHandle[] = [];
    const enqueue = () => inBatches(jobs, batch, async (from, to) => handles.push(...(await producer.enqueueMany(items.slice(from, to)))));
    if (traced) await trace.getTracer('bench').startActiveSpan('bench enqueue', async (span) => (await enqueue(), span.end()));
    else await enqueue();
    await ctx.window.begin();
    // CPU time (this process and Redis) is what observing adds; wall time on a shared machine is too noisy for 5%
    const cpu0 = process.cpuUsage();
    const redis0 = await redisCpuSeconds(ctx.admin);
    worker = new Worker(consumer, registry, { queues: [QUEUE], concurrency });
    worker.start();
    await within('every jobline handler to run', seen.whenAll, stallBudgetMs(jobs));
    await waitUntil('jobline to record every job finished', async () => (await producer.countJobs(QUEUE)).finished >= jobs, 30_000);
    const ms = performance.now() - first;
    const used = process.cpuUsage(cpu0);
    const cpuUs = used.user + used.system + ((await redisCpuSeconds(ctx.admin)) - redis0) * 1e6;
    await ctx.window.end();
    await worker.close();
    worker = null;
    seen.verify(ctx, `jobline processing, ${mode}`, handles.map((h) => h.id));
    await checkAllFinished(ctx.check, `jobline processing, ${mode}`, handles);
    if (metrics) {
      // the run was really observed: the metrics counted every job
      const text = await metrics.scrape();
      ctx.check(text.body.includes(`jobline_jobs_processed_total{queue="${QUEUE}",name="${NOOP}",outcome="completed"} ${jobs}`), `${mode} run: metrics counted every job`);
    }
    return { rate: rate(jobs, ms), cpu: cpuUs / jobs };
  } finally {
    metrics?.close();
    await worker?.close();
    await consumer.close();
    await producer.close();
    await ctx.admin.flushall();
  }
}

/**
 * Issue 15's bench: processing with metrics and tracing on against off, measured in the same run (one drain each:
 * off, metrics only, metrics and tracing; their order rotating by round, so the machine's load drifts over all alike).
 */
export const observed: Scenario = {
  id: 'observed',
  title: (s) => `process ${n(s.jobs)} queued no-op jobs, off / metrics / metrics + tracing, 1 process, concurrency ${s.concurrency}`,
  metrics: [
    { key: 'off', label: 'jobs/s, off', unit: 'jobs/s', better: 'higher' },
    { key: 'metrics', label: 'jobs/s, metrics', unit: 'jobs/s', better: 'higher' },
    { key: 'traced', label: 'jobs/s, metrics + tracing', unit: 'jobs/s', better: 'higher' },
    { key: 'cpuOff', label: 'CPU µs/job, off', unit: 'µs/job', better: 'lower' },
    { key: 'cpuMetrics', label: 'CPU µs/job, metrics', unit: 'µs/job', better: 'lower' },
    { key: 'cpuTraced', label: 'CPU µs/job, metrics + tracing', unit: 'µs/job', better: 'lower' },
  ],
  runs: {
    async jobline(ctx) {
      registerTracing();
      const modes: Mode[] = ['off', 'metrics', 'traced'];
      const figures: Record<string, number> = {};
      for (let i = 0; i < modes.length; i++) {
        const mode = modes[(i + ctx.round) % modes.length]!;
        const r = await drain(ctx, mode);
        figures[mode] = r.rate;
        figures[`cpu${mode[0]!.toUpperCase()}${mode.slice(1)}`] = r.cpu;
      }
      return ok(figures);
    },
  },
};
