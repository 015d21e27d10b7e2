import type { Engine } from '../engine.js';
import { JobReleasedError } from '../model/errors.js';
import { JOB_FIELD } from '../redis/stored-names.js';
import type { FetchLoop } from './fetch-loop.js';
import type { RunningJob, RunningJobs } from './running-jobs.js';
import type { StopChannel } from './stop-channel.js';

/**
 * The worker's lease: one per queue for all the jobs it runs there (lib/lease.lua), renewed on a timer. A renewal
 * also says which running jobs the worker no longer holds (deleted, stopped, reclaimed): those are dropped; and which
 * jobs it holds without knowing them (renew.lua): the orphan release (releaseOrphans) sends those it still does not
 * know at the next renewal back to their queue, instead of leaving them `started` for as long as this worker renews
 * its lease. The release is a `released` outcome through work.lua, whose first write (SREM of the held set) frees
 * memory, so it goes through at maxmemory (noeviction) too.
 */
export class Lease {
  /**
   * Per queue, the held-set members this worker did not know at a renewal, and `at`: the count of renewal replies
   * handled once that one was (see releaseOrphans).
   */
  private readonly orphanSuspects = new Map<string, { members: Set<string>; at: number }>();
  /** Renewal replies handled so far. */
  private replies = 0;

  constructor(
    private readonly engine: Engine,
    private readonly workerId: string,
    private readonly leaseMs: number,
    private readonly running: RunningJobs,
    private readonly stops: StopChannel,
    private readonly loop: FetchLoop,
  ) {}

  /** Renews every queue's lease at once: one queue held up (its cluster slot migrating) must not let another's lapse. */
  async renew(): Promise<void> {
    await Promise.all([...this.running.byQueue()].map(([queue, jobs]) => this.renewQueue(queue, jobs)));
  }

  private async renewQueue(queue: string, jobs: RunningJob[]): Promise<void> {
    const q = this.engine.queue(queue);
    const args: (string | number)[] = [this.workerId, this.leaseMs];
    for (const r of jobs) args.push(r.job.id, r.job.attempt);
    const sentAfter = this.replies;
    const [, lost, unknown] = (await this.engine.run('renew', queue, args, { held: q.held(this.workerId) })) as [number, string[], string[]];
    this.replies++;
    this.releaseOrphans(queue, unknown, sentAfter);
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

  /**
   * The orphan release: held jobs this worker does not run and owes no outcome for, seen at two renewals in a row, go
   * to the front of their queue. The second renewal counts only if it was sent after the first one's reply was
   * handled (`sentAfter`, the count of replies handled when it was sent): a fetch that Redis ran before the first
   * renewal was answered before it on the same connection, and its jobs started (running, or owing an outcome) in
   * the microtasks after that answer, so before any later command was sent. Renewals sent together (a timer's and a
   * resubscription's, or those queued while Redis was down and sent at once when it came back) are answered in one
   * read, before the fetch's caller has started its jobs: two such replies prove nothing, and counting them released
   * jobs their worker had just started.
   */
  private releaseOrphans(queue: string, unknown: string[], sentAfter: number): void {
    const before = this.orphanSuspects.get(queue);
    // sent before the last sighting was handled: compare with that sighting at the next renewal instead
    if (before && before.at > sentAfter) return;
    const now = new Set<string>();
    const release: string[] = [];
    for (const member of unknown) {
      const id = member.slice(0, member.lastIndexOf('|'));
      if (this.running.get(queue, id) || this.loop.owes(queue, id)) continue;
      if (before?.members.has(member)) release.push(member);
      else now.add(member);
    }
    this.orphanSuspects.set(queue, { members: now, at: this.replies });
    if (!release.length) return;
    this.engine.logger.warn(`worker ${this.workerId}: released ${release.length} job(s) of queue ${queue} that it held without running them (a reply lost to a dropped connection or a failover)`);
    this.loop.releaseHeld(queue, release);
  }
}
