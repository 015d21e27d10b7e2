// The Jobline demo: a NestJS application context (no HTTP server) that enqueues jobs with various options, runs them
// in its own consumer, and prints how each one ended. Exits 1 when any job ends differently than expected.
import 'reflect-metadata';
import { setTimeout as delay } from 'node:timers/promises';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { JOBLINE_CLIENT, QueueConsumer, QueueService, type QueueClient } from '../../src/index.js';
import { runAnywhere } from './anywhere.js';
import { checkDashboard, KEEP_DASHBOARD, startDashboard, untilStopped } from './dashboard-part.js';
import { AppModule } from './app.module.js';
import { DEMO_PREFIX } from './connection.js';
import { AuditLog } from './audit-log.js';
import { EventTally } from './event-tally.js';
import { showOperate } from './operate-scenario.js';
import { enqueueScenario } from './scenario.js';
import { ran, settle } from './settle.js';
import { printTable, show } from './table.js';
import { TimeJobs } from './time-jobs.js';
import { enqueueTime } from './time-scenario.js';
import { enqueueWorkflow } from './workflow-scenario.js';
import { PingJobs, showRetention } from './retention-jobs.js';
import { FlowJobs, showFlow } from './flow-jobs.js';
import { LaneJobs, showGroups, showLanes } from './lane-jobs.js';

async function run(app: INestApplicationContext, dashboardUrl: string): Promise<string[]> {
  const queue = app.get(QueueService);
  const { jobs, expiring, charge, declined, notes, problems } = await enqueueScenario(queue);
  for (const n of notes) console.log(`- ${n}`);
  // Dependencies, a pipeline, callbacks and stop(), shown in a second table after the first.
  const workflow = await enqueueWorkflow(queue, app.get(AuditLog), { charge, declined });
  // Delayed jobs, retries and a recurring schedule, shown in a third table.
  const time = await enqueueTime(queue, app.get(TimeJobs));

  const labels = new Map(jobs.map((j) => [j.handle.id, j.label]));
  const order = (await queue.getJobIds('reports', 'queued')).map((id) => labels.get(id) ?? id);
  console.log(`- 'reports' queue before the consumer starts: ${order.join(' -> ')}`);
  if (order[0] !== 'urgent report') problems.push('the atFront job is not at the head of its queue');

  // Start every wait before any job can run, so each waiter sees its job end (also the one deleted at once).
  const settling = Promise.all(jobs.map(settle));
  const settlingWorkflow = Promise.all(workflow.jobs.map(settle));
  const settlingTime = Promise.all(time.jobs.map(settle));
  // Letting the stale report's ttl pass is the point of that row; the consumer then must never run it.
  const expiresAt = (await expiring.info()).expiresAt;
  if (expiresAt) await delay(Math.max(0, expiresAt.getTime() - Date.now()) + 100);
  app.get(QueueConsumer).start();
  const [settled] = await Promise.all([settling, workflow.whileRunning(), time.whileRunning()]);

  console.log();
  printTable(
    ['job', 'queue', 'shows', 'status', 'ran', 'result / error'],
    settled.map((s) => [s.label, s.handle.queue, s.shows, s.status, ran(s), s.outcome]),
  );
  for (const s of settled) if (s.status !== s.expect) problems.push(`${s.label}: status ${s.status}, expected ${s.expect}`);
  const stubborn = settled.find((s) => s.label === 'stubborn report');
  if (stubborn?.tookMs == null || stubborn.tookMs > 900) problems.push('the timed-out job that ignores its signal was not ended at its timeout');

  const monthlyMeta = (await settled.find((s) => s.label === 'May report')!.handle.info()).meta;
  console.log(`\n- meta of 'May report' after it ran: ${show(monthlyMeta)}`);
  if (monthlyMeta.progress !== 100 || monthlyMeta.requestedBy !== 'alice') problems.push('meta was not kept and updated');

  console.log();
  const settledWorkflow = await settlingWorkflow;
  await workflow.report(settledWorkflow);
  problems.push(...workflow.problems);

  // every job that ended finished or failed in this process's consumer was reported once by @OnJobEvent
  const tally = app.get(EventTally);
  const ended = [...settled, ...settledWorkflow];
  const finished = ended.filter((s) => s.status === 'finished' || s.status === 'deleted');
  const failed = ended.filter((s) => s.status === 'failed');
  console.log(`\n- @OnJobEvent heard ${tally.completed.size} completed and ${tally.failed.size} failed job(s)`);
  for (const s of finished) if (tally.completed.get(s.handle.id) !== 1) problems.push(`${s.label}: its completed event was heard ${tally.completed.get(s.handle.id) ?? 0} times`);
  for (const s of failed) if (tally.failed.get(s.handle.id) !== 1) problems.push(`${s.label}: its failed event was heard ${tally.failed.get(s.handle.id) ?? 0} times`);
  console.log();
  await time.report(await settlingTime);
  problems.push(...time.problems);
  // Jobs added from outside the app: over the HTTP API, and with one Redis command (any language)
  console.log();
  problems.push(...(await runAnywhere(queue, DEMO_PREFIX)));
  console.log();
  // the command line and the metrics, while the consumer still runs
  problems.push(...(await showOperate(app)));
  console.log();
  // Retention caps: a queue that keeps only its last few finished jobs.
  problems.push(...(await showRetention(queue, app.get(PingJobs))));
  console.log();
  // Unique jobs, progress, deleteQueue
  problems.push(...(await showFlow(queue, app.get(FlowJobs))));
  console.log();
  // Lanes (priorities inside one queue) and a queue's rate limit.
  problems.push(...(await showLanes(queue, app.get<QueueClient>(JOBLINE_CLIENT), app.get(LaneJobs))));
  // Groups: per-tenant concurrency, fair turns between tenants.
  problems.push(...(await showGroups(queue, app.get<QueueClient>(JOBLINE_CLIENT), app.get(LaneJobs))));
  console.log();
  problems.push(...(await checkDashboard(dashboardUrl, await queue.getQueues())));
  for (const q of await queue.getQueues()) {
    const counts = Object.entries(await queue.countJobs(q)).filter(([, n]) => n > 0);
    console.log(`- queue '${q}': ${counts.map(([s, n]) => `${n} ${s}`).join(', ') || 'empty'}`);
  }
  return problems;
}

async function main(): Promise<void> {
  // Nest's own start-up logs would drown the table; warnings and errors still show.
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['warn', 'error'] });
  const dashboard = await startDashboard(DEMO_PREFIX);
  console.log(`- dashboard: ${dashboard.url} (watch the queues while the demo runs${KEEP_DASHBOARD ? '' : '; `npm run demo -- --dashboard` keeps it open'})`);
  let problems: string[];
  try {
    problems = await run(app, dashboard.url);
    if (KEEP_DASHBOARD) {
      console.log(`\nThe dashboard stays open at ${dashboard.url} with the consumer running; Ctrl-C to stop.`);
      await untilStopped();
    }
  } finally {
    await dashboard.app.close();
    await app.close();
  }
  for (const p of problems) console.error(`UNEXPECTED: ${p}`);
  console.log(problems.length ? '\nDemo finished with problems.' : '\nDemo finished: every job ended as expected.');
  process.exitCode = problems.length ? 1 : 0;
  // After close() nothing of Jobline's should keep the process alive; if something does, say so instead of hanging.
  setTimeout(() => {
    console.error('UNEXPECTED: the process was still alive 5 s after app.close() (an open handle)');
    process.exit(1);
  }, 5000).unref();
}

main().catch((err: unknown) => {
  console.error('UNEXPECTED: the demo crashed:', err);
  process.exit(1);
});
