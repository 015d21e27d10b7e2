import { InvalidJobStateError, UnknownCallbackError, type JobContext, type JobSnapshot } from '../src/index.js';
import { killMidJob } from './child.js';
import { rawRedis, sleep } from './helpers.js';
import { engine } from './engine.js';

describe('callbacks', () => {
  const redis = rawRedis();
  afterAll(() => redis.disconnect());

  it('onSuccess(job, result) runs after the handler, before the job is finished and its dependents released', async () => {
    const log: string[] = [];
    let statusDuring = '';
    let dependentDuring = '';
    const e = engine(
      'cb-success',
      { work: (d: number) => (log.push('handler'), d * 2), after: () => void log.push('dependent') },
      {},
      {
        report: async (job: JobSnapshot, result?: unknown) => {
          log.push(`onSuccess ${job.name} ${JSON.stringify(job.data)} -> ${String(result)}`);
          statusDuring = await e.client.getStatus('default', job.id);
          dependentDuring = await e.client.getStatus('default', 'dep');
        },
      },
    );
    const h = await e.client.enqueue('work', 21, { onSuccess: 'report' });
    await e.client.enqueue('after', null, { jobId: 'dep', dependsOn: h });
    e.worker();
    expect(await h.result({ timeout: '5s' })).toBe(42);
    await (await e.client.getJob('dep'))!.result({ timeout: '5s' });
    expect(log).toEqual(['handler', 'onSuccess work 21 -> 42', 'dependent']);
    expect(statusDuring).toBe('started');
    expect(dependentDuring).toBe('deferred');
  });

  it('an onSuccess that throws or passes its timeout fails the job; dependents are treated as for a failed job', async () => {
    const e = engine(
      'cb-success-fail',
      { ok: () => 'fine', after: () => 'after' },
      {},
      { boom: () => { throw new RangeError('callback broke'); }, slow: () => new Promise(() => undefined) },
    );
    const a = await e.client.enqueue('ok', null, { onSuccess: 'boom' });
    const b = await e.client.enqueue('ok', null, { onSuccess: { name: 'slow', timeout: '200ms' } });
    const waits = await e.client.enqueue('after', null, { dependsOn: a });
    const cancels = await e.client.enqueue('after', null, { dependsOn: a, onDependencyFailure: 'cancel' });
    const allows = await e.client.enqueue('after', null, { dependsOn: { jobs: a, allowFailure: true } });
    e.worker();
    await expect(a.result({ timeout: '5s' })).rejects.toMatchObject({ errorName: 'RangeError', errorMessage: 'callback broke' });
    await expect(b.result({ timeout: '5s' })).rejects.toMatchObject({ errorName: 'CallbackTimeoutError', errorMessage: expect.stringMatching(/onSuccess callback "slow" exceeded its timeout of 0.2s/) });
    expect(await allows.result({ timeout: '5s' })).toBe('after');
    await expect(cancels.result({ timeout: '5s' })).rejects.toMatchObject({ status: 'canceled' });
    expect(await waits.getStatus()).toBe('deferred');
  });

  it('onFailure(job, error) runs on a handler error and on a timeout; if it throws, its error is recorded beside the original', async () => {
    const seen: string[] = [];
    const e = engine(
      'cb-failure',
      { bad: () => { throw new Error('handler broke'); }, hang: () => new Promise(() => undefined) },
      {},
      {
        note: (job: JobSnapshot, err?: unknown) => void seen.push(`${job.name}: ${(err as Error).name}: ${(err as Error).message}`),
        broken: () => { throw new Error('callback also broke'); },
      },
    );
    const a = await e.client.enqueue('bad', null, { onFailure: 'note' });
    const b = await e.client.enqueue('hang', null, { timeout: '200ms', onFailure: 'note' });
    const c = await e.client.enqueue('bad', null, { onFailure: 'broken' });
    e.worker();
    await a.result({ timeout: '5s' }).catch(() => undefined);
    await b.result({ timeout: '5s' }).catch(() => undefined);
    await c.result({ timeout: '5s' }).catch(() => undefined);
    expect(seen.sort()).toEqual(['bad: Error: handler broke', 'hang: JobTimeoutError: Job exceeded its timeout of 0.2s and was aborted.']);
    const info = await c.info();
    expect(info.status).toBe('failed');
    expect(info.error).toMatchObject({ name: 'Error', message: 'handler broke', callbackError: { name: 'Error', message: 'callback also broke' } });
  });

  it('onFailure runs for a job abandoned after its worker was killed', async () => {
    const seen: string[] = [];
    const e = engine('cb-abandon', { hang: () => 'never here' }, {}, { note: (job: JobSnapshot, err?: unknown) => void seen.push(`${job.id} ${(err as Error).name}`) });
    const h = await e.client.enqueue('hang', { x: 1 }, { attempts: 1, onFailure: 'note' });
    await killMidJob(e.prefix);
    e.worker({ leaseTime: '1s' });
    await expect(h.result({ timeout: '10s' })).rejects.toMatchObject({ errorName: 'JobAbandonedError' });
    for (let i = 0; i < 100 && !seen.length; i++) await sleep(20);
    expect(seen).toEqual([`${h.id} JobAbandonedError`]);
  }, 20_000);

  it('onFailure also reports an attempt cut short by a crash when the job is requeued for another attempt', async () => {
    const seen: string[] = [];
    const e = engine('cb-requeue', { hang: (_d: unknown, ctx: JobContext) => `attempt ${ctx.attempt}` }, {}, {
      note: (job: JobSnapshot, err?: unknown) => void seen.push(`${job.attempt} ${(err as Error).message}`),
    });
    const h = await e.client.enqueue('hang', null, { attempts: 2, onFailure: 'note' });
    await killMidJob(e.prefix);
    e.worker({ leaseTime: '1s' });
    expect(await h.result({ timeout: '10s' })).toBe('attempt 2');
    for (let i = 0; i < 100 && !seen.length; i++) await sleep(20);
    expect(seen).toEqual([expect.stringMatching(/^1 The worker running attempt 1 stopped renewing its lease; the job was requeued/)]);
  }, 20_000);

  it('stop(): aborts the running job, marks it stopped, runs onStopped; a stopped job is not restarted', async () => {
    const log: string[] = [];
    const e = engine(
      'cb-stop',
      {
        long: (_d: unknown, ctx: JobContext) =>
          new Promise((resolve) => ctx.signal.addEventListener('abort', () => (log.push(`aborted: ${(ctx.signal.reason as Error).name}`), resolve('late')))),
      },
      {},
      { stopped: (job: JobSnapshot) => void log.push(`onStopped ${job.name}`) },
    );
    const h = await e.client.enqueue('long', null, { onStopped: 'stopped' });
    const q = await e.client.enqueue('long');
    await expect(q.stop()).rejects.toBeInstanceOf(InvalidJobStateError);
    await expect(q.stop()).rejects.toThrow(/Cannot stop job .* status is "queued"; stop applies only to started jobs/);
    await q.delete();
    const w = e.worker({ concurrency: 1 });
    // waits on the worker, not the clock: a loaded machine may take seconds to start it
    for (let i = 0; i < 3000 && w.activeCount === 0; i++) await sleep(5);
    await e.client.stopJob(h.id);
    await expect(h.result({ timeout: '5s' })).rejects.toMatchObject({ status: 'stopped', errorName: 'JobStoppedError' });
    for (let i = 0; i < 1500 && log.length < 2; i++) await sleep(10);
    expect(log.sort()).toEqual(['aborted: JobStoppedError', 'onStopped long']);
    expect(w.activeCount).toBe(0); // its slot is free
    expect(await e.client.getJobIds('default', 'stopped')).toEqual([h.id]);
    await sleep(100);
    expect(await h.getStatus()).toBe('stopped'); // the handler's late return did not overwrite it
  });

  it('an unknown callback is rejected at enqueue where callbacks are known, and fails the job in a worker that does not know it', async () => {
    const strict = engine('cb-unknown', { j: () => 1 }, { strictNames: true }, { known: () => undefined });
    await expect(strict.client.enqueue('j', null, { onSuccess: 'nope' })).rejects.toBeInstanceOf(UnknownCallbackError);
    await expect(strict.client.enqueue('j', null, { onFailure: { name: 'nope' } })).rejects.toThrow(/No @JobCallback named "nope".*Known callbacks: known/);
    await expect(strict.client.enqueue('j', null, { onSuccess: { name: 'known', timeout: 'x' as never } })).rejects.toThrow(/onSuccess.timeout/);
    await expect(strict.client.enqueue('j', null, { onStopped: 42 as never })).rejects.toThrow(/`onStopped`/);
    const loose = engine('cb-unknown2', { j: () => 1 });
    const h = await loose.client.enqueue('j', null, { onSuccess: 'nope' });
    loose.worker();
    await expect(h.result({ timeout: '5s' })).rejects.toMatchObject({ errorName: 'UnknownCallbackError' });
  });
});

