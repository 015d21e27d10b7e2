import { BullRig, NOOP as BULL_NOOP } from '../libs/bullmq.js';
import { JoblineRig, NOOP } from '../libs/jobline.js';
import { ok } from '../outcome.js';
import { makePayload, makePayloads } from '../payload.js';
import { inBatches } from '../pool.js';
import { usedMemory } from '../redis-info.js';
import { n } from '../format.js';
import type { RunContext, Scenario } from '../types.js';
import { sleep } from '../wait.js';

/**
 * Redis `used_memory` after minus before, over the jobs queued between. One job is queued before the "before"
 * reading, so the queue's fixed structures (lists, sets, stream, meta keys) and the script cache are already paid
 * for and the figure is the marginal cost of one more waiting job.
 */
async function perJob(ctx: RunContext, enqueueOne: () => Promise<unknown>, enqueueAll: () => Promise<unknown>): Promise<number> {
  await enqueueOne();
  await sleep(50);
  const before = await usedMemory(ctx.admin);
  await enqueueAll();
  await sleep(50);
  const after = await usedMemory(ctx.admin);
  return (after - before) / ctx.scale.jobs;
}

export const memory: Scenario = {
  id: 'memory',
  title: (s) => `Redis memory per queued job (${n(s.jobs)} jobs)`,
  metrics: [{ key: 'bytes', label: 'bytes/job', unit: 'B/job', better: 'lower', target: { op: '<=', ratio: 0.7 } }],
  runs: {
    async jobline(ctx) {
      const { jobs, batch } = ctx.scale;
      const items = makePayloads(jobs).map((data) => ({ name: NOOP, data }));
      const rig = new JoblineRig(ctx.url);
      try {
        const bytes = await perJob(
          ctx,
          () => rig.producer.enqueue(NOOP, makePayload(-1)),
          () => inBatches(jobs, batch, (from, to) => rig.producer.enqueueMany(items.slice(from, to))),
        );
        const queued = await rig.queuedCount();
        ctx.check(queued === jobs + 1, `jobline memory: ${queued} of ${jobs + 1} jobs queued`);
        return ok({ bytes });
      } finally {
        await rig.close();
      }
    },
    async bullmq(ctx) {
      const { jobs, batch } = ctx.scale;
      const items = makePayloads(jobs).map((data) => ({ name: BULL_NOOP, data }));
      const rig = new BullRig(ctx);
      try {
        const bytes = await perJob(
          ctx,
          () => rig.queue.add(BULL_NOOP, makePayload(-1)),
          () => inBatches(jobs, batch, (from, to) => rig.queue.addBulk(items.slice(from, to))),
        );
        const waiting = await rig.queue.getWaitingCount();
        ctx.check(waiting === jobs + 1, `bullmq memory: ${waiting} of ${jobs + 1} jobs waiting`);
        return ok({ bytes });
      } finally {
        await rig.close();
      }
    },
  },
};
