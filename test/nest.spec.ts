import 'reflect-metadata';
import { Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  DuplicateJobNameError,
  Job,
  JobCallback,
  JOBLINE_CLIENT,
  PayloadValidationError,
  QueueClient,
  QueueConsumer,
  QueueConsumerModule,
  QueueModule,
  QueueService,
  UnknownJobError,
  type JobContext,
  type JobSnapshot,
  type QueueModuleOptions,
} from '../src/index.js';
import { engineOf } from '../src/core/engine-of.js';
import { ChildWorker } from './child.js';
import { keysOf, rawRedis, sleep, testConnection, uniquePrefix } from './helpers.js';
import { SignupDto } from './signup.dto.js';

@Injectable()
class Counter {
  calls: string[] = [];
}


@Injectable()
class MailJobs {
  constructor(private readonly counter: Counter) {}

  @Job('mail.send', { queue: 'mail' })
  send(data: { to: string }, ctx: JobContext) {
    this.counter.calls.push(`send:${data.to}`);
    return { sentTo: data.to, queue: ctx.queue };
  }

  @Job()
  defaultNamed() {
    return 'default name works';
  }

  @Job('signup')
  signup(data: SignupDto) {
    this.counter.calls.push(`signup:${data.email}`);
    return data.age;
  }

  @Job('explode')
  explode() {
    throw new Error('kaboom');
  }

  @JobCallback('audit')
  audit(job: JobSnapshot, result?: unknown) {
    this.counter.calls.push(`audit:${job.name}:${JSON.stringify(result)}`);
  }

  @JobCallback()
  onExplode(job: JobSnapshot, err?: unknown) {
    this.counter.calls.push(`failed:${job.name}:${(err as Error).message}`);
  }
}

@Module({ providers: [Counter, MailJobs], exports: [Counter] })
class MailModule {}

/** Uses QueueService without importing QueueModule: it is global. */
@Injectable()
class Signups {
  constructor(readonly queue: QueueService) {}
}

@Module({ providers: [Signups], exports: [Signups] })
class FeatureModule {}

async function app(options: Partial<QueueModuleOptions> = {}, consumer = true, extra: unknown[] = []) {
  const mod = await Test.createTestingModule({
    imports: [
      QueueModule.forRoot({ connection: testConnection(), prefix: uniquePrefix('nest'), ...options }),
      ...(consumer ? [QueueConsumerModule.forRoot({ concurrency: 5 })] : []),
      MailModule,
      FeatureModule,
      ...(extra as never[]),
    ],
  }).compile();
  return mod;
}

