import { n } from '../format.js';
import type { JobHandle } from '../../src/core/index.js';
import { DEPENDS_ON_MISSING, supportsDependsOn } from '../libs/dependencies.js';
import { checkAllFinished, JoblineRig, type WithDependsOn } from '../libs/jobline.js';
import { Invocations } from '../invocations.js';
import { na, ok } from '../outcome.js';
import { makePayload, makePayloads } from '../payload.js';
import { inBatches } from '../pool.js';
import type { Scenario } from '../types.js';
import { stallBudgetMs, waitUntil, within } from '../wait.js';

const ROOT = 'bench.root';
const DEPENDENT = 'bench.dependent';

/**
 * Fan-out: `fanSize` jobs all depend on one root (Jobline only: a BullMQ job has at most one parent, so it has no
 * equivalent). Figures: from the root's handler returning to the first and to the last dependent starting, i.e.
 * how fast finishing one job releases many.
 */
export const fanOut: Scenario = {
  id: 'fan-out',
  title: (s) => `fan-out: ${n(s.fanSize)} jobs after 1 (root end -> dependent start)`,
  metrics: [
    { key: 'first', label: 'first ms', unit: 'ms', better: 'lower' },
    { key: 'last', label: 'last ms', unit: 'ms', better: 'lower' },
  ],
  runs: {
    async jobline(ctx) {
      if (!(await supportsDependsOn(ctx.url))) return na(DEPENDS_ON_MISSING);
      const { fanSize, batch, concurrency } = ctx.scale;
      const rig = new JoblineRig(ctx.url);
      try {
        const root = await rig.producer.enqueue(ROOT, makePayload(-1));
        const options: WithDependsOn = { dependsOn: root.id };
        const items = makePayloads(fanSize).map((data) => ({ name: DEPENDENT, data, options }));
        const dependents: JobHandle[] = [];
        await inBatches(fanSize, batch, async (from, to) => dependents.push(...(await rig.producer.enqueueMany(items.slice(from, to)))));
        const seen = new Invocations(fanSize + 1);
        let rootEnd = 0;
        let first = 0;
        let last = 0;
        await ctx.window.begin();
        rig.startWorker(
          {
            [ROOT]: (_data, job) => {
              seen.hit(job.id);
              rootEnd = performance.now();
            },
            [DEPENDENT]: (_data, job) => {
              last = performance.now();
              if (first === 0) first = last;
              seen.hit(job.id);
            },
          },
          concurrency,
        );
        await within('every jobline dependent to run', seen.whenAll, stallBudgetMs(fanSize));
        await waitUntil('jobline to record the fan-out finished', async () => (await rig.finishedCount()) >= fanSize + 1, 30_000, 5);
        await ctx.window.end();
        await rig.stopWorker();
        const all = [root, ...dependents];
        seen.verify(ctx, 'jobline fan-out', all.map((h) => h.id));
        await checkAllFinished(ctx.check, 'jobline fan-out', all);
        ctx.check(first >= rootEnd, `jobline fan-out: a dependent started before its root ended`);
        return ok({ first: first - rootEnd, last: last - rootEnd });
      } finally {
        await rig.close();
      }
    },
  },
};
