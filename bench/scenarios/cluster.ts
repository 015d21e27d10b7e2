import calculateSlot from 'cluster-key-slot';
import { Redis } from 'ioredis';
import type { ClusterTopologyNode } from '../../scripts/redis-cluster.mjs';
import type { ConnectionOption, JobHandle } from '../../src/core/index.js';
import { n } from '../format.js';
import { Invocations } from '../invocations.js';
import { checkAllFinished, JoblineRig, NOOP } from '../libs/jobline.js';
import { ok, rate } from '../outcome.js';
import { makePayloads } from '../payload.js';
import { inBatches } from '../pool.js';
import { startPrivateCluster } from '../private-cluster.js';
import { redisCpuSeconds } from '../redis-info.js';
import type { RunContext, Scenario } from '../types.js';
import { stallBudgetMs, waitUntil, within } from '../wait.js';

/** One queue name per master of `topology` (`bench<n>`, the first n whose slot that master serves). */
function queuePerMaster(topology: ClusterTopologyNode[]): string[] {
  const masters = topology.filter((m) => m.role === 'master').sort((a, b) => a.port - b.port);
  return masters.map((m) => {
    for (let i = 0; ; i++) {
      const slot = calculateSlot(`bench${i}`);
      if (m.slots.some(([a, b]) => slot >= a && slot <= b)) return `bench${i}`;
    }
  });
}

interface Measured {
  enqueue: number;
  processing: number;
  /** Redis CPU ms per 1,000 jobs (enqueue and processing), per server */
  cpu: number[];
}

/**
 * enqueueMany of `jobs` jobs spread over `queues` (item i to queue i mod 3, so each call writes to all three), then
 * one worker process on the three queues drains them; each timed, and the CPU each Redis server spent meanwhile.
 */
async function measure(ctx: RunContext, connection: ConnectionOption, servers: Redis[], queues: string[], label: string): Promise<Measured> {
  const { jobs, batch, concurrency } = ctx.scale;
  const items = makePayloads(jobs).map((data, i) => ({ name: NOOP, data, options: { queue: queues[i % queues.length] } }));
  const rig = new JoblineRig(connection, queues);
  try {
    await rig.ready();
    const cpu0 = await Promise.all(servers.map(redisCpuSeconds));
    const handles: JobHandle[] = [];
    const t0 = performance.now();
    await inBatches(jobs, batch, async (from, to) => handles.push(...(await rig.producer.enqueueMany(items.slice(from, to)))));
    const enqueueMs = performance.now() - t0;
    const queued = await rig.queuedCount();
    ctx.check(queued === jobs, `${label} enqueueMany: ${queued} of ${jobs} jobs queued`);
    const seen = new Invocations(jobs);
    let first = 0;
    rig.startWorker(
      {
        [NOOP]: (_data, job) => {
          if (seen.count === 0) first = performance.now();
          seen.hit(job.id);
        },
      },
      concurrency,
    );
    await within(`every ${label} handler to run`, seen.whenAll, stallBudgetMs(jobs));
    await waitUntil(`${label} to record every job finished`, async () => (await rig.finishedCount()) >= jobs, 30_000);
    const processMs = performance.now() - first;
    const cpu1 = await Promise.all(servers.map(redisCpuSeconds));
    await rig.stopWorker();
    seen.verify(ctx, `${label} processing`, handles.map((h) => h.id));
    await checkAllFinished(ctx.check, `${label} processing`, handles);
    return { enqueue: rate(jobs, enqueueMs), processing: rate(jobs, processMs), cpu: cpu1.map((c, i) => ((c - cpu0[i]!) * 1000 * 1000) / jobs) };
  } finally {
    await rig.close();
  }
}

/**
 * Jobline on a 3-master Redis Cluster against one Redis, same run, same work: jobs over three queues, one per master.
 * On this 2-core machine the three masters and the Node process share two cores, so the cluster cannot be faster;
 * the CPU each master spends shows where the work would go on machines of their own (about a third each).
 */
export const cluster: Scenario = {
  id: 'cluster',
  title: (s) => `Redis Cluster: ${n(s.jobs)} jobs over 3 queues (one per master), one Redis vs 3 masters`,
  metrics: [
    { key: 'enqSingle', label: 'enqueueMany jobs/s, one Redis', unit: 'jobs/s', better: 'higher' },
    { key: 'enqCluster', label: 'enqueueMany jobs/s, 3 masters', unit: 'jobs/s', better: 'higher' },
    { key: 'procSingle', label: 'processing jobs/s, one Redis', unit: 'jobs/s', better: 'higher' },
    { key: 'procCluster', label: 'processing jobs/s, 3 masters', unit: 'jobs/s', better: 'higher' },
    { key: 'cpuSingle', label: 'Redis CPU ms per 1,000 jobs, one Redis', unit: 'ms', better: 'lower' },
    { key: 'cpuMax', label: 'CPU ms per 1,000 jobs, busiest master', unit: 'ms', better: 'lower' },
    { key: 'cpuMid', label: 'CPU ms per 1,000 jobs, middle master', unit: 'ms', better: 'lower' },
    { key: 'cpuMin', label: 'CPU ms per 1,000 jobs, least busy master', unit: 'ms', better: 'lower' },
  ],
  runs: {
    async jobline(ctx) {
      const nodes = await startPrivateCluster({ masters: 3 });
      const masters: Redis[] = [];
      try {
        const topology = await nodes.topology();
        const queues = queuePerMaster(topology);
        for (const m of topology.filter((t) => t.role === 'master')) masters.push(new Redis({ host: m.host, port: m.port }));
        await ctx.window.begin();
        // which goes first alternates by round, so neither always runs on a colder process
        const runSingle = () => measure(ctx, ctx.url, [ctx.admin], queues, 'one Redis');
        const runCluster = () => measure(ctx, { cluster: nodes.nodes }, masters, queues, 'cluster');
        let single: Measured;
        let sharded: Measured;
        if (ctx.round % 2 === 1) {
          single = await runSingle();
          sharded = await runCluster();
        } else {
          sharded = await runCluster();
          single = await runSingle();
        }
        await ctx.window.end();
        const [cpuMax, cpuMid, cpuMin] = [...sharded.cpu].sort((a, b) => b - a);
        return ok({
          enqSingle: single.enqueue,
          enqCluster: sharded.enqueue,
          procSingle: single.processing,
          procCluster: sharded.processing,
          cpuSingle: single.cpu[0]!,
          cpuMax: cpuMax!,
          cpuMid: cpuMid!,
          cpuMin: cpuMin!,
        });
      } finally {
        for (const m of masters) m.disconnect();
        await nodes.stop();
      }
    },
  },
};
