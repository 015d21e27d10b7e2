import { n } from '../format.js';
import { JoblineRig, NOOP, QUEUE } from '../libs/jobline.js';
import { ok, rate } from '../outcome.js';
import { makePayloads } from '../payload.js';
import type { RunContext, Scenario } from '../types.js';
import { drainJobline } from './processing.js';

/** Small tenants of the groups scenario, each with SMALL_SHARE of the jobs, enqueued after the big tenant's backlog. */
const SMALL_TENANTS = 10;
const SMALL_SHARE = 0.01;

/**
 * Groups (per-tenant limits) against the same queue without groups: a big tenant's backlog (90% of the jobs, group
 * concurrency 100: counted, but no tighter than the worker's), then 10 small tenants' jobs (1% each) enqueued after it, drained by one process at concurrency
 * 100. BullMQ's groups are paid-only (BullMQ Pro), so the comparison is Jobline with and without groups. Measured:
 * the rate of each, and how far into the run (as a share of all starts) the small tenants' last job started: with
 * round robin over the groups it is about 11 x 1% = 11% (a plain FIFO queue: 100%). The run checks it stays within 15%.
 */
export const groups: Scenario = {
  id: 'groups',
  title: (s) => `process ${n(s.jobs)} no-op jobs of 1 big + ${SMALL_TENANTS} small tenants, 1 process, concurrency ${s.concurrency}: groups vs none`,
  metrics: [
    { key: 'rate', label: 'jobs/s with groups', unit: 'jobs/s', better: 'higher' },
    { key: 'plain', label: 'jobs/s, same jobs without groups', unit: 'jobs/s', better: 'higher' },
    { key: 'smallDone', label: "small tenants' last start, % of the run's starts", unit: '%', better: 'lower' },
  ],
  runs: {
    async jobline(ctx) {
      const grouped = await drain(ctx, true);
      const plain = await drain(ctx, false);
      ctx.check(grouped.smallDone <= 15, `jobline groups: the small tenants' last job started at ${grouped.smallDone.toFixed(1)}% of the starts (round robin: about 11%)`);
      return ok({ rate: grouped.rate, plain: plain.rate, smallDone: grouped.smallDone });
    },
  },
};

async function drain(ctx: RunContext, withGroups: boolean): Promise<{ rate: number; smallDone: number }> {
  const jobs = ctx.scale.jobs;
  const small = Math.max(1, Math.floor(jobs * SMALL_SHARE));
  const big = jobs - small * SMALL_TENANTS;
  const tenantOf = (i: number) => (i < big ? 'big' : `t${Math.floor((i - big) / small)}`);
  const items = makePayloads(jobs).map((data, i) => ({
    name: NOOP,
    data,
    options: withGroups ? { group: tenantOf(i) === 'big' ? { id: 'big', concurrency: 100 } : { id: tenantOf(i) } } : {},
  }));
  const rig = new JoblineRig(ctx.url, [QUEUE]);
  try {
    let starts = 0;
    let lastSmall = 0;
    const label = withGroups ? 'jobline groups' : 'jobline no groups';
    const { ms } = await drainJobline(ctx, rig, items, label, (data) => {
      starts++;
      if ((data as { seq: number }).seq >= big) lastSmall = starts;
    });
    await ctx.admin.flushall();
    return { rate: rate(items.length, ms), smallDone: (100 * lastSmall) / jobs };
  } finally {
    await rig.close();
  }
}
