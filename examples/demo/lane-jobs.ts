import { Injectable, Module } from '@nestjs/common';
import { Job, type QueueClient, type QueueService } from '../../src/index.js';

/**
 * Jobs of the lanes part: 'infer' runs in the queue 'inference', whose lanes are premium, standard and default
 * (QueueModule's `queues.inference.lanes`, app.module.ts); 'notify' in the queue 'notify', limited to 5 jobs per
 * 500 ms over all its workers (`queues.notify.rateLimit`).
 */
@Injectable()
export class LaneJobs {
  readonly inferred: string[] = [];
  readonly notified: number[] = [];

  @Job('infer', { queue: 'inference' })
  infer(data: { who: string }): string {
    this.inferred.push(data.who);
    return `inferred for ${data.who}`;
  }

  @Job('notify', { queue: 'notify' })
  notify(): void {
    this.notified.push(Date.now());
  }

  readonly rendered: string[] = [];
  private rendering = new Map<string, number>();
  readonly mostAtOnce = new Map<string, number>();

  /** A tenant's render; counts how many of one tenant run at once (its group's `concurrency` bounds it). */
  @Job('render', { queue: 'tenants' })
  async render(data: { tenant: string }): Promise<void> {
    const now = (this.rendering.get(data.tenant) ?? 0) + 1;
    this.rendering.set(data.tenant, now);
    this.mostAtOnce.set(data.tenant, Math.max(now, this.mostAtOnce.get(data.tenant) ?? 0));
    this.rendered.push(data.tenant);
    await new Promise((r) => setTimeout(r, 10));
    this.rendering.set(data.tenant, this.rendering.get(data.tenant)! - 1);
  }
}

@Module({ providers: [LaneJobs], exports: [LaneJobs] })
export class LaneJobsModule {}

/**
 * Lanes: with the queue paused, jobs go to its three lanes (by `priority` and by the `queue.lane` name, and one to the
 * `default` fallback), then run strictly highest lane first. Rate limit: 15 notifications under 5 per 500 ms start over
 * at least a second. Returns what went wrong.
 */
export async function showLanes(queue: QueueService, client: QueueClient, jobs: LaneJobs): Promise<string[]> {
  const problems: string[] = [];
  // the client behind QueueService (JOBLINE_CLIENT) pauses and resumes queues
  await client.pauseQueue('inference');
  const who = ['free-1', 'pro-1', 'team-1', 'free-2', 'pro-2', 'team-2'];
  const lane = (w: string) => (w.startsWith('team') ? 'premium' : w.startsWith('pro') ? 'standard' : undefined);
  await queue.enqueueMany(
    who.map((w) => {
      const l = lane(w);
      // premium by `priority`, standard by the queue name, free users to the `default` fallback
      return { name: 'infer', data: { who: w }, options: l === 'premium' ? { priority: 'premium' } : l ? { queue: `inference.${l}` } : {} };
    }),
  );
  const perLane = await Promise.all(['premium', 'standard', 'default'].map(async (l) => `${l} ${(await queue.countJobs(`inference.${l}`)).queued}`));
  console.log(`- queue 'inference' (lanes premium > standard > default), paused, queued per lane: ${perLane.join(', ')}`);
  await client.resumeQueue('inference');
  const notified = await queue.enqueueMany(Array.from({ length: 15 }, () => ({ name: 'notify' })));
  const deadline = Date.now() + 15_000;
  while ((jobs.inferred.length < who.length || jobs.notified.length < notified.length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  console.log(`- ran in lane order: ${jobs.inferred.join(' -> ')}`);
  const expected = ['team-1', 'team-2', 'pro-1', 'pro-2', 'free-1', 'free-2'];
  if (jobs.inferred.join() !== expected.join()) problems.push(`lanes: ran ${jobs.inferred.join(', ')}, expected ${expected.join(', ')}`);
  const span = jobs.notified.length ? jobs.notified[jobs.notified.length - 1]! - jobs.notified[0]! : 0;
  console.log(`- queue 'notify' limited to 5 jobs per 500 ms: ${jobs.notified.length} notifications started over ${span} ms`);
  if (jobs.notified.length !== 15) problems.push(`rate limit: ${jobs.notified.length} of 15 notifications ran`);
  // 15 jobs at 5 per 500 ms: the third five may start no sooner than a second after the first
  else if (span < 990) problems.push(`rate limit: 15 notifications started within ${span} ms, faster than 5 per 500 ms allows`);
  return problems;
}

/**
 * Groups (per-tenant limits): tenant acme queues 20 renders at once (its group allows 1 running at a time), then
 * globex queues 3: globex's renders start within the first rounds, not after acme's backlog, and acme never runs two
 * at once. Returns what went wrong.
 */
export async function showGroups(queue: QueueService, client: QueueClient, jobs: LaneJobs): Promise<string[]> {
  const problems: string[] = [];
  await client.pauseQueue('tenants');
  await queue.enqueueMany(Array.from({ length: 20 }, () => ({ name: 'render', data: { tenant: 'acme' }, options: { group: { id: 'acme', concurrency: 1 } } })));
  await queue.enqueueMany(Array.from({ length: 3 }, () => ({ name: 'render', data: { tenant: 'globex' }, options: { group: { id: 'globex', concurrency: 1 } } })));
  const groups = await queue.getGroups('tenants');
  console.log(`- queue 'tenants', paused: ${groups.map((g) => `group ${g.group} ${g.queued} queued (concurrency ${g.concurrency})`).join(', ')}`);
  await client.resumeQueue('tenants');
  const deadline = Date.now() + 15_000;
  while (jobs.rendered.length < 23 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const lastGlobex = jobs.rendered.lastIndexOf('globex') + 1;
  console.log(`- globex's 3 renders all started within the first ${lastGlobex} of 23 (acme had 20 queued before them); most acme renders at once: ${jobs.mostAtOnce.get('acme')}`);
  if (jobs.rendered.length !== 23) problems.push(`groups: ${jobs.rendered.length} of 23 renders ran`);
  if (lastGlobex > 6) problems.push(`groups: globex's last render started ${lastGlobex}th, behind acme's backlog`);
  if ((jobs.mostAtOnce.get('acme') ?? 0) > 1) problems.push(`groups: ${jobs.mostAtOnce.get('acme')} acme renders ran at once, over its concurrency of 1`);
  return problems;
}
