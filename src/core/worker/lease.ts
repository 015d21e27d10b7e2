import type { Engine } from '../engine.js';
import { JobReleasedError } from '../model/errors.js';
import { JOB_FIELD } from '../redis/stored-names.js';
import type { RunningJobs } from './running-jobs.js';
import type { StopChannel } from './stop-channel.js';

/**
 * The worker's lease: one per queue for all the jobs it runs there (lib/lease.lua), renewed on a timer. A renewal
 * also says which running jobs the worker no longer holds (deleted, stopped, reclaimed): those are dropped.
 */
export class Lease {
  constructor(
    private readonly engine: Engine,
    private readonly workerId: string,
    private readonly leaseMs: number,
    private readonly running: RunningJobs,
    private readonly stops: StopChannel,
  ) {}

  async renew(): Promise<void> {
    for (const [queue, jobs] of this.running.byQueue()) {
      const q = this.engine.queue(queue);
      const args: (string | number)[] = [this.workerId, this.leaseMs];
      for (const r of jobs) args.push(r.job.id, r.job.attempt);
      const [, lost] = (await this.engine.run('renew', queue, args, { held: q.held(this.workerId) })) as [number, string[]];
      for (const id of lost) {
        const job = this.running.get(queue, id);
        if (!job) continue;
        // a stop request whose message was missed (subscriber reconnecting) still runs onStopped
        if ((await this.engine.redis.hget(q.job(id), JOB_FIELD.status)) === 'stopped') {
          this.stops.stop(job);
          continue;
        }
        this.running.drop(job, new JobReleasedError(`Job ${id} is no longer held by this worker (it was deleted, canceled or reclaimed).`));
      }
    }
  }
}
