import type { Engine } from '../engine.js';
import { InvalidOptionError, JobNotFoundError } from '../model/errors.js';
import { assertQueueName } from '../model/names.js';
import { JOB_STATUSES, type JobInfo, type JobStatus } from '../model/types.js';
import { sendAll } from '../redis/connection.js';
import { parseJobInfo } from '../redis/job-hash.js';
import type { QueueKeys } from '../redis/keys.js';
import { JOB_FIELD } from '../redis/stored-names.js';
import { laneLists } from '../lanes/lanes.js';
import { decodeGroupLimits, type GroupCount } from '../limits/group.js';
import { countQueued, queuedLists } from './queued-lists.js';

/** The registries scored by when each entry expires: an entry past its score is not counted or listed. */
const EXPIRING_REGISTRIES = new Set<JobStatus>(['finished', 'failed', 'canceled', 'expired', 'stopped']);

/** Read-only views of jobs and registries (RQ's registries): no read changes or cleans anything up. */
export class Inspector {
  constructor(private readonly engine: Engine) {}

  /**
   * Job ids in one status of one queue (like RQ's registries): in queue order for `queued` (of a queue with lanes:
   * lane by lane, highest first; `queue.lane` for one lane's), by id for `started` (read from the workers' held sets),
   * by expiry for the terminal registries, by when they were deferred for `deferred`. A lane has only queued jobs of
   * its own: its other statuses are the queue's.
   */
  async getJobIds(name: string, status: JobStatus, start = 0, end = -1): Promise<string[]> {
    assertQueueName(name);
    if (!JOB_STATUSES.includes(status)) throw new InvalidOptionError('status', status, `one of ${JOB_STATUSES.join(', ')}`);
    // checked here: Redis would refuse a fraction or NaN with a raw "value is not an integer" (and `started` ignore it)
    if (!Number.isSafeInteger(start)) throw new InvalidOptionError('start', start, 'a whole number');
    if (!Number.isSafeInteger(end)) throw new InvalidOptionError('end', end, 'a whole number (-1: the last)');
    const target = await this.engine.lanes.locate(name);
    const queue = target.queue;
    const q = this.engine.queue(queue);
    const redis = this.engine.redis;
    if (status === 'queued') return queuedIds(redis, await queuedLists(this.engine, q, target), start, end);
    if (status === 'started') {
      // held-set members are "<id>|<attempt>" (lib/lease.lua)
      const ids = (await this.heldSets(q, 'smembers'))
        .flat()
        .map((m) => m.slice(0, m.lastIndexOf('|')))
        .sort();
      return ids.slice(start, end < 0 ? ids.length + end + 1 : end + 1);
    }
    if (EXPIRING_REGISTRIES.has(status)) {
      const now = await this.engine.timeMs(queue);
      const count = end < 0 ? -1 : end - start + 1;
      return redis.zrangebyscore(registryKey(q, status), `(${now}`, '+inf', 'LIMIT', String(start), String(count));
    }
    return redis.zrange(registryKey(q, status), String(start), String(end));
  }

  /**
   * How many jobs of one queue are in each status. Entries whose job has expired are not counted. `queue.lane`: the
   * queued jobs of that lane (its other statuses are the queue's).
   */
  async countJobs(name: string): Promise<Record<JobStatus, number>> {
    assertQueueName(name);
    const target = await this.engine.lanes.locate(name);
    const queue = target.queue;
    const q = this.engine.queue(queue);
    const queued = countQueued(this.engine, q, target);
    const now = await this.engine.timeMs(queue);
    const held = this.heldSets(q, 'scard');
    const statuses = JOB_STATUSES.filter((s) => s !== 'started' && s !== 'queued');
    const res = await sendAll(
      this.engine.redis,
      statuses.map((s): [string, ...(string | number)[]] => (EXPIRING_REGISTRIES.has(s) ? ['zcount', registryKey(q, s), `(${now}`, '+inf'] : ['zcard', registryKey(q, s)])),
    );
    const counts = {} as Record<JobStatus, number>;
    statuses.forEach((s, i) => (counts[s] = Number(res[i])));
    counts.queued = await queued;
    counts.started = (await held).reduce((sum, n) => sum + n, 0);
    return counts;
  }

