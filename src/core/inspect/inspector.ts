import type { Engine } from '../engine.js';
import { InvalidOptionError, JobNotFoundError } from '../model/errors.js';
import { assertQueueName } from '../model/names.js';
import { JOB_STATUSES, type JobInfo, type JobStatus } from '../model/types.js';
import { sendAll } from '../redis/connection.js';
import { parseJobInfo } from '../redis/job-hash.js';
import type { QueueKeys } from '../redis/keys.js';
import { JOB_FIELD } from '../redis/stored-names.js';

/** The registries scored by when each entry expires: an entry past its score is not counted or listed. */
const EXPIRING_REGISTRIES = new Set<JobStatus>(['finished', 'failed', 'canceled', 'expired', 'stopped']);

/** Read-only views of jobs and registries (RQ's registries): no read changes or cleans anything up. */
export class Inspector {
  constructor(private readonly engine: Engine) {}

  /**
   * Job ids in one status of one queue (like RQ's registries): in queue order for `queued`, by id for `started` (read
   * from the workers' held sets), by expiry for the terminal registries, by when they were deferred for `deferred`.
   */
  async getJobIds(queue: string, status: JobStatus, start = 0, end = -1): Promise<string[]> {
    assertQueueName(queue);
    if (!JOB_STATUSES.includes(status)) throw new InvalidOptionError('status', status, `one of ${JOB_STATUSES.join(', ')}`);
    // checked here: Redis would refuse a fraction or NaN with a raw "value is not an integer" (and `started` ignore it)
    if (!Number.isSafeInteger(start)) throw new InvalidOptionError('start', start, 'a whole number');
    if (!Number.isSafeInteger(end)) throw new InvalidOptionError('end', end, 'a whole number (-1: the last)');
    const q = this.engine.queue(queue);
    const redis = this.engine.redis;
    if (status === 'queued') return redis.lrange(q.queued, start, end);
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

  /** How many jobs of one queue are in each status. Entries whose job has expired are not counted. */
  async countJobs(queue: string): Promise<Record<JobStatus, number>> {
    assertQueueName(queue);
    const q = this.engine.queue(queue);
    const now = await this.engine.timeMs(queue);
    const held = this.heldSets(q, 'scard');
    const statuses = JOB_STATUSES.filter((s) => s !== 'started');
    const res = await sendAll(
      this.engine.redis,
      statuses.map((s): [string, ...(string | number)[]] =>
        s === 'queued' ? ['llen', q.queued] : EXPIRING_REGISTRIES.has(s) ? ['zcount', registryKey(q, s), `(${now}`, '+inf'] : ['zcard', registryKey(q, s)],
      ),
    );
    const counts = {} as Record<JobStatus, number>;
    statuses.forEach((s, i) => (counts[s] = Number(res[i])));
    counts.started = (await held).reduce((sum, n) => sum + n, 0);
    return counts;
  }

  async getStatus(queue: string, id: string): Promise<JobStatus> {
    const s = await this.engine.redis.hget(this.engine.queue(queue).job(id), JOB_FIELD.status);
    if (s === null) throw new JobNotFoundError(id);
    return s as JobStatus;
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
