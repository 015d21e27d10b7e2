import 'reflect-metadata';
import { Injectable, Logger, Module, type LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  JOBLINE_CLIENT,
  Job,
  OnJobEvent,
  OnQueueEvent,
  QueueClient,
  QueueConsumerModule,
  QueueEventsListener,
  QueueModule,
  QueueService,
  type JobCompletedEvent,
  type JobEvent,
  type JobFailedEvent,
  type JobStatus,
} from '../src/index.js';
import { engineOf } from '../src/core/engine-of.js';
import { killMidJob } from './child.js';
import { engine } from './engine.js';
import { deferred, testConnection, uniquePrefix } from './helpers.js';

/** A logger that keeps what it is told. */
function captureLogger() {
  const lines: { level: string; message: string; extra?: string }[] = [];
  return {
    lines,
    log: (message: string) => void lines.push({ level: 'log', message }),
    warn: (message: string) => void lines.push({ level: 'warn', message }),
    error: (message: string, extra?: string) => void lines.push({ level: 'error', message, extra }),
  };
}

/** Resolves once `list` holds `n` items. */
async function until<T>(list: T[], n: number, what: string, ms = 15_000): Promise<T[]> {
  const end = Date.now() + ms;
  while (list.length < n) {
    if (Date.now() > end) throw new Error(`expected ${n} ${what}, got ${list.length}: ${JSON.stringify(list)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return list;
}

describe('job events of this process', () => {
  it('completed and failed are reported once Redis has the outcome, with the result or error; failed jobs are logged', async () => {
    const logger = captureLogger();
    const e = engine('ev', { ok: (d: { n: number }) => ({ doubled: d.n * 2 }), boom: () => Promise.reject(new TypeError('kaboom')) }, { logger });
    const seen: { event: JobEvent; status: Promise<JobStatus> }[] = [];
    e.client.on('completed', (ev) => void seen.push({ event: ev, status: e.client.getStatus(ev.queue, ev.id) }));
    e.client.on('failed', (ev) => void seen.push({ event: ev, status: e.client.getStatus(ev.queue, ev.id) }));
    const worker = e.worker();
    const ok = await e.client.enqueue('ok', { n: 21 });
    const boom = await e.client.enqueue('boom');
    await until(seen, 2, 'events');
    const byId = new Map(seen.map((s) => [s.event.id, s]));
    expect(byId.get(ok.id)!.event).toEqual({ event: 'completed', id: ok.id, name: 'ok', queue: 'default', attempt: 1, workerId: worker.id, result: { doubled: 42 } });
    expect(await byId.get(ok.id)!.status).toBe('finished');
    expect(byId.get(boom.id)!.event).toMatchObject({ event: 'failed', id: boom.id, name: 'boom', attempt: 1, error: { name: 'TypeError', message: 'kaboom' } });
    expect(await byId.get(boom.id)!.status).toBe('failed');
    const logged = logger.lines.filter((l) => l.level === 'error' && l.message.includes(boom.id));
    expect(logged).toEqual([{ level: 'error', message: `Job "boom" ${boom.id} (queue default, attempt 1) failed: TypeError: kaboom`, extra: expect.stringContaining('TypeError: kaboom') }]);
  });

  it('logFailedJobs: false keeps failed jobs out of the log', async () => {
    const logger = captureLogger();
    const e = engine('ev-quiet', { boom: () => Promise.reject(new Error('quiet')) }, { logger, logFailedJobs: false });
    const failed: JobFailedEvent[] = [];
    e.client.on('failed', (ev) => void failed.push(ev));
    e.worker();
    await e.client.enqueue('boom');
    await until(failed, 1, 'failed events');
    expect(logger.lines.filter((l) => l.message.includes('quiet'))).toEqual([]);
  });

  it('stalled: maintenance reports an attempt whose worker died', async () => {
    const e = engine('ev-stall', { hang: (_d: unknown, ctx: { attempt: number }) => `attempt ${ctx.attempt}` });
    const stalled: JobEvent[] = [];
    e.client.on('stalled', (ev) => void stalled.push(ev));
    const h = await e.client.enqueue('hang');
    await killMidJob(e.prefix);
    const worker = e.worker({ leaseTime: '1s' });
    expect(await h.result({ timeout: '15s' })).toBe('attempt 2');
    // maintenance reads the job's name after the reclaim, so the rerun may finish before the event is emitted
    await until(stalled, 1, 'stalled events');
    expect(stalled).toEqual([{ event: 'stalled', id: h.id, name: 'hang', queue: 'default', attempt: 1, workerId: worker.id, requeued: true }]);
  });

  it('retrying and progress reach listeners through the one place the retry and progress code reports them', async () => {
    const e = engine('ev-emit', {});
    const seen: JobEvent[] = [];
    e.client.on('retrying', (ev) => void seen.push(ev));
    e.client.on('progress', (ev) => void seen.push(ev));
    const events = engineOf(e.client).events;
    const job = { id: 'j1', name: 'n', queue: 'q', attempt: 2 };
    events.retrying(job, 'w1', { name: 'Error', message: 'try again' }, 1500);
    events.progress(job, 'w1', { done: 3, of: 10 });
    expect(seen).toEqual([
      { event: 'retrying', ...job, workerId: 'w1', error: { name: 'Error', message: 'try again' }, delayMs: 1500 },
      { event: 'progress', ...job, workerId: 'w1', progress: { done: 3, of: 10 } },
    ]);
    expect(() => e.client.on('finished' as 'completed', () => undefined)).toThrow(/`event`.*one of completed, failed, retrying, progress, stalled/);
  });

  it('a listener that throws is logged and changes nothing for the job', async () => {
    const logger = captureLogger();
    const e = engine('ev-throw', { ok: () => 1 }, { logger });
    e.client.on('completed', () => {
      throw new Error('listener bug');
    });
    e.worker();
    const h = await e.client.enqueue('ok');
    expect(await h.result({ timeout: '5s' })).toBe(1);
    await until(logger.lines, 1, 'log lines');
    expect(logger.lines[0]!.message).toMatch(/"completed" listener of job .* threw: listener bug/);
  });
});

describe('the Redis event stream (eventStream)', () => {
  it('a follower in another client hears every worker event of its queues; the stream is capped; off by default', async () => {
    const e = engine('stream', { ok: () => 'fine', boom: () => Promise.reject(new Error('bad')) }, { eventStream: { maxLen: 100 } });
    const follower = new QueueClient({ connection: testConnection(), prefix: e.prefix });
    const heard: JobEvent[] = [];
    const f = await follower.followEvents(['default'], (ev) => void heard.push(ev));
    try {
      e.worker();
      const ok = await e.client.enqueue('ok');
      const boom = await e.client.enqueue('boom');
      await until(heard, 2, 'stream events');
      const byId = new Map(heard.map((ev) => [ev.id, ev]));
      // ids, not data: the result stays in the worker's process
      expect(byId.get(ok.id)).toEqual({ event: 'completed', id: ok.id, name: 'ok', queue: 'default', attempt: 1, workerId: expect.any(String) });
      expect(byId.get(boom.id)).toMatchObject({ event: 'failed', id: boom.id, error: { name: 'Error', message: 'bad' } });
      await e.client.enqueueMany(Array.from({ length: 400 }, () => ({ name: 'ok' })));
      await until(heard, 402, 'stream events');
      // MAXLEN ~ trims whole stream nodes (at most 100 entries or 4 KB each by default) while maxLen entries remain:
      // fewer than maxLen + 100 kept, never all 402. A follower more than about maxLen entries behind loses what was
      // trimmed: a cap of 10 left it a round of jobs' events of slack, which a loaded machine can use up (the writer's
      // batch grows while a write waits)
      expect(await e.redis.xlen(`${e.base('default')}stream`)).toBeLessThan(200);
    } finally {
      await f.close();
      await follower.close();
    }
    const off = engine('stream-off', { ok: () => 1 });
    off.worker();
    await (await off.client.enqueue('ok')).result({ timeout: '5s' });
    expect(await off.redis.exists(`${off.base('default')}stream`)).toBe(0);
  });
});

@Injectable()
class Jobs {
  @Job('ev.ok', { queue: 'evq' })
  ok(data: { n: number }) {
    return data.n + 1;
  }

  @Job('ev.boom', { queue: 'evq' })
  boom() {
    throw new Error('nest kaboom');
  }
}

@Injectable()
class Watcher {
  readonly seen: JobEvent[] = [];
  @OnJobEvent('completed')
  @OnJobEvent('failed')
  any(e: JobCompletedEvent | JobFailedEvent) {
    this.seen.push(e);
  }
}

@Injectable()
@QueueEventsListener('evq')
class StreamWatcher {
  readonly seen: JobEvent[] = [];
  @OnQueueEvent('completed')
  completed(e: JobCompletedEvent) {
    this.seen.push(e);
  }
}

const captured: { level: string; message: unknown; context?: unknown }[] = [];
const nestLogger: LoggerService = {
  log: (message, context) => void captured.push({ level: 'log', message, context }),
  warn: (message, context) => void captured.push({ level: 'warn', message, context }),
  error: (message, _stack, context) => void captured.push({ level: 'error', message, context }),
};

describe('events in a Nest application', () => {
  it('@OnJobEvent methods hear this process’s workers; @QueueEventsListener follows the stream of a worker app elsewhere; failures go to Nest’s Logger', async () => {
    const prefix = uniquePrefix('nest-ev');
    @Module({ providers: [Jobs, Watcher] })
    class WorkerApp {}
    const workerMod = await Test.createTestingModule({
      imports: [QueueModule.forRoot({ connection: testConnection(), prefix, eventStream: true }), QueueConsumerModule.forRoot(), WorkerApp],
    }).compile();
    @Module({ providers: [StreamWatcher] })
    class ListenerApp {}
    const listenerMod = await Test.createTestingModule({ imports: [QueueModule.forRoot({ connection: testConnection(), prefix }), ListenerApp] }).compile();
    // after both compile() calls: each sets Nest's static logger
    workerMod.useLogger(nestLogger);
    try {
      await listenerMod.init();
      await workerMod.init();
      expect(engineOf(workerMod.get(JOBLINE_CLIENT)).logger).toBeInstanceOf(Logger);
      const q = workerMod.get(QueueService);
      const ok = await q.enqueue('ev.ok', { n: 1 });
      const boom = await q.enqueue('ev.boom');
      const watcher = workerMod.get(Watcher);
      await until(watcher.seen, 2, '@OnJobEvent calls');
      expect(watcher.seen.map((e) => [e.event, e.id]).sort()).toEqual([['completed', ok.id], ['failed', boom.id]].sort());
      expect(watcher.seen.find((e) => e.event === 'completed')).toMatchObject({ result: 2 });
      const stream = listenerMod.get(StreamWatcher);
      await until(stream.seen, 1, '@OnQueueEvent calls');
      expect(stream.seen).toEqual([expect.objectContaining({ event: 'completed', id: ok.id, name: 'ev.ok', queue: 'evq' })]);
      await until(captured, 1, 'Nest log lines');
      expect(captured).toContainEqual({ level: 'error', message: expect.stringContaining(`Job "ev.boom" ${boom.id} (queue evq, attempt 1) failed: Error: nest kaboom`), context: 'Jobline' });
    } finally {
      await workerMod.close();
      await listenerMod.close();
    }
  });
});