  /**
   * The groups of `queue` (`group.id` of its jobs), each with its queued and running jobs and its limits as stored
   * (lib/group-keys.lua); [] when no job named a group.
   */
  async groupCounts(queue: string): Promise<GroupCount[]> {
    assertQueueName(queue);
    const q = this.engine.queue(queue);
    const redis = this.engine.redis;
    const [limits, running] = await Promise.all([redis.hgetall(q.groups), redis.hgetall(q.groupRunning)]);
    const ids = Object.keys(limits).sort();
    const lens = await sendAll(redis, ids.map((id): [string, string] => ['llen', q.group(id)]));
    return ids.map((id, i) => ({ group: id, queued: Number(lens[i]), running: Number(running[id] ?? 0), ...decodeGroupLimits(limits[id]!) }));
  }

  /** The queued jobs of each lane of `queue`, highest lane first; null when it has no lanes. */
  async laneCounts(queue: string): Promise<{ lane: string; queued: number }[] | null> {
    const target = await this.engine.lanes.locate(queue);
    if (!target.lanes || target.lane !== undefined) return null;
    const lens = await sendAll(this.engine.redis, laneLists(this.engine.queue(target.queue), target).map((l): [string, string] => ['llen', l]));
    return target.lanes.names.map((lane, i) => ({ lane, queued: Number(lens[i]) }));
  }

  async getStatus(queue: string, id: string): Promise<JobStatus> {
    const s = await this.engine.redis.hget(this.engine.queue(queue).job(id), JOB_FIELD.status);
    if (s === null) throw new JobNotFoundError(id);
    return s as JobStatus;
  }

  /** The info of each job of `queue` in `ids` (null where it no longer exists), in one round trip. */
  async getInfos(queue: string, ids: readonly string[]): Promise<(JobInfo | null)[]> {
    if (!ids.length) return [];
    const q = this.engine.queue(queue);
    const pipe = this.engine.redis.pipeline();
    for (const id of ids) pipe.hgetall(q.job(id));
    const res = (await pipe.exec()) ?? [];
    return ids.map((id, i) => {
      const [err, raw] = res[i] ?? [];
      if (err) throw err;
      const h = raw as Record<string, string>;
      return h[JOB_FIELD.status] ? parseJobInfo(id, queue, h) : null;
    });
  }

  async getInfo(queue: string, id: string): Promise<JobInfo> {
    const raw = await this.engine.redis.hgetall(this.engine.queue(queue).job(id));
    if (!raw[JOB_FIELD.status]) throw new JobNotFoundError(id);
    return parseJobInfo(id, queue, raw);
  }

  /** Per worker of the queue (its `workers` zset), its held set read with `op`: the started jobs (lib/lease.lua). */
  private async heldSets<Op extends 'smembers' | 'scard'>(q: QueueKeys, op: Op): Promise<(Op extends 'scard' ? number : string[])[]> {
    const workers = await this.engine.redis.zrange(q.workers, '0', '-1');
    return (await sendAll(
      this.engine.redis,
      workers.map((w) => [op, q.held(w)]),
    )) as (Op extends 'scard' ? number : string[])[];
  }
}

/** The zset of a status other than queued and started. */
function registryKey(q: QueueKeys, status: Exclude<JobStatus, 'queued' | 'started'>): string {
  return q[status];
}

/** Ids `start`..`end` (LRANGE's rules) of the lists one after the other. */
async function queuedIds(redis: Engine['redis'], lists: string[], start: number, end: number): Promise<string[]> {
  if (lists.length === 1) return redis.lrange(lists[0]!, start, end);
  const lens = (await sendAll(redis, lists.map((l): [string, string] => ['llen', l]))).map(Number);
  const total = lens.reduce((a, b) => a + b, 0);
  const from = start < 0 ? Math.max(0, total + start) : start;
  const to = end < 0 ? total + end : Math.min(end, total - 1);
  const out: string[] = [];
  let offset = 0;
  for (let i = 0; i < lists.length && offset <= to; i++) {
    const len = lens[i]!;
    if (from < offset + len && len > 0) out.push(...(await redis.lrange(lists[i]!, Math.max(0, from - offset), Math.min(len - 1, to - offset))));
    offset += len;
  }
  return out;
}
