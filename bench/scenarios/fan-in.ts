import { n } from '../format.js';
import type { JobHandle } from '../../src/core/index.js';
import { BullRig } from '../libs/bullmq.js';
import { DEPENDS_ON_MISSING, supportsDependsOn } from '../libs/dependencies.js';
import { checkAllFinished, JoblineRig, type WithDependsOn } from '../libs/jobline.js';
import { Invocations } from '../invocations.js';
import { na, ok } from '../outcome.js';
import { makePayload, makePayloads } from '../payload.js';
import { inBatches } from '../pool.js';
import type { Scenario } from '../types.js';
import { stallBudgetMs, waitUntil, within } from '../wait.js';

const CHILD = 'bench.child';
const PARENT = 'bench.parent';

/**
 * Fan-in: one parent waits on `fanSize` children (Jobline: `dependsOn` all of them; BullMQ: a flow). Everything is
 * stored before the worker starts; the figure is the gap between the last child's handler returning and the
 * parent's handler starting, i.e. how fast the engine notices "all dependencies done" and releases the parent.
 */
export const fanIn: Scenario = {
  id: 'fan-in',
  title: (s) => `fan-in: 1 job after ${n(s.fanSize)} (last child end -> parent start)`,
  metrics: [{ key: 'gap', label: 'ms', unit: 'ms', better: 'lower' }],
  runs: {
    async jobline(ctx) {
      if (!(await supportsDependsOn(ctx.url))) return na(DEPENDS_ON_MISSING);
      const { fanSize, batch, concurrency } = ctx.scale;
      const items = makePayloads(fanSize).map((data) => ({ name: CHILD, data }));
      const rig = new JoblineRig(ctx.url);
      try {
        const children: JobHandle[] = [];
        await inBatches(fanSize, batch, async (from, to) => children.push(...(await rig.producer.enqueueMany(items.slice(from, to)))));
        const options: WithDependsOn = { dependsOn: children.map((h) => h.id) };
        const parent = await rig.producer.enqueue(PARENT, makePayload(-1), options);
        const seen = new Invocations(fanSize + 1);
        let lastChildEnd = 0;
        let parentStart = 0;
        await ctx.window.begin();
        rig.startWorker(
          {
            [CHILD]: (_data, job) => {
              seen.hit(job.id);
              lastChildEnd = performance.now();
            },
            [PARENT]: (_data, job) => {
              parentStart = performance.now();
              seen.hit(job.id);
            },
          },
          concurrency,
        );
        await within('the jobline parent to run', seen.whenAll, stallBudgetMs(fanSize));
        await waitUntil('jobline to record the fan-in finished', async () => (await rig.finishedCount()) >= fanSize + 1, 30_000, 5);
        await ctx.window.end();
        await rig.stopWorker();
        const all = [...children, parent];
        seen.verify(ctx, 'jobline fan-in', all.map((h) => h.id));
        await checkAllFinished(ctx.check, 'jobline fan-in', all);
        ctx.check(parentStart >= lastChildEnd, `jobline fan-in: the parent started ${(lastChildEnd - parentStart).toFixed(1)} ms before its last child ended`);
        return ok({ gap: parentStart - lastChildEnd });
      } finally {
        await rig.close();
      }
    },
    async bullmq(ctx) {
      const { fanSize, concurrency } = ctx.scale;
      const rig = new BullRig(ctx);
      try {
        const tree = await rig.flowProducer().add({
          name: PARENT,
          queueName: rig.queue.name,
          data: makePayload(-1),
          children: makePayloads(fanSize).map((data) => ({ name: CHILD, queueName: rig.queue.name, data })),
        });
        const ids = [String(tree.job.id), ...(tree.children ?? []).map((c) => String(c.job.id))];
        const seen = new Invocations(fanSize + 1);
        let lastChildEnd = 0;
        let parentStart = 0;
        await ctx.window.begin();
        rig.startWorker((job) => {
          if (job.name === PARENT) parentStart = performance.now();
          seen.hit(String(job.id));
          if (job.name === CHILD) lastChildEnd = performance.now();
        }, concurrency);
        await within('the bullmq flow parent to run', seen.whenAll, stallBudgetMs(fanSize));
        await waitUntil('bullmq to record the flow completed', async () => (await rig.completedCount()) >= fanSize + 1, 30_000, 5);
        await ctx.window.end();
        await rig.stopWorker();
        seen.verify(ctx, 'bullmq fan-in', ids);
        ctx.check(parentStart >= lastChildEnd, `bullmq fan-in: the parent started before its last child ended`);
        return ok({ gap: parentStart - lastChildEnd });
      } finally {
        await rig.close();
      }
    },
  },
};
