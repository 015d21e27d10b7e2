import { BullRig, NOOP as BULL_NOOP } from '../libs/bullmq.js';
import { JoblineRig, NOOP } from '../libs/jobline.js';
import { ok, rate } from '../outcome.js';
import { makePayloads } from '../payload.js';
import { inBatches } from '../pool.js';
import { n } from '../format.js';
import type { Scenario } from '../types.js';

/** Batch producers (imports, fan-out from a cron): one call per `batch` jobs, one call after the other. */
export const enqueueBulk: Scenario = {
  id: 'enqueue-bulk',
  title: (s) => `enqueueMany / addBulk, batches of ${n(s.batch)}`,
  metrics: [{ key: 'rate', label: 'jobs/s', unit: 'jobs/s', better: 'higher', target: { op: '>=', ratio: 5 } }],
  runs: {
    async jobline(ctx) {
      const { jobs, batch } = ctx.scale;
      // the caller's item objects exist before the call, as they would in an app; building them is not the queue's work
      const items = makePayloads(jobs).map((data) => ({ name: NOOP, data }));
      const rig = new JoblineRig(ctx.url);
      try {
        await rig.ready();
        await ctx.window.begin();
        const t0 = performance.now();
        await inBatches(jobs, batch, (from, to) => rig.producer.enqueueMany(items.slice(from, to)));
        const ms = performance.now() - t0;
        await ctx.window.end();
        const queued = await rig.queuedCount();
        ctx.check(queued === jobs, `jobline enqueueMany: ${queued} of ${jobs} jobs queued`);
        return ok({ rate: rate(jobs, ms) });
      } finally {
        await rig.close();
      }
    },
    async bullmq(ctx) {
      const { jobs, batch } = ctx.scale;
      const items = makePayloads(jobs).map((data) => ({ name: BULL_NOOP, data }));
      const rig = new BullRig(ctx);
      try {
        await rig.ready();
        await ctx.window.begin();
        const t0 = performance.now();
        await inBatches(jobs, batch, (from, to) => rig.queue.addBulk(items.slice(from, to)));
        const ms = performance.now() - t0;
        await ctx.window.end();
        const waiting = await rig.queue.getWaitingCount();
        ctx.check(waiting === jobs, `bullmq addBulk: ${waiting} of ${jobs} jobs waiting`);
        return ok({ rate: rate(jobs, ms) });
      } finally {
        await rig.close();
      }
    },
  },
};
