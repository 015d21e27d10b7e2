import { BullRig, NOOP as BULL_NOOP } from '../libs/bullmq.js';
import { JoblineRig, NOOP } from '../libs/jobline.js';
import { ok, rate } from '../outcome.js';
import { makePayloads } from '../payload.js';
import { runPool } from '../pool.js';
import type { Scenario } from '../types.js';

/** A web server's shape: many requests each enqueueing one job, `inFlight` at a time. Throughput of the producer alone. */
export const enqueueSingle: Scenario = {
  id: 'enqueue-single',
  title: (s) => `enqueue one at a time, ${s.inFlight} in flight`,
  metrics: [{ key: 'rate', label: 'jobs/s', unit: 'jobs/s', better: 'higher', target: { op: '>=', ratio: 2 } }],
  runs: {
    async jobline(ctx) {
      const { jobs, inFlight } = ctx.scale;
      const payloads = makePayloads(jobs);
      const rig = new JoblineRig(ctx.url);
      try {
        await rig.ready();
        await ctx.window.begin();
        const t0 = performance.now();
        await runPool(jobs, inFlight, (i) => rig.producer.enqueue(NOOP, payloads[i]));
        const ms = performance.now() - t0;
        await ctx.window.end();
        const queued = await rig.queuedCount();
        ctx.check(queued === jobs, `jobline enqueue-single: ${queued} of ${jobs} jobs queued`);
        return ok({ rate: rate(jobs, ms) });
      } finally {
        await rig.close();
      }
    },
    async bullmq(ctx) {
      const { jobs, inFlight } = ctx.scale;
      const payloads = makePayloads(jobs);
      const rig = new BullRig(ctx);
      try {
        await rig.ready();
        await ctx.window.begin();
        const t0 = performance.now();
        await runPool(jobs, inFlight, (i) => rig.queue.add(BULL_NOOP, payloads[i]!));
        const ms = performance.now() - t0;
        await ctx.window.end();
        const waiting = await rig.queue.getWaitingCount();
        ctx.check(waiting === jobs, `bullmq add: ${waiting} of ${jobs} jobs waiting`);
        return ok({ rate: rate(jobs, ms) });
      } finally {
        await rig.close();
      }
    },
  },
};
