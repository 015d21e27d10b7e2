import { Injectable, Module } from '@nestjs/common';
import { Job, QueueService } from '../../src/index.js';

/** A chatty job whose queue keeps only its last 5 finished jobs (QueueModule's `queues.pings.keep`, app.module.ts). */
@Injectable()
export class PingJobs {
  ran = 0;

  @Job('ping', { queue: 'pings' })
  ping(data: { n: number }): number {
    this.ran++;
    return data.n;
  }
}

@Module({ providers: [PingJobs], exports: [PingJobs] })
export class RetentionJobsModule {}

/**
 * Enqueues 50 pings into the capped queue, waits for them to run, and checks the cap held: 5 finished jobs kept, the
 * first one gone. Returns what went wrong.
 */
export async function showRetention(queue: QueueService, pings: PingJobs): Promise<string[]> {
  const problems: string[] = [];
  const handles = await queue.enqueueMany(Array.from({ length: 50 }, (_, n) => ({ name: 'ping', data: { n } })));
  const deadline = Date.now() + 10_000;
  const drained = async () => {
    const c = await queue.countJobs('pings');
    return pings.ran === 50 && c.queued === 0 && c.started === 0;
  };
  while (!(await drained()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const kept = (await queue.countJobs('pings')).finished;
  const first = await queue.getJob(handles[0]!.id);
  console.log(`- queue 'pings' keeps 5 finished jobs: ${pings.ran} ran, ${kept} kept, the first reads as ${first ? 'still there' : 'gone (getJob: null)'}`);
  if (pings.ran !== 50) problems.push(`pings: ${pings.ran} of 50 ran`);
  if (kept !== 5) problems.push(`pings: ${kept} finished jobs kept, expected the cap of 5`);
  if (first !== null) problems.push('pings: the first finished ping was not trimmed');
  return problems;
}
