import { trace } from '@opentelemetry/api';
import { MetricsTime, Queue, Worker } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { NOOP, QUEUE } from '../libs/bullmq.js';
import { Invocations } from '../invocations.js';
import { blocksPerMs, gc, hashBlocks, observeWorks, type Drain, type Work } from '../observed-kit.js';
import { ok } from '../outcome.js';
import { makePayloads, type BenchPayload } from '../payload.js';
import { runPool } from '../pool.js';
import { redisCpuSeconds } from '../redis-info.js';
import type { RunContext, RunOutcome } from '../types.js';
import { stallBudgetMs, waitUntil, within } from '../wait.js';

/**
 * BullMQ's side of issue 15's bench, as its users observe it: `off`; `tracing`, its OpenTelemetry integration
 * (`bullmq-otel`, BullMQ's own) on the queue and the worker, jobs enqueued 10 per root span "request"; `both`, that
 * and the worker's `metrics` (BullMQ's per-minute counts in Redis, which its Prometheus export reads).
 */
export const BULL_MODES = ['off', 'tracing', 'both'] as const;
type BullMode = (typeof BULL_MODES)[number];

/** One mode's BullMQ worker, kept running on its own prefix, its queue paused between drains (as Jobline's rigs). */
class BullObservedRig {
  private seen = new Invocations(0);
  private workUs = 0;
  ran = 0;

  private constructor(
    readonly mode: BullMode,
    readonly work: Work,
    readonly queue: Queue<BenchPayload>,
    private readonly worker: Worker<BenchPayload>,
  ) {}

  static async open(ctx: RunContext, mode: BullMode, work: Work): Promise<BullObservedRig> {
    const prefix = `bull-${mode}-${work}`;
    const telemetry = mode === 'off' ? undefined : new BullMQOtel({ tracerName: 'bullmq' });
    const queue = new Queue<BenchPayload>(QUEUE, { connection: { host: ctx.host, port: ctx.port }, prefix, ...(telemetry ? { telemetry } : {}) });
    await queue.waitUntilReady();
    await queue.pause();
    const blocks = work === 'cpu' ? blocksPerMs() : 0;
    let rig: BullObservedRig | null = null;
    const worker = new Worker<BenchPayload>(
      QUEUE,
      async (job) => {
        if (blocks) {
          const t0 = process.cpuUsage();
          hashBlocks(blocks);
          const used = process.cpuUsage(t0);
          rig!.workUs += used.user + used.system;
        }
        rig!.seen.hit(String(job.id));
      },
      {
        connection: { host: ctx.host, port: ctx.port, maxRetriesPerRequest: null },
        prefix,
        concurrency: ctx.scale.concurrency,
        ...(telemetry ? { telemetry } : {}),
        ...(mode === 'both' ? { metrics: { maxDataPoints: MetricsTime.ONE_WEEK } } : {}),
      },
    );
    worker.on('error', (err) => ctx.check(false, `bullmq worker error (${mode}): ${err.message}`));
    rig = new BullObservedRig(mode, work, queue, worker);
    await worker.waitUntilReady();
    return rig;
  }

  /** As Jobline's drain: enqueue outside the clock, then CPU µs per job of this process and Redis, resume to last completion. */
  async drain(ctx: RunContext, jobs: number): Promise<Drain> {
    const items = makePayloads(jobs).map((data) => ({ name: NOOP, data }));
    const ids: string[] = new Array<string>(jobs);
    const tracer = trace.getTracer('bench');
    const PER = 10;
    await runPool(Math.ceil(jobs / PER), 20, async (i) => {
      const from = i * PER;
      const enqueue = async () => (await this.queue.addBulk(items.slice(from, from + PER))).forEach((job, k) => (ids[from + k] = String(job.id)));
      if (this.mode === 'off') return enqueue();
      return tracer.startActiveSpan('request', async (span) => {
        await enqueue();
        span.end();
      });
    });
    this.seen = new Invocations(jobs);
    this.workUs = 0;
    gc?.();
    const redis0 = await redisCpuSeconds(ctx.admin);
    const cpu0 = process.cpuUsage();
    await this.queue.resume();
    const label = `bullmq processing, ${this.mode}, ${this.work}`;
    await within(`every ${label} handler to run`, this.seen.whenAll, stallBudgetMs(jobs) + (this.work === 'cpu' ? jobs * 5 : 0));
    await waitUntil(`${label} to record every job completed`, async () => (await this.queue.getCompletedCount()) >= jobs, 30_000, 2);
    const used = process.cpuUsage(cpu0);
    const redisUs = ((await redisCpuSeconds(ctx.admin)) - redis0) * 1e6;
    await this.queue.pause();
    this.seen.verify(ctx, label, ids);
    const removed = await this.queue.clean(0, jobs * 2, 'completed');
    ctx.check(removed.length === jobs, `${label}: ${removed.length} of ${jobs} jobs ended completed`);
    this.ran += jobs;
    return { total: (used.user + used.system + redisUs) / jobs, work: this.workUs / jobs };
  }

  /** `both` was really observed: BullMQ's worker metrics counted every completed job. */
  async check(ctx: RunContext): Promise<void> {
    if (this.mode !== 'both') return;
    const counted = (await this.queue.getMetrics('completed')).meta.count;
    ctx.check(counted >= this.ran, `bullmq processing, both, ${this.work}: its metrics counted ${counted} completed jobs, expected at least ${this.ran}`);
  }

  async close(): Promise<void> {
    await this.worker.close();
    await this.queue.close();
  }
}

/** BullMQ's run of the observed scenario: the same paired drains and figures as Jobline's, for its modes. */
export async function observedBullmq(ctx: RunContext): Promise<RunOutcome> {
  // a consumer span per run of the traced modes
  const figures = await observeWorks(ctx, 'bullmq', BULL_MODES, (mode, work) => BullObservedRig.open(ctx, mode, work), (mode) => mode !== 'off', (rig) => rig.check(ctx));
  return ok(figures);
}
