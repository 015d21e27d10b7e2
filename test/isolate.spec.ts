import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HandlerRegistry, InvalidOptionError, JobFailedError, QueueClient, Worker, type ThreadOptions } from '../src/index.js';
import { ChildWorker } from './child.js';
import { engine } from './engine.js';
import { testConnection, uniquePrefix } from './helpers.js';

const SETUP: ThreadOptions = { module: new URL('./fixtures/thread-jobs.mjs', import.meta.url), export: 'register' };
const THREAD_JOBS = ['spin', 'where', 'forever', 'boom', 'meta', 'listen', 'exit'];

/** An engine whose thread jobs are marked isolate: 'thread' (their main-thread functions must never run). */
function threadEngine(label: string) {
  const e = engine(label, { quick: (data: { i: number }) => data.i * 2 });
  for (const name of THREAD_JOBS) {
    e.registry.register({ name, source: `main.${name}`, defaults: {}, isolate: 'thread', handle: () => { throw new Error(`${name} ran on the main thread`); } });
  }
  return e;
}

async function failureOf(p: Promise<unknown>): Promise<JobFailedError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(JobFailedError);
  return err as JobFailedError;
}

describe("isolate: 'thread'", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  function tempDir(): string {
    const d = mkdtempSync(join(tmpdir(), 'jobline-threads-'));
    dirs.push(d);
    return d;
  }

  it('a CPU-bound handler in a thread does not hold up the jobs on the event loop, nor its lease', async () => {
    const e = threadEngine('iso-cpu');
    e.worker({ threads: { ...SETUP, size: 1 }, leaseTime: '1s', concurrency: 4 });
    const release = join(tempDir(), 'release');
    const spin = await e.client.enqueue('spin', { release });
    // 20 plain jobs run and finish while the thread spins (the worker's event loop is free)
    const quick = await e.client.enqueueMany(Array.from({ length: 20 }, (_, i) => ({ name: 'quick', data: { i } })));
    expect(await Promise.all(quick.map((h) => h.result({ timeout: '20s' })))).toEqual(quick.map((_, i) => i * 2));
    expect(await spin.getStatus()).toBe('started');
    // leases are renewed by the main thread: wait past several lease lengths, the job is still held on attempt 1
    const workers = `${e.base('default')}workers`;
    const deadline = Number(await e.redis.zscore(workers, (await e.redis.zrange(workers, '0', '0'))[0]!));
    for (;;) {
      const [id] = await e.redis.zrange(workers, '0', '0');
      if (Number(await e.redis.zscore(workers, id!)) > deadline + 2500) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await spin.info()).attempts).toBe(1);
    writeFileSync(release, '');
    const done = (await spin.result({ timeout: '20s' })) as { threadId: number };
    expect(done.threadId).toBeGreaterThan(0);
    expect((await spin.info()).attempts).toBe(1);
  }, 60_000);

  it('a timeout ends a run that never yields: the job fails with JobTimeoutError and its thread is terminated and replaced', async () => {
    const e = threadEngine('iso-timeout');
    e.worker({ threads: { ...SETUP, size: 1 } });
    const forever = await e.client.enqueue('forever', {}, { timeout: '1s' });
    const err = await failureOf(forever.result({ timeout: '20s' }));
    expect(err.errorName).toBe('JobTimeoutError');
    const stuckThread = (await forever.info()).meta.threadId as number;
    expect(stuckThread).toBeGreaterThan(0);
    // one thread in the pool: this job can only run once the stuck thread is gone
    const next = await e.client.enqueue('where', {});
    const { threadId } = (await next.result({ timeout: '20s' })) as { threadId: number };
    expect(threadId).toBeGreaterThan(0);
    expect(threadId).not.toBe(stuckThread);
  }, 60_000);

  it("a throw inside the thread fails the job with the error's name, message and stack; the worker goes on", async () => {
    const e = threadEngine('iso-throw');
    e.worker({ threads: { ...SETUP, size: 1 } });
    const boom = await e.client.enqueue('boom', {});
    const err = await failureOf(boom.result({ timeout: '20s' }));
    expect(err.errorName).toBe('BoomError');
    expect(err.errorMessage).toBe('it went boom in a thread');
    expect(err.errorStack).toMatch(/BoomError: it went boom in a thread[\s\S]*thread-jobs\.mjs/);
    const info = await boom.info();
    expect(info.error).toMatchObject({ name: 'BoomError', message: 'it went boom in a thread' });
    // a thread that exits (process.exit in a worker thread ends only that thread) fails its job; the worker goes on
    const exit = await e.client.enqueue('exit', {});
    expect((await failureOf(exit.result({ timeout: '20s' }))).errorName).toBe('JobThreadExitedError');
    expect(await (await e.client.enqueue('quick', { i: 4 })).result({ timeout: '20s' })).toBe(8);
    expect(((await (await e.client.enqueue('where', {})).result({ timeout: '20s' })) as { threadId: number }).threadId).toBeGreaterThan(0);
  }, 60_000);

  it('ctx.updateMeta saves from the thread, and ctx.signal there aborts with the reason of the main thread', async () => {
    const e = threadEngine('iso-ctx');
    e.worker({ threads: { ...SETUP, size: 2 } });
    const m = await e.client.enqueue('meta', {}, { meta: { given: true } });
    const out = (await m.result({ timeout: '20s' })) as { meta: Record<string, unknown>; attempt: number; id: string };
    expect(out).toEqual({ meta: { given: true, step: 2, threadId: expect.any(Number) }, attempt: 1, id: m.id });
    expect((await m.info()).meta).toEqual(out.meta);
    const file = join(tempDir(), 'reason');
    const l = await e.client.enqueue('listen', { file }, { timeout: '500ms' });
    expect((await failureOf(l.result({ timeout: '20s' }))).errorName).toBe('JobTimeoutError');
    for (let i = 0; i < 200 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(file, 'utf8')).toBe('JobTimeoutError');
  }, 60_000);

  it('a worker with a thread-isolated handler and no thread setup is refused; a setup that fails fails its jobs, naming it', async () => {
    const registry = new HandlerRegistry();
    registry.register({ name: 'where', source: 'main.where', defaults: {}, isolate: 'thread', handle: () => 0 });
    const client = new QueueClient({ connection: testConnection(), prefix: uniquePrefix('iso-setup'), registry });
    try {
      expect(() => new Worker(client, registry, { queues: ['default'] })).toThrow(InvalidOptionError);
      expect(() => new Worker(client, registry, { queues: ['default'], threads: { module: 'relative/jobs.js' } })).toThrow(/threads\.module/);
      expect(() => new Worker(client, registry, { queues: ['default'], threads: { ...SETUP, sise: 2 } as never })).toThrow(/`sise`.*one of module, export, data, size.*did you mean `size`/);
      const w = new Worker(client, registry, { queues: ['default'], threads: { ...SETUP, export: 'NAMES' } });
      w.start();
      try {
        const err = await failureOf((await client.enqueue('where', {})).result({ timeout: '20s' }));
        expect(err.errorName).toBe('ThreadSetupError');
        expect(err.errorMessage).toMatch(/thread-jobs\.mjs#NAMES is not a function/);
      } finally {
        await w.close();
      }
    } finally {
      await client.close();
    }
  }, 60_000);
});

