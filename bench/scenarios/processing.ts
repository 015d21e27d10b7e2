import { n } from '../format.js';
import type { JobHandle } from '../../src/core/index.js';
import { BullRig, idsOf, NOOP as BULL_NOOP } from '../libs/bullmq.js';
import { checkAllFinished, JoblineRig, NOOP } from '../libs/jobline.js';
import { Invocations } from '../invocations.js';
import { ok, rate } from '../outcome.js';
import { makePayloads } from '../payload.js';
import { inBatches } from '../pool.js';
import type { Scenario } from '../types.js';
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
      const { jobs, batch, concurrency } = ctx.scale;
      const items = makePayloads(jobs).map((data) => ({ name: NOOP, data }));
      const rig = new JoblineRig(ctx.url);
      try {
        const handles: JobHandle[] = [];
        await inBatches(jobs, batch, async (from, to) => handles.push(...(await rig.producer.enqueueMany(items.slice(from, to)))));
        const seen = new Invocations(jobs);
        let first = 0;
        await ctx.window.begin();
        rig.startWorker(
          {
            [NOOP]: (_data, job) => {
              if (seen.count === 0) first = performance.now();
              seen.hit(job.id);
            },
          },
          concurrency,
        );
        await within('every jobline handler to run', seen.whenAll, stallBudgetMs(jobs));
        await waitUntil('jobline to record every job finished', async () => (await rig.finishedCount()) >= jobs, 30_000);
        const ms = performance.now() - first;
        await ctx.window.end();
        await rig.stopWorker();
        seen.verify(ctx, 'jobline processing', handles.map((h) => h.id));
        await checkAllFinished(ctx.check, 'jobline processing', handles);
        return ok({ rate: rate(jobs, ms) });
      } finally {
        await rig.close();
      }
    },
    async bullmq(ctx) {
      const { jobs, batch, concurrency } = ctx.scale;
      const items = makePayloads(jobs).map((data) => ({ name: BULL_NOOP, data }));
      const rig = new BullRig(ctx);
      try {
        const ids: string[] = [];
        await inBatches(jobs, batch, async (from, to) => ids.push(...idsOf(await rig.queue.addBulk(items.slice(from, to)))));
        const seen = new Invocations(jobs);
        let first = 0;
        await ctx.window.begin();
        rig.startWorker((job) => {
          if (seen.count === 0) first = performance.now();
          seen.hit(String(job.id));
        }, concurrency);
        await within('every bullmq handler to run', seen.whenAll, stallBudgetMs(jobs));
        await waitUntil('bullmq to record every job completed', async () => (await rig.completedCount()) >= jobs, 30_000);
        const ms = performance.now() - first;
        await ctx.window.end();
        await rig.stopWorker();
        seen.verify(ctx, 'bullmq processing', ids);
        const counts = await rig.queue.getCompletedCount();
        ctx.check(counts === jobs, `bullmq processing: ${counts} of ${jobs} jobs completed`);
        return ok({ rate: rate(jobs, ms) });
      } finally {
        await rig.close();
      }
    },
  },
};
