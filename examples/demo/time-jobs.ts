import { Injectable, Module } from '@nestjs/common';
import { Job, JobCallback, UnrecoverableJobError, type JobContext, type JobSnapshot } from '../../src/index.js';

/** The handlers of the demo's time part: a delayed reminder, a flaky sync that succeeds on its third run, a heartbeat. */
@Injectable()
export class TimeJobs {
  /** Each heartbeat run, by job id (the tick's id: `sched.heartbeat.<tick ms>`). */
  readonly beats: string[] = [];
  /** What onFailure was told about each failed run of the sync. */
  readonly failures: string[] = [];

  @Job('reminder.send', { queue: 'time' })
  remind(data: { to: string }, ctx: JobContext): string {
    return `reminded ${data.to} on attempt ${ctx.attempt}`;
  }

  /** Fails twice (a flaky upstream), then succeeds: with `retry` the job runs again after each backoff. */
  @Job('inventory.sync', { queue: 'time' })
  sync(data: { shop: string }, ctx: JobContext): string {
    if (data.shop === 'closed') throw new UnrecoverableJobError(`shop ${data.shop} no longer exists`);
    if (ctx.attempt < 3) throw new Error(`upstream timeout (run ${ctx.attempt})`);
    return `synced ${data.shop} after ${ctx.retries} retries`;
  }

  /** onFailure runs on every failed run; `willRetry` says whether this one was the last. */
  @JobCallback('sync.failed')
  syncFailed(job: JobSnapshot, error: Error): void {
    this.failures.push(`run ${job.attempt}: ${error.message}${job.willRetry ? ' (will run again)' : ' (final)'}`);
  }

  /** Registered as a recurring schedule (id 'heartbeat') when the app that runs this handler starts. */
  @Job('heartbeat', { queue: 'time', schedule: { every: '400ms', data: { from: 'schedule' } } })
  heartbeat(_data: { from: string }, ctx: JobContext): void {
    this.beats.push(ctx.id);
  }
}

@Module({ providers: [TimeJobs], exports: [TimeJobs] })
export class TimeJobsModule {}
