import { Module } from '@nestjs/common';
import { QueueConsumerModule, QueueMetricsModule, QueueModule } from '../../src/index.js';
import { EventTally } from './event-tally.js';
import { BillingJobs, EmailJobs, ReportJobs } from './jobs.js';
import { Mailer, Payments, ReportBuilder } from './services.js';
import { AnywhereJobsModule } from './anywhere.js';
import { DEMO_CONNECTION, DEMO_PREFIX } from './connection.js';
import { TimeJobsModule } from './time-jobs.js';
import { RetentionJobsModule } from './retention-jobs.js';
import { LaneJobsModule } from './lane-jobs.js';
import { WorkflowJobsModule } from './workflow-jobs.js';
import { FlowJobsModule } from './flow-jobs.js';

@Module({ providers: [Mailer, ReportBuilder, Payments, EmailJobs, ReportJobs, BillingJobs, EventTally] })
export class JobsModule {}

@Module({
  imports: [
    // Connection defaults to REDIS_URL, or the private cluster of the demo's second run (connection.ts), with a fresh
    // prefix per run (jobIds repeat between runs); short TTLs let Redis drop the jobs soon after.
    QueueModule.forRoot({
      connection: DEMO_CONNECTION,
      prefix: DEMO_PREFIX,
      // every queue keeps at most 1,000 finished and 1,000 failed jobs (so no start-up warning about unbounded
      // retention); 'pings' keeps its last 5 finished ones
      defaultJobOptions: { resultTtl: '10m', failureTtl: '10m', keep: { finished: { count: 1000 }, failed: { count: 1000 } } },
      // 'inference' has three lanes, strictly highest first; 'notify' starts at most 5 jobs per 500 ms
      queues: {
        pings: { keep: { finished: { count: 5 } } },
        inference: { lanes: ['premium', 'standard', 'default'] },
        notify: { rateLimit: { max: 5, per: '500ms' } },
      },
    }),
    // autoStart: false so main.ts can enqueue everything first and show queue order and ttl expiry before any
    // job runs; a normal app leaves it on and workers start at bootstrap.
    QueueConsumerModule.forRoot({
      queues: ['emails', 'reports', 'default', 'shipping', 'pricing', 'exports', 'time', 'anywhere', 'pings', 'flow', 'inference', 'notify', 'tenants'],
      concurrency: 4,
      autoStart: false,
      // @Job(..., { isolate: 'thread' }) handlers run in a thread that builds JobsModule from this very file
      threads: { module: new URL('./app.module.js', import.meta.url), export: 'JobsModule', size: 1 },
    }),
    // Prometheus metrics (GET /metrics in an HTTP app; the demo reads them through JobMetrics)
    QueueMetricsModule.forRoot({ refreshInterval: '1s' }),
    JobsModule,
    WorkflowJobsModule,
    TimeJobsModule,
    AnywhereJobsModule,
    RetentionJobsModule,
    FlowJobsModule,
    LaneJobsModule,
  ],
})
export class AppModule {}
