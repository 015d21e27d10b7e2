import { PayloadValidationError, type JobHandle, type JobStatus, type QueueService } from '../../src/index.js';
import { EmailJobs } from './jobs.js';

/** The final state a job of the demo should reach; 'deleted' = gone from Redis after success (resultTtl 0). */
export type Expected = JobStatus | 'deleted';

/** A job the demo enqueued, what it shows, and how it should end. */
export interface Planned {
  label: string;
  shows: string;
  handle: JobHandle;
  expect: Expected;
}

export interface Scenario {
  jobs: Planned[];
  /** The job whose ttl must run out before the consumer starts. */
  expiring: JobHandle;
  /** The two charges, which the workflow part of the demo makes other jobs depend on. */
  charge: JobHandle;
  declined: JobHandle;
  /** Lines to print about what happened at enqueue time. */
  notes: string[];
  /** Things that went differently than the demo expects (each makes it exit 1). */
  problems: string[];
}

/** Enqueues the demo's jobs (with the consumer not started yet, so none of them runs during this). */
export async function enqueueScenario(queue: QueueService): Promise<Scenario> {
  const jobs: Planned[] = [];
  const notes: string[] = [];
  const problems: string[] = [];
  const plan = (label: string, shows: string, handle: JobHandle, expect: Expected): JobHandle => {
    jobs.push({ label, shows, handle, expect });
    return handle;
  };

  const expiring = plan('stale report', "ttl '250ms', consumer starts later", await queue.enqueue('report.build', { month: '2024-01' }, { ttl: '250ms' }), 'expired');

  const monthly = plan(
    'May report',
    'jobId, description, meta',
    await queue.enqueue('report.build', { month: '2024-05' }, { jobId: 'monthly-2024-05', description: 'May sales report', meta: { requestedBy: 'alice' } }),
    'finished',
  );
  // Same jobId again, with other data: nothing is created or overwritten; the existing job's handle comes back.
  const again = await queue.enqueue('report.build', { month: '1999-12' }, { jobId: 'monthly-2024-05' });
  const kept = (await again.info()).data;
  notes.push(`jobId 'monthly-2024-05' enqueued twice -> same job: ${again.id === monthly.id}; stored data: ${JSON.stringify(kept)}`);
  if (again.id !== monthly.id || JSON.stringify(kept) !== '{"month":"2024-05"}') problems.push('a repeated jobId did not return the existing job untouched');

  plan('slow report', "timeout '300ms', obeys ctx.signal", await queue.enqueue('report.slow', { ms: 5000 }, { timeout: '300ms' }), 'failed');
  plan('stubborn report', "timeout '300ms', ignores ctx.signal", await queue.enqueue('report.stubborn', { ms: 1000 }, { timeout: '300ms' }), 'failed');
  plan('rendered report', "isolate: 'thread', CPU-bound 300ms", await queue.enqueue('report.render', { month: '2024-07', spinMs: 300 }), 'finished');
  plan('runaway render', "isolate: 'thread', timeout '500ms', never yields", await queue.enqueue('report.runaway', {}, { timeout: '500ms' }), 'failed');
  plan('urgent report', "atFront, ttl '1m'", await queue.enqueue('report.build', { month: '2024-06' }, { jobId: 'urgent-2024-06', atFront: true, ttl: '1m' }), 'finished');

  const batch = await queue.enqueueMany([
    { name: 'email.send', data: { to: 'ana@example.com', subject: 'Welcome' } },
    { name: 'email.send', data: { to: 'bo@example.com', subject: 'Welcome' } },
    { name: 'email.send', data: { to: 'cy@example.com', subject: 'Welcome' }, options: { description: 'third of the batch' } },
  ]);
  batch.forEach((h, i) => plan(`welcome #${i + 1}`, 'enqueueMany, DTO-validated', h, 'finished'));
  plan('newsletter', 'resultTtl 0', await queue.enqueue('email.send', { to: 'all@example.com', subject: 'News' }, { resultTtl: 0 }), 'deleted');
  // typed: EmailJobs.send's data type is checked by the compiler, and the handle's result() is typed by its return
  plan(
    'receipt',
    "queue.job(EmailJobs, 'send'), queue 'default'",
    await queue.job(EmailJobs, 'send').enqueue({ to: 'ana@example.com', subject: 'Receipt' }, { queue: 'default' }),
    'finished',
  );

  // class-validator rules are checked at enqueue in a process that knows the handler: nothing is stored.
  try {
    await queue.enqueue('email.send', { to: 'not-an-address', subject: '' });
    problems.push('an invalid email.send payload was accepted at enqueue');
  } catch (err) {
    if (!(err instanceof PayloadValidationError)) throw err;
    notes.push(`invalid email.send payload rejected at enqueue: ${err.problems.join('; ')}`);
  }

  // The callbacks are @JobCallback methods of AuditCallbacks (workflow-jobs.ts); the audit log is printed at the end.
  const charge = plan('charge', "resultTtl '1h', onSuccess", await queue.enqueue('billing.charge', { card: '4242424242424242', amount: 30 }, { resultTtl: '1h', onSuccess: 'audit.success' }), 'finished');
  const declined = plan('declined charge', 'handler throws, onFailure', await queue.enqueue('billing.charge', { card: '4000000000000000', amount: 99 }, { onFailure: 'audit.failure' }), 'failed');

  return { jobs, expiring, charge, declined, notes, problems };
}
