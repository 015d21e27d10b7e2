import { n } from '../format.js';
import { NOOP as BULL_NOOP } from '../libs/bullmq.js';
import { JoblineRig, NOOP, PREFIX, QUEUE } from '../libs/jobline.js';
import { JOB_FIELD } from '../../src/core/redis/stored-names.js';
import { ok, rate } from '../outcome.js';
import { makePayloads } from '../payload.js';
import type { RunContext, Scenario } from '../types.js';
import { drainBull, drainJobline } from './processing.js';

/** The lanes of the lanes scenario, highest first; job i goes to LANES[i % 3] (BullMQ: priority 1 + i % 3). */
const LANES = ['high', 'mid', 'low'];

/**
 * A backlog over three lanes drained by one process at concurrency 100: Jobline's lanes (strict) against BullMQ's
 * `priority` (1, 2, 3), the jobs of the three interleaved at enqueue. Timed as `processing` is (first handler start to
 * the last job recorded finished). Jobline's run also checks the order: no job of a lower lane starts before the last
 * job of a higher one.
 */
export const lanes: Scenario = {
  id: 'lanes',
  title: (s) => `process ${n(s.jobs)} queued no-op jobs over 3 lanes / priorities, 1 process, concurrency ${s.concurrency}`,
  metrics: [{ key: 'rate', label: 'jobs/s', unit: 'jobs/s', better: 'higher', target: { op: '>=', ratio: 3 } }],
  runs: {
    async jobline(ctx) {
      const items = makePayloads(ctx.scale.jobs).map((data, i) => ({ name: NOOP, data, options: { priority: LANES[i % 3] } }));
      // the lanes are given to the worker's client only: the producer reads them from Redis
      const rig = new JoblineRig(ctx.url, [QUEUE], { [QUEUE]: { lanes: LANES } });
      try {
        await rig.declare();
        const order: number[] = [];
        const { ms } = await drainJobline(ctx, rig, items, 'jobline lanes', (data) => order.push((data as { seq: number }).seq % 3));
        const early = inversions(order);
        ctx.check(early === 0, `jobline lanes: ${early} jobs started before the last job of a higher lane`);
        return ok({ rate: rate(items.length, ms) });
      } finally {
        await rig.close();
      }
    },
    async bullmq(ctx) {
      const items = makePayloads(ctx.scale.jobs).map((data, i) => ({ name: BULL_NOOP, data, opts: { priority: 1 + (i % 3) } }));
      const { ms } = await drainBull(ctx, items, 'bullmq lanes');
      return ok({ rate: rate(items.length, ms) });
    },
  },
};

/** Starts of a lower lane (a higher number) before the last start of a higher lane. */
function inversions(order: readonly number[]): number {
  let count = 0;
  for (let lane = 0; lane < 2; lane++) {
    const last = order.lastIndexOf(lane);
    for (let i = 0; i < last; i++) if (order[i]! > lane) count++;
  }
  return count;
}

/** The rate limit of the rate-limit scenario: jobs per second. */
const LIMIT = 10_000;

/**
 * A backlog drained under a rate limit of 10,000 jobs/s (Jobline's `rateLimit: { max: 10000, per: '1s' }`, BullMQ's
 * worker `limiter: { max: 10000, duration: 1000 }`), one process at concurrency 100. Measured: the jobs started in the
 * run's whole seconds from the first start (the last, partial second left out) per second, which a limit held exactly
 * makes 10,000 when the machine can run that many; and the most started in any one-second window (the limit's
 * promise). Jobline's starts are read on Redis time (the limit's clock), BullMQ's in the handler. Jobline's run fails
 * its checks if a window holds more than the limit.
 */
export const rateLimit: Scenario = {
  id: 'rate-limit',
  title: (s) => `process ${n(limitedJobs(s.jobs))} queued no-op jobs under a limit of ${n(LIMIT)} jobs/s, 1 process, concurrency ${s.concurrency}`,
  metrics: [
    { key: 'rate', label: 'jobs/s in whole seconds', unit: 'jobs/s', better: 'higher' },
    { key: 'peak', label: 'most jobs in any 1 s', unit: 'jobs/s', better: 'lower' },
  ],
  runs: {
    async jobline(ctx) {
      const items = makePayloads(limitedJobs(ctx.scale.jobs)).map((data) => ({ name: NOOP, data }));
      const rig = new JoblineRig(ctx.url, [QUEUE], { [QUEUE]: { rateLimit: { max: LIMIT, per: '1s' } } });
      try {
        await rig.declare();
        const { handles } = await drainJobline(ctx, rig, items, 'jobline rate-limit');
        // the start times the limit was kept on: Redis time, as each job's hash records it
        const starts: number[] = [];
        for (let from = 0; from < handles.length; from += 5_000) {
          const pipe = ctx.admin.pipeline();
          for (const h of handles.slice(from, from + 5_000)) pipe.hget(`${PREFIX}:{${QUEUE}}:job:${h.id}`, JOB_FIELD.startedAt);
          for (const [, v] of (await pipe.exec()) ?? []) starts.push(Number(v));
        }
        return ok(measureRate(ctx, 'jobline rate-limit', starts, true));
      } finally {
        await rig.close();
      }
    },
    async bullmq(ctx) {
      const items = makePayloads(limitedJobs(ctx.scale.jobs)).map((data) => ({ name: BULL_NOOP, data }));
      const starts: number[] = [];
      await drainBull(ctx, items, 'bullmq rate-limit', () => starts.push(performance.now()), { max: LIMIT, duration: 1000 });
      return ok(measureRate(ctx, 'bullmq rate-limit', starts, false));
    },
  },
};

/** Jobs of a rate-limit run: at least three seconds' worth at the limit, so --quick measures whole seconds too. */
function limitedJobs(scaleJobs: number): number {
  return Math.max(scaleJobs, 3 * LIMIT);
}

/** The rate over the whole seconds of `starts` (ms) and the peak of any one-second window; checked when `checked`. */
function measureRate(ctx: RunContext, label: string, starts: number[], checked: boolean): { rate: number; peak: number } {
  const t = [...starts].sort((a, b) => a - b);
  const t0 = t[0]!;
  const seconds = Math.floor((t[t.length - 1]! - t0) / 1000);
  let peak = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= 1000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  const r = seconds < 1 ? rate(t.length, Math.max(1, t[t.length - 1]! - t0)) : t.filter((x) => x < t0 + seconds * 1000).length / seconds;
  // the promise of the limit, on the time it is kept on (Redis's): never more; fewer only when the machine cannot
  // run that many (a figure, read against the limit in bench/results/lanes.md)
  if (checked) ctx.check(peak <= LIMIT, `${label}: ${peak} jobs started within one second, over the limit of ${LIMIT}`);
  return { rate: r, peak };
}
