import { Injectable, Module } from '@nestjs/common';
import { IsEmail } from 'class-validator';
import { Job, QueueConsumerModule, QueueModule, QueueService, type JobContext } from 'jobline';

export class WelcomeDto {
  @IsEmail() to!: string;
}

/** One of your services (a stand-in that pretends to send mail). */
@Injectable()
export class Mailer {
  async send(to: string, options: { signal: AbortSignal }): Promise<{ messageId: string }> {
    options.signal.throwIfAborted();
    return { messageId: `welcome-${to}` };
  }
}

@Injectable()
export class EmailJobs {
  constructor(private readonly mailer: Mailer) {}

  @Job('email.welcome', { queue: 'emails', timeout: '30s' })
  async welcome(data: WelcomeDto, ctx: JobContext) {
    // data was validated against WelcomeDto; ctx.signal aborts on timeout, stop() or shutdown
    return this.mailer.send(data.to, { signal: ctx.signal });
  }
}

/** Any provider can enqueue: QueueService is global. */
@Injectable()
export class Signups {
  constructor(private readonly queue: QueueService) {}

  async signUp(email: string): Promise<string> {
    // typed: the compiler checks the data against EmailJobs.welcome, and result() is its return type
    const job = await this.queue.job(EmailJobs, 'welcome').enqueue({ to: email });
    // or untyped, by name: await this.queue.enqueue('email.welcome', { to: email }, { resultTtl: '1h' })
    const { messageId } = await job.result({ timeout: '10s' }); // woken by Redis when the job ends, no polling
    return messageId;
  }
}

@Module({
  imports: [
    QueueModule.forRoot({ connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }), // global
    QueueConsumerModule.forRoot({ concurrency: 20 }), // runs the @Job handlers; leave it out in a producer-only app
  ],
  providers: [Mailer, EmailJobs, Signups],
})
export class AppModule {}
