import { n } from '../format.js';
import type { JobContext, JobHandle } from '../../src/core/index.js';
import { BullRig, idsOf, NOOP as BULL_NOOP } from '../libs/bullmq.js';
import { checkAllFinished, JoblineRig, NOOP } from '../libs/jobline.js';
import { sample } from '../invocations.js';
import { ok, rate } from '../outcome.js';
import { makePayloads } from '../payload.js';
import { inBatches } from '../pool.js';
import type { RunContext, Scenario } from '../types.js';
import { signal, stallBudgetMs, waitUntil, within } from '../wait.js';

/** Runs per job id: each job must run exactly twice (a failed first run, then its retry). */
class Runs {
  private readonly counts = new Map<string, number>();
  private total = 0;
  readonly done = signal();

  constructor(private readonly expected: number) {}

  hit(id: string): number {
    const k = (this.counts.get(id) ?? 0) + 1;
    this.counts.set(id, k);
    if (++this.total === this.expected) this.done.resolve();
    return k;
  }

  verify(ctx: RunContext, label: string, ids: readonly string[]): void {
    const wrong = ids.filter((id) => this.counts.get(id) !== 2).map((id) => `${id} x${this.counts.get(id) ?? 0}`);
    ctx.check(wrong.length === 0 && this.counts.size === ids.length, `${label}: ${wrong.length} jobs did not run exactly twice ${sample(wrong)}`);
  }
}

/**
 * Retries: `jobs` queued jobs (not timed) whose first run throws and whose retry succeeds, with no backoff (Jobline
 * `retry: 1`, BullMQ `attempts: 2`), run by one process at concurrency 100. Timed from the first handler start to the
 * moment Redis records the last job finished.
 */
export const retries: Scenario = {
  id: 'retries',
  title: (s) => `retries: ${n(s.jobs)} jobs failing once, then succeeding (no backoff), 1 process`,
  metrics: [{ key: 'rate', label: 'jobs/s', unit: 'jobs/s', better: 'higher', target: { op: '>=', ratio: 3 } }],
  runs: {
    async jobline(ctx) {
      const { jobs, batch, concurrency } = ctx.scale;
      const items = makePayloads(jobs).map((data) => ({ name: NOOP, data, options: { retry: 1 } }));
      const rig = new JoblineRig(ctx.url);
      try {
        const handles: JobHandle[] = [];
        await inBatches(jobs, batch, async (from, to) => handles.push(...(await rig.producer.enqueueMany(items.slice(from, to)))));
        const runs = new Runs(jobs * 2);
        let first = 0;
        await ctx.window.begin();
        rig.startWorker(
          {
            [NOOP]: (_data, job: JobContext) => {
              if (first === 0) first = performance.now();
              if (runs.hit(job.id) === 1) throw new Error('first run fails');
            },
          },
          concurrency,
        );
        await within('every jobline job to run twice', runs.done.promise, stallBudgetMs(jobs * 2));
        await waitUntil('jobline to record every job finished', async () => (await rig.finishedCount()) >= jobs, 30_000);
        const ms = performance.now() - first;
        await ctx.window.end();
        await rig.stopWorker();
        runs.verify(ctx, 'jobline retries', handles.map((h) => h.id));
        await checkAllFinished(ctx.check, 'jobline retries', handles);
        return ok({ rate: rate(jobs, ms) });
      } finally {
        await rig.close();
      }
    },
    async bullmq(ctx) {
      const { jobs, batch, concurrency } = ctx.scale;
      const items = makePayloads(jobs).map((data) => ({ name: BULL_NOOP, data, opts: { attempts: 2 } }));
      const rig = new BullRig(ctx);
      try {
        const ids: string[] = [];
        await inBatches(jobs, batch, async (from, to) => ids.push(...idsOf(await rig.queue.addBulk(items.slice(from, to)))));
        const runs = new Runs(jobs * 2);
        let first = 0;
        await ctx.window.begin();
        rig.startWorker((job) => {
          if (first === 0) first = performance.now();
          if (runs.hit(String(job.id)) === 1) throw new Error('first run fails');
        }, concurrency);
        await within('every bullmq job to run twice', runs.done.promise, stallBudgetMs(jobs * 2));
        await waitUntil('bullmq to record every job completed', async () => (await rig.completedCount()) >= jobs, 30_000);
        const ms = performance.now() - first;
        await ctx.window.end();
        await rig.stopWorker();
        runs.verify(ctx, 'bullmq retries', ids);
        const completed = await rig.completedCount();
        ctx.check(completed === jobs, `bullmq retries: ${completed} of ${jobs} jobs completed`);
        return ok({ rate: rate(jobs, ms) });
      } finally {
        await rig.close();
      }
    },
  },
};