describe('NestJS modules', () => {
  const opened: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    for (const m of opened.splice(0)) await m.close();
  });
  async function started(...args: Parameters<typeof app>) {
    const mod = await app(...args);
    opened.push(mod);
    await mod.init();
    return mod;
  }

  it('runs @Job handlers on their DI instance, with @Job defaults, from a global QueueService', async () => {
    const mod = await started();
    const queue = mod.get(Signups).queue;
    const h = await queue.enqueue('mail.send', { to: 'ann' });
    expect(h.queue).toBe('mail');
    expect(await h.result({ timeout: '5s' })).toEqual({ sentTo: 'ann', queue: 'mail' });
    expect(mod.get(Counter).calls).toEqual(['send:ann']);
    const d = await queue.enqueue('MailJobs.defaultNamed');
    expect(await d.result({ timeout: '5s' })).toBe('default name works');
    // every queue a handler names is consumed by default
    expect(mod.get(QueueConsumer).queues().sort()).toEqual(['default', 'mail']);
  });

  it('forRootAsync builds options from injected providers', async () => {
    const CONFIG = Symbol('CONFIG');
    @Module({ providers: [{ provide: CONFIG, useValue: { url: testConnection(), prefix: uniquePrefix('async') } }], exports: [CONFIG] })
    class ConfigModule {}
    @Injectable()
    class UsesConfig {
      constructor(@Inject(CONFIG) readonly config: { prefix: string }) {}
    }
    const mod = await Test.createTestingModule({
      imports: [
        QueueModule.forRootAsync({
          imports: [ConfigModule],
          inject: [CONFIG],
          useFactory: async (c: { url: string; prefix: string }) => ({ connection: c.url, prefix: c.prefix, defaultQueue: 'async-q' }),
        }),
        QueueConsumerModule.forRoot(),
        MailModule,
        ConfigModule,
      ],
      providers: [UsesConfig],
    }).compile();
    opened.push(mod);
    await mod.init();
    const q = mod.get(QueueService);
    expect(mod.get<QueueClient>(JOBLINE_CLIENT).prefix).toBe(mod.get(UsesConfig).config.prefix);
    const h = await q.enqueue('MailJobs.defaultNamed');
    expect(h.queue).toBe('async-q');
    expect(await h.result({ timeout: '5s' })).toBe('default name works');
  });

  it('workers start at bootstrap, never earlier', async () => {
    const mod = await app();
    opened.push(mod);
    // compiled but not initialised: the consumer must not run anything yet
    const q = mod.get(QueueService);
    const h = await q.enqueue('mail.send', { to: 'early' }, { queue: 'mail' });
    await sleep(300);
    expect(await h.getStatus()).toBe('queued');
    await mod.init();
    expect(await h.result({ timeout: '5s' })).toEqual({ sentTo: 'early', queue: 'mail' });
  });

  it('an app that imports only QueueModule enqueues but never runs jobs, and accepts names it does not know', async () => {
    const mod = await started({}, false);
    const q = mod.get(QueueService);
    const h = await q.enqueue('mail.send', { to: 'nobody' });
    const other = await q.enqueue('handled.elsewhere', { x: 1 });
    await sleep(300);
    expect(await h.getStatus()).toBe('queued');
    expect(await other.getStatus()).toBe('queued');
  });

  it("QueueService has the README's queue operations: summaries, pages, bulk requeue and delete, the workers", async () => {
    const mod = await started({}, false);
    const q = mod.get(QueueService);
    const [a, b, c] = await q.enqueueMany([1, 2, 3].map((n) => ({ name: 'ops.job', data: { n }, options: { queue: 'ops' } })));
    const [summary] = await q.getQueueSummaries(['ops']);
    expect(summary).toMatchObject({ name: 'ops', paused: false, workers: 0, counts: expect.objectContaining({ queued: 3 }) });
    const page = await q.listJobs('ops', 'queued', { limit: 2 });
    expect([page.total, page.jobs.map((j) => j.id)]).toEqual([3, [a!.id, b!.id]]);
    expect(await q.requeueJobs([a!.id, 'no-such-job'], { queue: 'ops' })).toEqual({ done: [], missing: ['no-such-job'], refused: [{ id: a!.id, status: 'queued' }] });
    expect(await q.deleteJobs([c!.id], { queue: 'ops' })).toMatchObject({ done: [c!.id], missing: [] });
    expect(await q.requeueAll('ops')).toBe(0);
    expect(await q.deleteAll('ops', 'queued')).toBe(2);
    expect(await q.countJobs('ops')).toMatchObject({ queued: 0 });
    expect(await q.getWorkers()).toEqual([]);
  });

  it('a consumer app rejects an unknown job name at enqueue and stores nothing', async () => {
    const mod = await started();
    const q = mod.get(QueueService);
    await expect(q.enqueue('mail.sendd', {})).rejects.toBeInstanceOf(UnknownJobError);
    await expect(q.enqueue('mail.sendd', {})).rejects.toThrow(/No @Job handler named "mail.sendd".*Known jobs: .*mail.send/);
    const redis = rawRedis();
    expect(await keysOf(redis, `${mod.get<QueueClient>(JOBLINE_CLIENT).prefix}:{*}:job:*`)).toEqual([]);
    redis.disconnect();
  });

  it('two handlers with one name fail at application start, naming both places', async () => {
    @Injectable()
    class Clash {
      @Job('mail.send')
      other() {
        return 1;
      }
    }
    const mod = await app({}, true, [{ module: class ClashModule {}, providers: [Clash] }]);
    opened.push(mod);
    await expect(mod.init()).rejects.toBeInstanceOf(DuplicateJobNameError);
    const second = await app({}, true, [{ module: class ClashModule2 {}, providers: [Clash] }]);
    opened.push(second);
    await expect(second.init()).rejects.toThrow(
      /"mail.send" is used twice: by (MailJobs.send and by Clash.other|Clash.other and by MailJobs.send)/,
    );
  });

  it('an empty @Job name fails at application start', async () => {
    @Injectable()
    class Empty {
      @Job('')
      x() {
        return 1;
      }
    }
    const mod = await app({}, true, [{ module: class EmptyModule {}, providers: [Empty] }]);
    opened.push(mod);
    await expect(mod.init()).rejects.toThrow(/@Job name on Empty.x/);
  });

  it.each([
    [{ concurrency: 0 }, /`concurrency`.*1 to 10000/],
    [{ concurrency: 2.5 }, /`concurrency`/],
    [{ queues: [] }, /`queues`.*non-empty array/],
    [{ queues: ['a b'] }, /`queue`/],
    [{ shutdownTimeout: 'soon' }, /`shutdownTimeout`/],
    [{ leaseTime: -5 }, /`leaseTime`/],
    [{ leaseTime: '100ms' }, /`leaseTime`.*at least 300ms/],
    [{ autoStart: 'yes' }, /`autoStart`/],
    [{ concurency: 5 }, /`concurency`.*one of queues, concurrency/],
    [{ thread: { module: '/jobs.js', export: 'JobsModule' } }, /`thread`.*one of queues, .*threads.*did you mean `threads`/],
    [{ threads: { module: '/jobs.js', export: 'JobsModule', siz: 2 } }, /`siz`.*one of module, export, size.*did you mean `size`/],
    [{ threads: { module: '/jobs.js' } }, /`threads.export`/],
  ])('QueueConsumerModule.forRoot(%p) is rejected with a clear error', (options, message) => {
    expect(() => QueueConsumerModule.forRoot(options as never)).toThrow(message);
  });

  it('QueueModule.forRootAsync options that are invalid fail at start', async () => {
    const mod = await Test.createTestingModule({
      imports: [QueueModule.forRootAsync({ useFactory: () => ({ connection: testConnection(), prefix: 'no spaces allowed' }) })],
    })
      .compile()
      .catch((e: unknown) => e);
    expect(mod).toBeInstanceOf(Error);
    expect(String(mod)).toMatch(/Invalid option `prefix`/);
  });

  it('validates class-validator payloads at enqueue, listing every problem, and stores nothing', async () => {
    const mod = await started();
    const q = mod.get(QueueService);
    const err = (await q.enqueue('signup', { email: 'not-an-email', age: 12 }).catch((e: unknown) => e)) as PayloadValidationError;
    expect(err).toBeInstanceOf(PayloadValidationError);
    expect(err.problems).toEqual(expect.arrayContaining(['email must be an email', 'age must not be less than 18']));
    expect(err.message).toMatch(/Invalid data for job "signup": .*email must be an email.*age must not be less than 18/);
    await expect(q.enqueue('signup', 'text')).rejects.toThrow(/expected an object matching SignupDto/);
    const ok = await q.enqueue('signup', { email: 'a@b.co', age: 30 });
    expect(await ok.result({ timeout: '5s' })).toBe(30);
  });

  it('validates the payload before the handler runs, for jobs enqueued where the handler was unknown', async () => {
    const prefix = uniquePrefix('val');
    // a producer that does not know the handler (another service) cannot validate; the consumer must
    const { QueueClient } = await import('../src/index.js');
    const foreign = new QueueClient({ connection: testConnection(), prefix });
    const { id } = await foreign.enqueue('signup', { email: 'nope', age: 1 });
    await foreign.close();
    const consumer = await started({ prefix });
    const h = (await consumer.get(QueueService).getJob(id))!;
    await expect(h.result({ timeout: '5s' })).rejects.toMatchObject({ errorName: 'PayloadValidationError', errorMessage: expect.stringMatching(/email must be an email/) });
    expect(consumer.get(Counter).calls).toEqual([]);
  });

  it('app.close() stops the consumer and closes every connection (jest sees no open handle)', async () => {
    const mod = await app();
    await mod.init();
    const q = mod.get(QueueService);
    const engine = engineOf(mod.get(JOBLINE_CLIENT));
    await (await q.enqueue('mail.send', { to: 'x' })).result({ timeout: '5s' });
    await mod.close();
    expect(engine.redis.status).toBe('end');
  });

  it('SIGTERM with enableShutdownHooks releases the running job and ends the process', async () => {
    const prefix = uniquePrefix('sigterm');
    const child = new ChildWorkerApp(prefix);
    const q = await started({ prefix }, false);
    const h = await q.get(QueueService).enqueue('hang', null);
    await child.child.waitFor(/^started /);
    child.child.kill('SIGTERM');
    const exit = await child.child.exited;
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    expect(await h.getStatus()).toBe('queued');
    expect((await h.info()).attempts).toBe(0);
  });
});

