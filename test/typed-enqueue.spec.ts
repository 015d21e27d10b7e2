import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { InvalidOptionError, Job, QueueConsumerModule, QueueModule, QueueService, type JobContext } from '../src/index.js';
import { testConnection, uniquePrefix } from './helpers.js';

@Injectable()
class EmailJobs {
  @Job('email.welcome', { queue: 'emails' })
  async welcome(data: { to: string }, ctx: JobContext): Promise<{ sentTo: string; queue: string }> {
    return { sentTo: data.to, queue: ctx.queue };
  }

  @Job()
  digest(): number {
    return 7;
  }

  plain(): string {
    return 'not a job';
  }
}

@Module({ providers: [EmailJobs] })
class EmailModule {}

describe('typed enqueue: queue.job(Class, method)', () => {
  it('enqueues the handler’s job under its @Job name (or Class.method) and resolves to its result', async () => {
    const mod = await Test.createTestingModule({
      imports: [QueueModule.forRoot({ connection: testConnection(), prefix: uniquePrefix('typed') }), QueueConsumerModule.forRoot(), EmailModule],
    }).compile();
    await mod.init();
    try {
      const queue = mod.get(QueueService);
      const welcome = queue.job(EmailJobs, 'welcome');
      expect(welcome.name).toBe('email.welcome');
      const h = await welcome.enqueue({ to: 'ann@example.com' });
      expect(h.queue).toBe('emails');
      expect(await h.result({ timeout: '5s' })).toEqual({ sentTo: 'ann@example.com', queue: 'emails' });
      const digest = queue.job(EmailJobs, 'digest');
      expect(digest.name).toBe('EmailJobs.digest');
      expect(await (await digest.enqueue()).result({ timeout: '5s' })).toBe(7);
      const many = await welcome.enqueueMany([{ data: { to: 'a@b.co' } }, { data: { to: 'c@d.co' }, options: { queue: 'default' } }]);
      expect(many.map((m) => m.queue)).toEqual(['emails', 'default']);
      expect(() => queue.job(EmailJobs, 'plain')).toThrow(InvalidOptionError);
      expect(() => queue.job(EmailJobs, 'plain')).toThrow(/`method`.*EmailJobs.plain.*decorated with @Job/);
    } finally {
      await mod.close();
    }
  });
});