describe("@Job(name, { isolate: 'thread' }) in a Nest application", () => {
  it('runs in a thread that built the named module, with its DI, while the event loop runs other jobs', async () => {
    const prefix = uniquePrefix('iso-nest');
    const child = new ChildWorker({ PREFIX: prefix }, 'test/fixtures/nest-threads-app.mjs');
    const client = new QueueClient({ connection: testConnection(), prefix });
    try {
      await child.waitFor(/^ready$/, 30_000);
      const heavy = await client.enqueue('heavy', { ms: 1500, name: 'thread' });
      const light = await client.enqueueMany(Array.from({ length: 5 }, (_, i) => ({ name: 'light', data: { name: `l${i}` } })));
      const lights = (await Promise.all(light.map((h) => h.result({ timeout: '30s' })))) as { threadId: number }[];
      expect(lights.every((l) => l.threadId === 0)).toBe(true);
      expect(await heavy.result({ timeout: '30s' })).toEqual({ greeting: 'hello thread', threadId: expect.any(Number), spun: true });
      expect(((await heavy.info()).result as { threadId: number }).threadId).toBeGreaterThan(0);
      child.kill('SIGTERM');
      await child.waitFor(/^closed$/, 30_000);
    } finally {
      child.kill('SIGKILL');
      await child.exited;
      await client.close();
    }
  }, 90_000);
});