describe('sync mode with dependencies and callbacks', () => {
  it('a dependent of a finished job runs at once; one of an unfinished job stays deferred; callbacks run inline', async () => {
    const log: string[] = [];
    const e = engine('cb-sync', { j: (d: string) => (log.push(d), d.toUpperCase()), bad: () => { throw new Error('x'); } }, { isAsync: false }, {
      ok: (job: JobSnapshot, r?: unknown) => void log.push(`ok ${String(r)}`),
      ko: (job: JobSnapshot, err?: unknown) => void log.push(`ko ${(err as Error).message}`),
    });
    const a = await e.client.enqueue('j', 'a', { onSuccess: 'ok' });
    const b = await e.client.enqueue('j', 'b', { dependsOn: a });
    expect(await b.getStatus()).toBe('finished');
    const bad = await e.client.enqueue('bad', null, { onFailure: 'ko' });
    const c = await e.client.enqueue('j', 'c', { dependsOn: bad });
    expect(await c.getStatus()).toBe('deferred');
    const d = await a.chain('j');
    expect(await d.result()).toBe('A');
    expect(log).toEqual(['a', 'ok A', 'b', 'ko x', 'A']);
  });

  it('enqueueMany runs a job of the same call that another depends on first, so neither is left deferred', async () => {
    const ran: string[] = [];
    const e = engine('cb-sync-order', { j: (d: string) => void ran.push(d) }, { isAsync: false });
    const hs = await e.client.enqueueMany([
      { name: 'j', data: 'child', options: { dependsOn: 'parent' } },
      { name: 'j', data: 'parent', options: { jobId: 'parent', queue: 'other' } },
      { name: 'j', data: 'plain' },
    ]);
    expect(await Promise.all(hs.map((h) => h.getStatus()))).toEqual(['finished', 'finished', 'finished']);
    expect(hs.map((h) => h.queue)).toEqual(['default', 'other', 'default']);
    expect(ran).toEqual(['parent', 'child', 'plain']);
  });
});
