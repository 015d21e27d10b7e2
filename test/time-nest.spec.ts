import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { InvalidOptionError, Job, QueueConsumerModule, QueueModule, QueueService, type JobContext } from '../src/index.js';
import { testConnection, uniquePrefix, until } from './helpers.js';

@Injectable()
class Beats {
  runs: { id: string; data: unknown }[] = [];

  @Job('beat.fast', { queue: 'beats', schedule: { every: '200ms', data: { kind: 'fast' } } })
  fast(data: unknown, ctx: JobContext) {
    this.runs.push({ id: ctx.id, data });
  }

  @Job('beat.nightly', { queue: 'nightly', schedule: { cron: '0 3 * * *', tz: 'Europe/Paris' } })
  nightly() {
    return 'night';
  }
}

@Injectable()
class BadCron {
  @Job('bad.cron', { schedule: { cron: '0 25 * * *' } })
  run() {
    return 1;
  }
}


describe('@Job schedules (NestJS)', () => {
  it('the consumer registers the schedules of the handlers it runs, with the job name as id, at start', async () => {
    const prefix = uniquePrefix('n-sched');
    const mod = await Test.createTestingModule({
      imports: [QueueModule.forRoot({ connection: testConnection(), prefix }), QueueConsumerModule.forRoot({ queues: ['beats'] })],
      providers: [Beats],
    }).compile();
    try {
      await mod.init();
      const q = mod.get(QueueService);
      // only the consumed queue's schedule: 'nightly' runs in an app that consumes it
      const schedules = await q.getSchedules();
      expect(schedules.map((s) => [s.id, s.queue, s.name])).toEqual([['beat.fast', 'beats', 'beat.fast']]);
      const beats = mod.get(Beats);
      await until('2 runs', () => beats.runs.length >= 2);
      expect(beats.runs[0]!.data).toEqual({ kind: 'fast' });
      expect(beats.runs[0]!.id).toMatch(/^sched\.beat\.fast\.\d+$/);
      // the service manages schedules at run time too
      const up = await q.upsertSchedule('beat.nightly', { cron: '0 3 * * *', tz: 'Europe/Paris' }, 'beat.nightly', null, { queue: 'nightly' });
      expect(up.outcome).toBe('created');
      expect([1, 2]).toContain(up.nextRunAt!.getUTCHours()); // 3 am in Paris is 1 or 2 am UTC
      // run now: the schedule's job at once, its next tick, runs and last run unchanged; an unknown schedule is null
      const ran = (await q.runSchedule('beat.nightly'))!;
      expect([ran.name, ran.queue]).toEqual(['beat.nightly', 'nightly']);
      expect(await ran.getStatus()).toBe('queued');
      const nightly = (await q.getSchedules('nightly'))[0]!;
      expect([nightly.lastJobId, nightly.runs, nightly.nextRunAt]).toEqual([null, 0, up.nextRunAt]);
      expect(await q.runSchedule('no.such.schedule')).toBeNull();
      expect(await q.removeSchedule('beat.fast')).toBe(true);
      expect((await q.getSchedules()).map((s) => s.id)).toEqual(['beat.nightly']);
    } finally {
      await mod.close();
    }
  });

  it('a bad cron expression stops the application at start with an InvalidOptionError naming the job', async () => {
    const mod = Test.createTestingModule({
      imports: [QueueModule.forRoot({ connection: testConnection(), prefix: uniquePrefix('n-bad') }), QueueConsumerModule.forRoot()],
      providers: [BadCron],
    });
    const compiled = await mod.compile();
    try {
      await expect(compiled.init()).rejects.toThrow(InvalidOptionError);
    } finally {
      await compiled.close().catch(() => undefined);
    }
    const again = await mod.compile();
    try {
      await expect(again.init()).rejects.toThrow(/`@Job\("bad.cron"\).schedule.cron`.*Invalid value for hour/);
    } finally {
      await again.close().catch(() => undefined);
    }
  });
});
