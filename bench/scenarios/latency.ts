import { n } from '../format.js';
import type { JobHandle } from '../../src/core/index.js';
import { BullRig, NOOP as BULL_NOOP } from '../libs/bullmq.js';
import { checkAllFinished, JoblineRig, NOOP } from '../libs/jobline.js';
import { Invocations } from '../invocations.js';
import { LatencyRecorder } from '../latency-recorder.js';
import { ok } from '../outcome.js';
import { paced } from '../pace.js';
import { makePayload, type BenchPayload } from '../payload.js';
import type { MetricSpec, Scenario } from '../types.js';
import { sleep, stallBudgetMs, waitUntil, within } from '../wait.js';

const metrics: MetricSpec[] = [
  { key: 'p50', label: 'p50 ms', unit: 'ms', better: 'lower' },
  { key: 'p99', label: 'p99 ms', unit: 'ms', better: 'lower', target: { op: '<=', ratio: 1 } },
  { key: 'max', label: 'max ms', unit: 'ms', better: 'lower' },
];

/** A worker that has been idle a moment, as a real one between bursts: it sits in its blocking wait. */
const SETTLE_MS = 300;

/**
 * Steady traffic, not a backlog: a producer enqueues single jobs at `latencyRate` per second while one worker
 * (concurrency 100) runs them. Each payload carries the producer's clock just before its enqueue; the handler's
 * first act is to read the clock again. Producer and worker share this process, so one clock serves both.
 */
export const latency: Scenario = {
  id: 'latency',
  title: (s) => `enqueue-to-start latency at ${n(s.latencyRate)} jobs/s for ${s.latencySeconds} s`,
  metrics,
  runs: {
    async jobline(ctx) {
      const { latencyRate, latencySeconds, concurrency } = ctx.scale;
      const total = Math.round(latencyRate * latencySeconds);
      const rig = new JoblineRig(ctx.url);
      try {
        await rig.ready();
        const lat = new LatencyRecorder(total);
        const seen = new Invocations(total);
        rig.startWorker(
          {
            [NOOP]: (data, job) => {
              lat.record((data as BenchPayload).t);
              seen.hit(job.id);
            },
          },
          concurrency,
        );
        await sleep(SETTLE_MS);
        const handles: JobHandle[] = new Array(total);
        await ctx.window.begin();
        await paced(latencyRate, latencySeconds, async (i) => {
          const payload = makePayload(i);
          payload.t = performance.now();
          handles[i] = await rig.producer.enqueue(NOOP, payload);
        });
        await within('every jobline handler to run', seen.whenAll, stallBudgetMs(total));
        await waitUntil('jobline to record every job finished', async () => (await rig.finishedCount()) >= total, 30_000, 5);
        await ctx.window.end();
        await rig.stopWorker();
        seen.verify(ctx, 'jobline latency', handles.map((h) => h.id));
        await checkAllFinished(ctx.check, 'jobline latency', handles);
        return ok(lat.metrics());
      } finally {
        await rig.close();
      }
    },
    async bullmq(ctx) {
      const { latencyRate, latencySeconds, concurrency } = ctx.scale;
      const total = Math.round(latencyRate * latencySeconds);
      const rig = new BullRig(ctx);
      try {
        await rig.ready();
        const lat = new LatencyRecorder(total);
        const seen = new Invocations(total);
        rig.startWorker((job) => {
          lat.record(job.data.t);
          seen.hit(String(job.id));
        }, concurrency);
        await sleep(SETTLE_MS);
        const ids: string[] = new Array(total);
        await ctx.window.begin();
        await paced(latencyRate, latencySeconds, async (i) => {
          const payload = makePayload(i);
          payload.t = performance.now();
          ids[i] = String((await rig.queue.add(BULL_NOOP, payload)).id);
        });
        await within('every bullmq handler to run', seen.whenAll, stallBudgetMs(total));
        await waitUntil('bullmq to record every job completed', async () => (await rig.completedCount()) >= total, 30_000, 5);
        await ctx.window.end();
        await rig.stopWorker();
        seen.verify(ctx, 'bullmq latency', ids);
        return ok(lat.metrics());
      } finally {
        await rig.close();
      }
    },
  },
};
