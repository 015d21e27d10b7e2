import { engineOf } from '../src/core/engine-of.js';
import type { JobContext } from '../src/index.js';
import { ChildWorker } from './child.js';
import { engine } from './engine.js';
import { deferred } from './helpers.js';

describe('at least once: leases, crashes and graceful shutdown', () => {
  const children: ChildWorker[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.kill('SIGKILL');
      await c.exited;
    }
  });

  it('a job whose worker process is killed with SIGKILL mid-job is reclaimed and run again by another worker', async () => {
    const runs: number[] = [];
    const e = engine('lease-kill', { hang: (_d: unknown, ctx: JobContext) => (runs.push(ctx.attempt), `done on attempt ${ctx.attempt}`) });
    const h = await e.client.enqueue('hang', { n: 1 });
    const child = new ChildWorker({ PREFIX: e.prefix, LEASE: '1s' });
    children.push(child);
    const [, id, attempt] = await child.waitFor(/^started (\S+) (\d+)$/);
    expect(id).toBe(h.id);
    expect(attempt).toBe('1');
    expect(await h.getStatus()).toBe('started');
    child.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');
    expect(await h.getStatus()).toBe('started'); // nobody has noticed yet: the lease still runs
    e.worker({ leaseTime: '1s' });
    expect(await h.result({ timeout: '10s' })).toBe('done on attempt 2');
    expect(runs).toEqual([2]);
    expect((await h.info()).attempts).toBe(2);
  });

  it('every job a killed worker held comes back with its lease: its held set and lease entry are cleared', async () => {
    const e = engine('lease-many', { hang: (_d: unknown, ctx: JobContext) => `done on attempt ${ctx.attempt}` });
    const hs = await e.client.enqueueMany([1, 2, 3].map((i) => ({ name: 'hang', data: { i } })));
    const child = new ChildWorker({ PREFIX: e.prefix, LEASE: '1s' });
    children.push(child);
    const [, wid] = await child.waitFor(/^ready (\S+)$/);
    for (let i = 0; i < 3; i++) await child.waitFor(new RegExp(`^started ${hs[i]!.id} 1$`));
    const base = e.base('default');
    expect((await e.redis.smembers(`${base}held:${wid}`)).sort()).toEqual(hs.map((h) => `${h.id}|1`).sort());
    child.kill('SIGKILL');
    await child.exited;
    e.worker({ leaseTime: '1s' });
    for (const h of hs) expect(await h.result({ timeout: '10s' })).toBe('done on attempt 2');
    expect(await e.redis.exists(`${base}held:${wid}`)).toBe(0);
    expect(await e.redis.zscore(`${base}workers`, wid!)).toBeNull();
  });

  it('a job a live worker holds without knowing it (its fetch reply was lost) is released at its next renewals, not left started', async () => {
    const runs: number[] = [];
    const gate = deferred();
    const e = engine('lease-orphan', { run: (_d: unknown, ctx: JobContext) => void runs.push(ctx.attempt), busy: () => gate.promise });
    // the worker stays busy, so it renews its lease (and would keep an unknown job held for as long as it lives)
    const busy = await e.client.enqueue('busy');
    const w = e.worker({ leaseTime: '600ms', concurrency: 1 });
    for (let i = 0; i < 200 && (await busy.getStatus()) !== 'started'; i++) await new Promise((r) => setTimeout(r, 5));
    const orphan = await e.client.enqueue('run');
    // a fetch for this worker whose reply never reached it, as when a command is resent after a dropped connection
    const engineOfClient = engineOf(e.client);
    await engineOfClient.run('work', 'default', [w.id, 600, 1, ''], { held: engineOfClient.queue('default').held(w.id) });
    expect(await orphan.getStatus()).toBe('started');
    // released back to the queue while the worker is still busy (its lease renewed all along: no reclaim) ...
    for (let i = 0; i < 500 && (await orphan.getStatus()) !== 'queued'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await orphan.getStatus()).toBe('queued');
    // ... with this run not counted, so it then runs as attempt 1 (a reclaim would have made it attempt 2)
    gate.resolve();
    await orphan.result({ timeout: '10s' });
    expect(runs).toEqual([1]);
    expect((await orphan.info()).attempts).toBe(1);
  });

  it('a job with no attempts left is failed as abandoned when its worker dies', async () => {
    const runs: number[] = [];
    const e = engine('lease-abandon', { hang: () => void runs.push(1) });
    const h = await e.client.enqueue('hang', null, { attempts: 1 });
    const child = new ChildWorker({ PREFIX: e.prefix, LEASE: '1s' });
    children.push(child);
    await child.waitFor(/^started /);
    child.kill('SIGKILL');
    await child.exited;
    e.worker({ leaseTime: '1s' });
    await expect(h.result({ timeout: '10s' })).rejects.toMatchObject({
      status: 'failed',
      errorName: 'JobAbandonedError',
      errorMessage: expect.stringMatching(/stopped renewing its lease.*attempt 1 of 1.*Raise `attempts`/),
    });
    expect(runs).toEqual([]);
    expect(await e.client.getJobIds('default', 'failed')).toEqual([h.id]);
  });

  it('one lease per worker: its running jobs are listed as started through its held set, and leave it as they end', async () => {
    const release: (() => void)[] = [];
    const e = engine('lease-held', { wait: () => new Promise<void>((r) => release.push(r)) });
    const hs = await e.client.enqueueMany([1, 2, 3].map((i) => ({ name: 'wait', data: { i } })));
    const w = e.worker({ concurrency: 5 });
    for (let i = 0; i < 200 && release.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    const base = e.base('default');
    const redis = e.redis;
    // one lease entry for the worker however many jobs it runs, and its jobs in its held set
    expect(await redis.zrange(`${base}workers`, '0', '-1')).toEqual([w.id]);
    // its held set names each job with the attempt it runs: membership is its proof of ownership
    expect((await redis.smembers(`${base}held:${w.id}`)).sort()).toEqual(hs.map((h) => `${h.id}|1`).sort());
    expect((await e.client.getJobIds('default', 'started')).sort()).toEqual(hs.map((h) => h.id).sort());
    expect((await e.client.countJobs('default')).started).toBe(3);
    expect(await e.client.getJobIds('default', 'started', 0, 1)).toHaveLength(2);
    release.splice(0).forEach((r) => r());
    for (const h of hs) await h.result({ timeout: '5s' });
    expect(await redis.scard(`${base}held:${w.id}`)).toBe(0);
    expect((await e.client.countJobs('default')).started).toBe(0);
  });

  it('a live worker renews the leases of long jobs: they are never reclaimed while it runs', async () => {
    const runs: string[] = [];
    const e = engine('lease-renew', {
      long: (_d: unknown, ctx: JobContext) => new Promise((r) => setTimeout(() => r(runs.push(ctx.id)), 1500)),
    });
    const h = await e.client.enqueue('long');
    e.worker({ leaseTime: '400ms' }); // lease far shorter than the job: only renewal keeps it
    e.worker({ leaseTime: '400ms' }); // a second worker whose maintenance would reclaim an expired lease
    expect(await h.result({ timeout: '10s' })).toBe(1);
    expect(runs).toEqual([h.id]);
    expect((await h.info()).attempts).toBe(1);
  });

  it('SIGTERM: the worker stops fetching, releases the job it could not finish back to the queue, and exits', async () => {
    const e = engine('lease-term', { hang: (_d: unknown, ctx: JobContext) => `finished by the next worker, attempt ${ctx.attempt}` });
    const h = await e.client.enqueue('hang');
    const later = await e.client.enqueue('hang');
    const child = new ChildWorker({ PREFIX: e.prefix, LEASE: '30s', SHUTDOWN: '200ms' });
    children.push(child);
    await child.waitFor(/^started /);
    child.kill('SIGTERM');
    await child.waitFor(/^closed$/);
    expect((await child.exited).code).toBe(0);
    // released, not left `started` for 30 s, and the shutdown does not count as an attempt
    const info = await h.info();
    expect(info.status).toBe('queued');
    expect(info.attempts).toBe(0);
    expect(await e.client.getJobIds('default', 'started')).toEqual([]);
    e.worker();
    expect(await h.result({ timeout: '5s' })).toBe('finished by the next worker, attempt 1');
    expect(await later.result({ timeout: '5s' })).toBe('finished by the next worker, attempt 1');
  });

  it('close() waits for running jobs up to shutdownTimeout', async () => {
    let finished = false;
    const e = engine('lease-wait', { work: () => new Promise((r) => setTimeout(() => r((finished = true)), 300)) });
    const h = await e.client.enqueue('work');
    const w = e.worker({ shutdownTimeout: '5s' });
    for (let i = 0; i < 200 && w.activeCount === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await w.close();
    expect(finished).toBe(true);
    expect(await h.getStatus()).toBe('finished');
  });
});
