import type { JobHandle, QueueService } from '../../src/index.js';
import type { Planned } from './scenario.js';
import { ran, type Settled } from './settle.js';
import { printTable, show } from './table.js';
import type { TimeJobs } from './time-jobs.js';

export interface TimePart {
  jobs: Planned[];
  notes: string[];
  problems: string[];
  /** After the consumer started: waits for three heartbeats, then removes the schedule. */
  whileRunning(): Promise<void>;
  /** After every job has settled: prints the table and what the time part shows, and checks it. */
  report(settled: Settled[]): Promise<void>;
}

/**
 * The time part: a delayed job (status `scheduled` until due), a retried job (exponential backoff, onFailure on each
 * failed run), one that fails for good at once (UnrecoverableJobError), and the '@Job' schedule 'heartbeat'. Enqueued
 * before the consumer starts, like the other parts.
 */
export async function enqueueTime(queue: QueueService, time: TimeJobs): Promise<TimePart> {
  const jobs: Planned[] = [];
  const notes: string[] = [];
  const problems: string[] = [];
  const plan = (label: string, shows: string, handle: JobHandle, expect: Planned['expect']): JobHandle => {
    jobs.push({ label, shows, handle, expect });
    return handle;
  };

  const reminder = plan('reminder', "delay '700ms'", await queue.enqueue('reminder.send', { to: 'ana@example.com' }, { delay: '700ms' }), 'finished');
  const early = plan('early reminder', "delay '1h', then promote()", await queue.enqueue('reminder.send', { to: 'bo@example.com' }, { delay: '1h' }), 'finished');
  const sync = plan(
    'inventory sync',
    'retry 3, exponential backoff 100ms',
    await queue.enqueue('inventory.sync', { shop: 'north' }, { retry: { max: 3, backoff: { type: 'exponential', delay: '100ms' } }, onFailure: 'sync.failed' }),
    'finished',
  );
  plan('closed shop sync', 'retry 3, UnrecoverableJobError', await queue.enqueue('inventory.sync', { shop: 'closed' }, { retry: 3 }), 'failed');

  const scheduled = await queue.getJobIds('time', 'scheduled');
  const info = await reminder.info();
  notes.push(`'time' queue, scheduled before the consumer starts: ${scheduled.length} jobs; 'reminder' is ${info.status}, due ${info.scheduledFor?.toISOString()}`);
  if (info.status !== 'scheduled' || scheduled[0] !== reminder.id) problems.push("the delayed 'reminder' is not first in the scheduled registry");
  const [schedule] = await queue.getSchedules('time');
  notes.push(`schedule '${schedule?.id}' registered at start by its @Job: ${show(schedule?.rule)}, next run ${schedule?.nextRunAt?.toISOString()}`);
  if (schedule?.id !== 'heartbeat') problems.push("the @Job schedule 'heartbeat' was not registered at start");

  async function whileRunning(): Promise<void> {
    await early.promote();
    const deadline = Date.now() + 10_000;
    while (time.beats.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (time.beats.length < 3) problems.push(`the heartbeat ran ${time.beats.length} times in 10 s, expected 3`);
    await queue.removeSchedule('heartbeat');
  }

  async function report(settled: Settled[]): Promise<void> {
    for (const n of notes) console.log(`- ${n}`);
    console.log();
    const rows = await Promise.all(
      settled.map(async (s) => {
        const i = await s.handle.info();
        return [s.label, s.shows, s.status, `${i.attempts}`, `${i.retries}`, ran(s), s.outcome];
      }),
    );
    printTable(['job', 'shows', 'status', 'runs', 'retries', 'ran', 'result / error'], rows);
    for (const s of settled) if (s.status !== s.expect) problems.push(`${s.label}: status ${s.status}, expected ${s.expect}`);
    const r = await reminder.info();
    if (!r.startedAt || !r.scheduledFor || r.startedAt < r.scheduledFor) problems.push("the delayed 'reminder' started before it was due");
    else console.log(`\n- 'reminder' was due ${r.scheduledFor.toISOString()} and started ${r.startedAt.getTime() - r.scheduledFor.getTime()} ms later`);
    const s = await sync.info();
    if (s.attempts !== 3 || s.retries !== 2) problems.push(`'inventory sync' ran ${s.attempts} times with ${s.retries} retries, expected 3 and 2`);
    console.log(`- onFailure of 'inventory sync', once per failed run:`);
    for (const l of time.failures) console.log(`    ${l}`);
    if (time.failures.length !== 2 || !time.failures.every((l) => l.includes('will run again'))) problems.push(`'inventory sync' onFailure calls: ${show(time.failures)}`);
    console.log(`- heartbeat runs (one job per tick, id sched.<schedule>.<tick ms>): ${time.beats.join(', ')}`);
    if (new Set(time.beats).size !== time.beats.length) problems.push('a heartbeat tick ran twice');
  }

  return { jobs, notes, problems, whileRunning, report };
}
