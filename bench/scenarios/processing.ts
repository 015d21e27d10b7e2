import { n } from '../format.js';
import type { JobHandle } from '../../src/core/index.js';
import type { EnqueueItem } from '../../src/core/model/types.js';
import { BullRig, idsOf, NOOP as BULL_NOOP } from '../libs/bullmq.js';
import { checkAllFinished, JoblineRig, NOOP } from '../libs/jobline.js';
import { Invocations } from '../invocations.js';
import { ok, rate } from '../outcome.js';
import { makePayloads, type BenchPayload } from '../payload.js';
import { inBatches } from '../pool.js';
import type { RunContext, Scenario } from '../types.js';
import { stallBudgetMs, waitUntil, within } from '../wait.js';

/**
 * A backlog drained by one process: `jobs` no-op jobs are queued first (not timed), then one worker at concurrency
 * 100 runs them. Timed from the first handler start to the moment Redis records the last job as finished, so a
 * worker cannot look fast by acknowledging late.
 */
export const processing: Scenario = {
  id: 'processing',
  title: (s) => `process ${n(s.jobs)} queued no-op jobs, 1 process, concurrency ${s.concurrency}`,
  metrics: [{ key: 'rate', label: 'jobs/s', unit: 'jobs/s', better: 'higher', target: { op: '>=', ratio: 3 } }],
  runs: {
    async jobline(ctx) {
      const items = makePayloads(ctx.scale.jobs).map((data) => ({ name: NOOP, data }));
      const rig = new JoblineRig(ctx.url);
      try {
        const { ms } = await drainJobline(ctx, rig, items, 'jobline processing');
        return ok({ rate: rate(items.length, ms) });
      } finally {
        await rig.close();
      }
    },
    async bullmq(ctx) {
      const items = makePayloads(ctx.scale.jobs).map((data) => ({ name: BULL_NOOP, data }));
      const { ms } = await drainBull(ctx, items, 'bullmq processing');
      return ok({ rate: rate(items.length, ms) });
    },
  },
};

/**
 * Enqueues `items` (not timed), then runs them with one worker at the scale's concurrency: the ms from the first
 * handler start to Redis recording the last job finished, and the handles. Checks every job ran once and finished.
 * `seen`: told of each job as its handler starts.
 */
export async function drainJobline(
  ctx: RunContext,
  rig: JoblineRig,
  items: EnqueueItem[],
  label: string,
  seen?: (data: unknown) => void,
): Promise<{ ms: number; handles: JobHandle[] }> {
  const { batch, concurrency } = ctx.scale;
  const jobs = items.length;
  const handles: JobHandle[] = [];
  await inBatches(jobs, batch, async (from, to) => handles.push(...(await rig.producer.enqueueMany(items.slice(from, to)))));
  const ran = new Invocations(jobs);
  let first = 0;
  await ctx.window.begin();
  rig.startWorker(
    {
      [NOOP]: (data, job) => {
        if (ran.count === 0) first = performance.now();
        seen?.(data);
        ran.hit(job.id);
      },
    },
    concurrency,
  );
  await within(`every ${label} handler to run`, ran.whenAll, stallBudgetMs(jobs));
  await waitUntil(`${label} to record every job finished`, async () => (await rig.finishedCount()) >= jobs, 30_000);
  const ms = performance.now() - first;
  await ctx.window.end();
  await rig.stopWorker();
  ran.verify(ctx, label, handles.map((h) => h.id));
  await checkAllFinished(ctx.check, label, handles);
  return { ms, handles };
}

/** drainJobline for BullMQ (`limiter`: its worker's rate limiter); `seen` is told of each job as it starts. */
export async function drainBull(
  ctx: RunContext,
  items: { name: string; data: BenchPayload; opts?: { priority: number } }[],
  label: string,
  seen?: () => void,
  limiter?: { max: number; duration: number },
): Promise<{ ms: number }> {
  const { batch, concurrency } = ctx.scale;
  const jobs = items.length;
  const rig = new BullRig(ctx);
  try {
    const ids: string[] = [];
    await inBatches(jobs, batch, async (from, to) => ids.push(...idsOf(await rig.queue.addBulk(items.slice(from, to)))));
    const ran = new Invocations(jobs);
    let first = 0;
    await ctx.window.begin();
    rig.startWorker(
      (job) => {
        if (ran.count === 0) first = performance.now();
        seen?.();
        ran.hit(String(job.id));
      },
      concurrency,
      limiter,
    );
    await within(`every ${label} handler to run`, ran.whenAll, stallBudgetMs(jobs));
    await waitUntil(`${label} to record every job completed`, async () => (await rig.completedCount()) >= jobs, 30_000);
    const ms = performance.now() - first;
    await ctx.window.end();
    await rig.stopWorker();
    ran.verify(ctx, label, ids);
    const counts = await rig.queue.getCompletedCount();
    ctx.check(counts === jobs, `${label}: ${counts} of ${jobs} jobs completed`);
    return { ms };
  } finally {
    await rig.close();
  }
}
