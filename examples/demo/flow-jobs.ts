import { Injectable, Module } from '@nestjs/common';
import { Job, OnJobEvent, QueueService, type JobContext, type JobProgressEvent } from '../../src/index.js';

/** A job that reports its progress step by step (ctx.progress), in the 'flow' queue. */
@Injectable()
export class FlowJobs {
  readonly progress: unknown[] = [];

  @Job('import-account', { queue: 'flow', unique: true })
  async importAccount(data: { account: number; full: boolean }, ctx: JobContext): Promise<string> {
    for (let done = 1; done <= 3; done++) {
      await new Promise((r) => setTimeout(r, 20)); // a step of the import
      await ctx.progress({ done, of: 3 });
    }
    return `account ${data.account} imported`;
  }

  @OnJobEvent('progress')
  onProgress(e: JobProgressEvent): void {
    if (e.queue === 'flow') this.progress.push(e.progress);
  }
}

@Module({ providers: [FlowJobs], exports: [FlowJobs] })
export class FlowJobsModule {}

/**
 * Unique jobs (the @Job's `unique: true`: name + data, key order aside), progress, and deleteQueue. Returns what went
 * wrong.
 */
export async function showFlow(queue: QueueService, jobs: FlowJobs): Promise<string[]> {
  const problems: string[] = [];
  const first = await queue.enqueue('import-account', { account: 7, full: true });
  const again = await queue.enqueue('import-account', { full: true, account: 7 });
  const other = await queue.enqueue('import-account', { account: 8, full: true });
  console.log(
    `- unique: the same import enqueued twice is ${again.duplicate && again.id === first.id ? 'one job (the second call got the live one: duplicate)' : 'TWO jobs'}; ` +
      `another account is ${other.duplicate ? 'a duplicate' : 'a job of its own'}`,
  );
  if (!again.duplicate || again.id !== first.id) problems.push('unique: the second enqueue of one import stored a job of its own');
  if (other.duplicate) problems.push('unique: an import of another account was taken for a duplicate');
  await Promise.all([first.result({ timeout: '20s' }), other.result({ timeout: '20s' })]);
  const info = await first.info();
  console.log(`- progress of the import: ${JSON.stringify(info.progress)} (info().progress); ${jobs.progress.length} progress events heard`);
  if (JSON.stringify(info.progress) !== '{"done":3,"of":3}') problems.push(`progress: info().progress is ${JSON.stringify(info.progress)}`);
  if (jobs.progress.length !== 6) problems.push(`progress: ${jobs.progress.length} progress events heard, expected 6`);
  const after = await queue.enqueue('import-account', { account: 7, full: true });
  if (after.duplicate) problems.push('unique: the key was not let go when the job finished');

  // a queue nobody consumes, deleted with every job and key of it
  await queue.enqueueMany(Array.from({ length: 3 }, (_, n) => ({ name: 'import-account', data: { account: n, full: false }, options: { queue: 'scratch', delay: '1h' } })));
  const deleted = await queue.deleteQueue('scratch');
  const left = await queue.getQueues();
  console.log(`- deleteQueue('scratch'): ${deleted.keys} keys deleted; listed afterwards: ${left.includes('scratch') ? 'yes' : 'no'}`);
  if (left.includes('scratch') || deleted.keys < 4) problems.push(`deleteQueue: ${deleted.keys} keys deleted, still listed: ${left.includes('scratch')}`);
  return problems;
}
