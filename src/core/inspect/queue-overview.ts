import type { Engine } from '../engine.js';
import { InvalidOptionError } from '../model/errors.js';
import { assertQueueName } from '../model/names.js';
import { JOB_STATUSES, type JobInfo, type JobStatus } from '../model/types.js';
import { META_FIELD } from '../redis/stored-names.js';
import type { GroupCount } from '../limits/group.js';
import type { Inspector } from './inspector.js';
import type { JobLocator } from './job-locator.js';

/** One queue at a glance (`jobline queues`, the queue gauges of the metrics, the dashboard's overview). */
export interface QueueSummary {
  name: string;
  /** jobs per status */
  counts: Record<JobStatus, number>;
  /** its workers fetch nothing while paused (enqueue goes on) */
  paused: boolean;
  /** live workers that consume it (the registry of live workers) */
  workers: number;
  /** its lanes, highest first, with their queued jobs (absent: it has none) */
  lanes?: { lane: string; queued: number }[];
  /** its groups (`group.id` of its jobs), by id, with their queued and running jobs and limits (absent: none) */
  groups?: GroupCount[];
}

/** A page of one status's jobs (`jobline jobs`, the dashboard's job lists). */
export interface JobPage {
  queue: string;
  status: JobStatus;
  /** jobs in that status in all */
  total: number;
  offset: number;
  limit: number;
  /** the page, in that status's order (see getJobIds); jobs that ended between the two reads are left out */
  jobs: JobInfo[];
}

/** Most jobs one page may hold. */
export const MAX_PAGE = 1000;

/** Reads made for people and dashboards: a summary per queue, and jobs a page at a time (never a scan of all jobs). */
export class QueueOverview {
  constructor(
    private readonly engine: Engine,
    private readonly inspector: Inspector,
    private readonly locator: JobLocator,
  ) {}

  /** A summary of each of `queues` (default: every queue this prefix has used), in name order. */
  async summaries(queues?: readonly string[]): Promise<QueueSummary[]> {
    const names = queues ? [...queues] : await this.locator.queues();
    names.forEach((q) => assertQueueName(q));
    const workers = await this.engine.workers.list();
    const consumers = new Map<string, number>();
    for (const w of workers) for (const q of w.queues) consumers.set(q, (consumers.get(q) ?? 0) + 1);
    // one queue's reads at a time share its slot; queues are read side by side
    return Promise.all(
      names.sort().map(async (name) => {
        const [counts, paused, lanes, groups] = await Promise.all([
          this.inspector.countJobs(name),
          this.engine.redis.hexists(this.engine.queue(name).meta, META_FIELD.paused),
          this.inspector.laneCounts(name),
          this.inspector.groupCounts(name),
        ]);
        const summary: QueueSummary = { name, counts, paused: paused === 1, workers: consumers.get(name) ?? 0 };
        if (lanes) summary.lanes = lanes;
        if (groups.length) summary.groups = groups;
        return summary;
      }),
    );
  }

  /** Jobs `offset`..`offset + limit - 1` of one status, with their info. */
  async page(queue: string, status: JobStatus, offset = 0, limit = 20): Promise<JobPage> {
    assertQueueName(queue);
    if (!JOB_STATUSES.includes(status)) throw new InvalidOptionError('status', status, `one of ${JOB_STATUSES.join(', ')}`);
    if (!Number.isInteger(offset) || offset < 0) throw new InvalidOptionError('offset', offset, 'a whole number of at least 0');
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new InvalidOptionError('limit', limit, `a whole number from 1 to ${MAX_PAGE}`);
    const [ids, counts] = await Promise.all([this.inspector.getJobIds(queue, status, offset, offset + limit - 1), this.inspector.countJobs(queue)]);
    const infos = await this.inspector.getInfos(queue, ids);
    return { queue, status, total: counts[status], offset, limit, jobs: infos.filter((i): i is JobInfo => i !== null) };
  }
}
