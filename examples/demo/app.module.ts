import { Module } from '@nestjs/common';
import { QueueConsumerModule, QueueModule } from '../../src/index.js';
import { EventTally } from './event-tally.js';
import { BillingJobs, EmailJobs, ReportJobs } from './jobs.js';
import { Mailer, Payments, ReportBuilder } from './services.js';
import { TimeJobsModule } from './time-jobs.js';
import { RetentionJobsModule } from './retention-jobs.js';
import { WorkflowJobsModule } from './workflow-jobs.js';

@Module({ providers: [Mailer, ReportBuilder, Payments, EmailJobs, ReportJobs, BillingJobs, EventTally] })
export class JobsModule {}

@Module({
  imports: [
    // Connection defaults to REDIS_URL. A fresh prefix per run keeps this run's jobs apart from earlier runs and from
    // anything else on that Redis (jobIds repeat between runs); short TTLs let Redis drop them soon after.
    QueueModule.forRoot({
      prefix: `jobline-demo-${Date.now().toString(36)}`,
      // every queue keeps at most 1,000 finished and 1,000 failed jobs (so no start-up warning about unbounded
      // retention); 'pings' keeps its last 5 finished ones
      defaultJobOptions: { resultTtl: '10m', failureTtl: '10m', keep: { finished: { count: 1000 }, failed: { count: 1000 } } },
      queues: { pings: { keep: { finished: { count: 5 } } } },
    }),
    // autoStart: false so main.ts can enqueue everything first and show queue order and ttl expiry before any
    // job runs; a normal app leaves it on and workers start at bootstrap.
    QueueConsumerModule.forRoot({
      queues: ['emails', 'reports', 'default', 'shipping', 'pricing', 'exports', 'time', 'pings'],
      concurrency: 4,
      autoStart: false,
      // @Job(..., { isolate: 'thread' }) handlers run in a thread that builds JobsModule from this very file
      threads: { module: new URL('./app.module.js', import.meta.url), export: 'JobsModule', size: 1 },
    }),
    JobsModule,
    WorkflowJobsModule,
    TimeJobsModule,
    RetentionJobsModule,
  ],
})
export class AppModule {}