/** The Nest app fixture run as a child process. */
class ChildWorkerApp {
  readonly child: ChildWorker;
  constructor(prefix: string) {
    this.child = new ChildWorker({ PREFIX: prefix }, 'test/fixtures/nest-app.mjs');
  }
}

describe('sync mode (isAsync: false)', () => {
  const opened: { close(): Promise<unknown> }[] = [];
  afterAll(async () => {
    for (const m of opened.splice(0)) await m.close();
  });

  it('runs the job inline through DI before enqueue returns; state and result are in Redis', async () => {
    const mod = await app({ isAsync: false }, false);
    opened.push(mod);
    await mod.init();
    const q = mod.get(QueueService);
    const h = await q.enqueue('mail.send', { to: 'sync' });
    expect(mod.get(Counter).calls).toEqual(['send:sync']);
    expect(await h.getStatus()).toBe('finished');
    expect(await h.result()).toEqual({ sentTo: 'sync', queue: 'mail' });
    const again = await q.getJob(h.id);
    expect(await again!.info()).toMatchObject({ status: 'finished', attempts: 1, result: { sentTo: 'sync', queue: 'mail' } });
    expect(await q.countJobs('mail')).toMatchObject({ finished: 1, started: 0, queued: 0 });
  });

  it('a failing job does not throw from enqueue; its handle reports failed', async () => {
    const mod = await app({ isAsync: false }, false);
    opened.push(mod);
    await mod.init();
    const q = mod.get(QueueService);
    const h = await q.enqueue('explode');
    expect(await h.getStatus()).toBe('failed');
    await expect(h.result()).rejects.toMatchObject({ errorMessage: 'kaboom' });
    expect((await h.info()).error).toMatchObject({ name: 'Error', message: 'kaboom' });
  });

  it('@JobCallback methods are discovered and run on their DI instance', async () => {
    const mod = await app({ isAsync: false }, false);
    opened.push(mod);
    await mod.init();
    const q = mod.get(QueueService);
    await q.enqueue('mail.send', { to: 'cb' }, { onSuccess: 'audit' });
    await q.enqueue('explode', null, { onFailure: 'MailJobs.onExplode' });
    expect(mod.get(Counter).calls).toEqual(['send:cb', 'audit:mail.send:{"sentTo":"cb","queue":"mail"}', 'failed:explode:kaboom']);
    await expect(q.enqueue('mail.send', { to: 'x' }, { onSuccess: 'nope' })).rejects.toThrow(/No @JobCallback named "nope"/);
  });

  it('enqueueMany runs in order; unknown names and bad payloads are rejected like in async mode', async () => {
    const mod = await app({ isAsync: false }, false);
    opened.push(mod);
    await mod.init();
    const q = mod.get(QueueService);
    const hs = await q.enqueueMany([
      { name: 'mail.send', data: { to: 'a' } },
      { name: 'mail.send', data: { to: 'b' } },
    ]);
    expect(await Promise.all(hs.map((h) => h.getStatus()))).toEqual(['finished', 'finished']);
    expect(mod.get(Counter).calls).toEqual(['send:a', 'send:b']);
    await expect(q.enqueue('nope')).rejects.toBeInstanceOf(UnknownJobError);
    await expect(q.enqueue('signup', { email: 'x', age: 20 })).rejects.toBeInstanceOf(PayloadValidationError);
  });
});
