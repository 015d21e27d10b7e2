import { n } from '../format.js';
import type { JobHandle } from '../../src/core/index.js';
import { BullRig, idsOf, NOOP as BULL_NOOP } from '../libs/bullmq.js';
import { checkAllFinished, JoblineRig, NOOP } from '../libs/jobline.js';
import { Invocations } from '../invocations.js';
import { LatencyRecorder } from '../latency-recorder.js';
import { ok, rate } from '../outcome.js';
import { makePayloads, type BenchPayload } from '../payload.js';
import { inBatches } from '../pool.js';
import type { MetricSpec, RunContext, Scenario } from '../types.js';
import { sleep, stallBudgetMs, waitUntil, within } from '../wait.js';

/**
 * Time to store the delayed jobs before the first falls due (ms): both libraries store 100,000 delayed jobs in a few
 * seconds on this machine; a run whose enqueue ends after the first due time fails its check instead of measuring.
 */
function leadMs(jobs: number): number {
  return 3_000 + jobs * 0.15;
}

/** Now, on the epoch clock Redis also reads (the same machine clock), with sub-millisecond precision. */
function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** When job i of `jobs` falls due: spread evenly over `spreadMs` from `base`, or all at `base` (spreadMs 0). */
function dueOf(base: number, i: number, jobs: number, spreadMs: number): number {
  return base + Math.floor((i * spreadMs) / jobs);
}

const lateness: MetricSpec[] = [
  { key: 'p50', label: 'lateness p50 ms', unit: 'ms', better: 'lower' },
  { key: 'p99', label: 'lateness p99 ms', unit: 'ms', better: 'lower', target: { op: '<=', ratio: 1 } },
  { key: 'max', label: 'lateness max ms', unit: 'ms', better: 'lower' },
];

/**
 * Delayed jobs, one consumer (concurrency 100) started before the first is due. `spread`: `jobs` jobs fall due evenly
 * over `delaySeconds`, and each handler records its lateness (its start minus its due time, both on the machine's
 * clock). `burst`: `jobs` jobs all fall due at one instant, and the figure is jobs/s from that instant to the last one
 * recorded finished: how fast the engine promotes (and runs) a mass of due jobs.
 */
async function joblineDelayed(ctx: RunContext, spreadMs: number): Promise<Record<string, number>> {
  const { jobs, batch, concurrency } = ctx.scale;
  const rig = new JoblineRig(ctx.url);
  try {
    await rig.ready();
    const base = Math.ceil(epochNow()) + leadMs(jobs);
    const items = makePayloads(jobs).map((data, i) => {
      data.t = dueOf(base, i, jobs, spreadMs);
      return { name: NOOP, data, options: { runAt: data.t } };
    });
    const handles: JobHandle[] = [];
    await inBatches(jobs, batch, async (from, to) => handles.push(...(await rig.producer.enqueueMany(items.slice(from, to)))));
    ctx.check(epochNow() < base, `jobline delayed: enqueue ended ${(epochNow() - base).toFixed(0)} ms after the first due time (raise the lead)`);
    const lat = new LatencyRecorder(jobs);
    const seen = new Invocations(jobs);
    rig.startWorker(
      {
        [NOOP]: (data, job) => {
          lat.record((data as BenchPayload).t! - performance.timeOrigin);
          seen.hit(job.id);
        },
      },
      concurrency,
    );
    await sleep(Math.max(0, base - epochNow() - 200));
    await ctx.window.begin();
    await within('every jobline handler to run', seen.whenAll, stallBudgetMs(jobs) + spreadMs + leadMs(jobs));
    await waitUntil('jobline to record every job finished', async () => (await rig.finishedCount()) >= jobs, 30_000, 1);
    const ended = epochNow();
    await ctx.window.end();
    await rig.stopWorker();
    seen.verify(ctx, 'jobline delayed', handles.map((h) => h.id));
    await checkAllFinished(ctx.check, 'jobline delayed', handles);
    return spreadMs > 0 ? lat.metrics() : { rate: rate(jobs, ended - base) };
  } finally {
    await rig.close();
  }
}

async function bullDelayed(ctx: RunContext, spreadMs: number): Promise<Record<string, number>> {
  const { jobs, batch, concurrency } = ctx.scale;
  const rig = new BullRig(ctx);
  try {
    await rig.ready();
    const created = Math.floor(epochNow());
    const base = Math.ceil(epochNow()) + leadMs(jobs);
    // a job is due at its `timestamp` plus its `delay`: one fixed timestamp makes each due time exact
    const items = makePayloads(jobs).map((data, i) => {
      data.t = dueOf(base, i, jobs, spreadMs);
      return { name: BULL_NOOP, data, opts: { timestamp: created, delay: data.t - created } };
    });
    const ids: string[] = [];
    await inBatches(jobs, batch, async (from, to) => ids.push(...idsOf(await rig.queue.addBulk(items.slice(from, to)))));
    ctx.check(epochNow() < base, `bullmq delayed: addBulk ended ${(epochNow() - base).toFixed(0)} ms after the first due time (raise the lead)`);
    const lat = new LatencyRecorder(jobs);
    const seen = new Invocations(jobs);
    rig.startWorker((job) => {
      lat.record(job.data.t! - performance.timeOrigin);
      seen.hit(String(job.id));
    }, concurrency);
    await sleep(Math.max(0, base - epochNow() - 200));
    await ctx.window.begin();
    await within('every bullmq handler to run', seen.whenAll, stallBudgetMs(jobs) + spreadMs + leadMs(jobs));
    await waitUntil('bullmq to record every job completed', async () => (await rig.completedCount()) >= jobs, 30_000, 1);
    const ended = epochNow();
    await ctx.window.end();
    await rig.stopWorker();
    seen.verify(ctx, 'bullmq delayed', ids);
    const completed = await rig.completedCount();
    ctx.check(completed === jobs, `bullmq delayed: ${completed} of ${jobs} jobs completed`);
    return spreadMs > 0 ? lat.metrics() : { rate: rate(jobs, ended - base) };
  } finally {
    await rig.close();
  }
}

export const delayed: Scenario = {
  id: 'delayed',
  title: (s) => `delayed: ${n(s.jobs)} jobs due over ${s.delaySeconds} s, 1 consumer (start - due time)`,
  metrics: lateness,
  runs: {
    jobline: async (ctx) => ok(await joblineDelayed(ctx, ctx.scale.delaySeconds * 1000)),
    bullmq: async (ctx) => ok(await bullDelayed(ctx, ctx.scale.delaySeconds * 1000)),
  },
};

export const delayedBurst: Scenario = {
  id: 'delayed-burst',
  title: (s) => `delayed: ${n(s.jobs)} jobs due at one instant, 1 consumer (due -> last finished)`,
  metrics: [{ key: 'rate', label: 'jobs/s', unit: 'jobs/s', better: 'higher', target: { op: '>=', ratio: 3 } }],
  runs: {
    jobline: async (ctx) => ok(await joblineDelayed(ctx, 0)),
    bullmq: async (ctx) => ok(await bullDelayed(ctx, 0)),
  },
};
