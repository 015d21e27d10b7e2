import { setTimeout as delay } from 'node:timers/promises';
import { isMainThread } from 'node:worker_threads';
import { Injectable } from '@nestjs/common';
import { Job, type JobContext } from '../../src/index.js';
import { SendEmailDto } from './send-email.dto.js';
import { Mailer, Payments, ReportBuilder } from './services.js';

@Injectable()
export class EmailJobs {
  constructor(private readonly mailer: Mailer) {}

  // SendEmailDto must be a value import (not `import type`): its class is read from the emitted parameter metadata.
  @Job('email.send', { queue: 'emails' })
  async send(data: SendEmailDto, ctx: JobContext): Promise<{ messageId: string; attempt: number }> {
    return { messageId: await this.mailer.send(data.to, data.subject), attempt: ctx.attempt };
  }
}

@Injectable()
export class ReportJobs {
  constructor(private readonly reports: ReportBuilder) {}

  @Job('report.build', { queue: 'reports' })
  async build(data: { month: string }, ctx: JobContext): Promise<ReturnType<ReportBuilder['summarise']>> {
    await this.reports.crunch(30, ctx.signal);
    // Progress lands in the stored meta, next to what the caller put there, so `info()` shows both.
    await ctx.updateMeta({ progress: 100 });
    return this.reports.summarise(data.month);
  }

  /** Obeys ctx.signal: when its timeout passes, the wait inside `crunch` is aborted and the handler stops. */
  @Job('report.slow', { queue: 'reports' })
  async slow(data: { ms: number }, ctx: JobContext): Promise<string> {
    await this.reports.crunch(data.ms, ctx.signal);
    return 'done';
  }

  /**
   * CPU-bound, so it runs in a job thread (isolate: 'thread'), off the event loop: the other jobs and the lease go on
   * meanwhile. The thread builds JobsModule (app.module.ts), so ReportBuilder is injected here too.
   */
  @Job('report.render', { queue: 'reports', isolate: 'thread' })
  render(data: { month: string; spinMs: number }): ReturnType<ReportBuilder['summarise']> & { inThread: boolean } {
    const end = Date.now() + data.spinMs;
    while (Date.now() < end) {
      // stands in for rendering: never yields
    }
    return { ...this.reports.summarise(data.month), inThread: !isMainThread };
  }

  /** Never yields and never ends: only a thread can be stopped, so its timeout terminates the thread. */
  @Job('report.runaway', { queue: 'reports', isolate: 'thread' })
  runaway(): never {
    for (;;) {
      // a bug: an endless loop
    }
  }

  /**
   * Ignores ctx.signal, as badly behaved code does: Jobline still fails the job at its timeout and frees the slot;
   * whatever this returns later is dropped.
   */
  @Job('report.stubborn', { queue: 'reports' })
  async stubborn(data: { ms: number }): Promise<string> {
    await delay(data.ms);
    return 'too late';
  }
}

@Injectable()
export class BillingJobs {
  constructor(private readonly payments: Payments) {}

  /** Throws for a declined card: the job fails at once (no retry, as in RQ) and result() rejects with JobFailedError. */
  @Job('billing.charge')
  charge(data: { card: string; amount: number }): { chargeId: string; amount: number } {
    return this.payments.charge(data.card, data.amount);
  }
}
