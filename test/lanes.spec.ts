// Lanes (priorities inside one queue: strict and weighted), the `.default` fallback, lanes seen by processes that did
// not declare them, jobs going back to their own lane, counts per lane, and a queue's rate limit shared by processes.
import { execFile } from 'node:child_process';
import { InvalidOptionError, QueueClient, type JobContext } from '../src/index.js';
import { ChildWorker } from './child.js';
import { engine } from './engine.js';
import { clusterNodes, deferred, onCluster, poll, servers, testConnection, until } from './helpers.js';

const LANES = { inf: { lanes: ['premium', 'standard', 'default'] } };

describe('lanes', () => {
  it('runs strictly the highest lane with jobs first, each lane in order, at concurrency 1', async () => {
    const order: string[] = [];
    const e = engine('lanes-strict', { tick: (d: { k: string }) => void order.push(d.k) }, { queues: LANES });
    // declared by a worker's start; enqueued while it cannot run them (paused), so every lane has jobs at once
    await e.client.pauseQueue('inf');
    e.worker({ queues: ['inf'], concurrency: 1 });
    const items = [];
    for (let i = 0; i < 4; i++) {
      for (const lane of ['default', 'standard', 'premium']) items.push({ name: 'tick', data: { k: `${lane}${i}` }, options: { queue: `inf.${lane}` } });
    }
    await until('the lanes declared', async () => (await e.client.countJobs('inf')).queued === 0 && (await e.redis.hget(`${e.base('inf')}meta`, 'lanes')) !== null);
    await e.client.enqueueMany(items);
    expect((await e.client.countJobs('inf')).queued).toBe(12);
    await e.client.resumeQueue('inf');
    await until('all ran', () => order.length === 12);
    expect(order).toEqual(['premium', 'standard', 'default'].flatMap((l) => [0, 1, 2, 3].map((i) => `${l}${i}`)));
  });

  it('shares the fetches in the proportions of the weights (smooth weighted round robin), measured over 400 jobs', async () => {
    const order: string[] = [];
    const done = deferred();
    const e = engine(
      'lanes-weights',
      {
        tick: (d: { l: string }) => {
          order.push(d.l);
          if (order.length === 400) done.resolve();
        },
      },
      { queues: { inf: { lanes: ['premium', 'standard', 'default'], weights: { premium: 5, standard: 2 } } } },
    );
    await e.client.pauseQueue('inf');
    e.worker({ queues: ['inf'], concurrency: 1 });
    await until('the lanes declared', async () => (await e.redis.hget(`${e.base('inf')}meta`, 'lanes')) !== null);
    // 400 in each lane: every lane has jobs throughout the 400 measured
    const items = ['default', 'standard', 'premium'].flatMap((l) => Array.from({ length: 400 }, () => ({ name: 'tick', data: { l }, options: { queue: 'inf', priority: l } })));
    await e.client.enqueueMany(items);
    await e.client.resumeQueue('inf');
    await done.promise;
    const first = order.slice(0, 400);
    const count = (l: string) => first.filter((x) => x === l).length;
    // 5:2:1 of 400 is 250:100:50; strict order would give 400:0:0 and a fair share about 133 each
    expect(Math.abs(count('premium') - 250)).toBeLessThanOrEqual(2);
    expect(Math.abs(count('standard') - 100)).toBeLessThanOrEqual(2);
    expect(Math.abs(count('default') - 50)).toBeLessThanOrEqual(2);
    // spread evenly: no 8 jobs in a row without a lower lane (its share is 1 in 8)
    for (let i = 0; i + 8 <= 400; i++) expect(first.slice(i, i + 8)).toContain('default');
  });

  it('puts a job that names no lane in `default`, else the first lane, and refuses an unknown lane naming the lanes', async () => {
    const e = engine('lanes-fallback', { tick: () => undefined }, { queues: { ...LANES, two: { lanes: ['high', 'low'] } } });
    const a = await e.client.enqueue('tick', {}, { queue: 'inf' });
    const b = await e.client.enqueue('tick', {}, { queue: 'two' });
    const c = await e.client.enqueue('tick', {}, { queue: 'inf.premium' });
    expect([a.queue, b.queue, c.queue]).toEqual(['inf', 'two', 'inf']);
    expect(await e.client.getJobIds('inf.default', 'queued')).toEqual([a.id]);
    expect(await e.client.getJobIds('two.high', 'queued')).toEqual([b.id]);
    expect(await e.client.getJobIds('inf.premium', 'queued')).toEqual([c.id]);
    expect([(await c.info()).lane, (await a.info()).lane, (await b.info()).lane]).toEqual(['premium', null, null]);
    const unknown = e.client.enqueue('tick', {}, { queue: 'inf', priority: 'gold' });
    await expect(unknown).rejects.toThrow(InvalidOptionError);
    await expect(unknown).rejects.toThrow('Invalid option `priority`: got "gold"; expected a lane of queue "inf": one of premium, standard, default.');
    await expect(e.client.enqueue('tick', {}, { queue: 'inf.gold' })).rejects.toThrow('expected a lane of queue "inf": one of premium, standard, default');
    await expect(e.client.enqueue('tick', {}, { queue: 'plain', priority: 'high' })).rejects.toThrow('queue "plain" has no lanes');
    await expect(e.client.enqueue('tick', {}, { queue: 'inf', priority: 'a.b' })).rejects.toThrow(InvalidOptionError);
    // a dotted queue name whose first part has no lanes is a queue of its own
    const d = await e.client.enqueue('tick', {}, { queue: 'plain.x' });
    expect(d.queue).toBe('plain.x');
    expect(() => new QueueClient({ connection: testConnection(), queues: { q: { lanes: ['a', 'a'] } } })).toThrow(InvalidOptionError);
    expect(() => new QueueClient({ connection: testConnection(), queues: { q: { lanes: ['a.b'] } } })).toThrow('[A-Za-z0-9_-]');
    expect(() => new QueueClient({ connection: testConnection(), queues: { q: { lanes: ['a'], weights: { b: 2 } } } })).toThrow('one of the queue\'s lanes (a)');
    expect(() => new QueueClient({ connection: testConnection(), queues: { q: { rateLimit: { max: 0, per: '1s' } } } })).toThrow('queues.q.rateLimit.max');
  });

  it('counts and lists per lane and for the whole queue, and empties every lane', async () => {
    const e = engine('lanes-counts', { tick: () => undefined }, { queues: LANES });
    const p = await e.client.enqueueMany([1, 2].map(() => ({ name: 'tick', options: { queue: 'inf', priority: 'premium' } })));
    const s = await e.client.enqueueMany([1, 2, 3].map(() => ({ name: 'tick', options: { queue: 'inf.standard' } })));
    const d = await e.client.enqueue('tick', {}, { queue: 'inf' });
    expect((await e.client.countJobs('inf')).queued).toBe(6);
    expect((await e.client.countJobs('inf.premium')).queued).toBe(2);
    expect((await e.client.countJobs('inf.standard')).queued).toBe(3);
    expect((await e.client.countJobs('inf.default')).queued).toBe(1);
    const ids = (hs: { id: string }[]) => hs.map((h) => h.id);
    expect(await e.client.getJobIds('inf', 'queued')).toEqual([...ids(p), ...ids(s), d.id]);
    // a range across lanes
    expect(await e.client.getJobIds('inf', 'queued', 1, 3)).toEqual([p[1]!.id, s[0]!.id, s[1]!.id]);
    expect(await e.client.getJobIds('inf.standard', 'queued', -2, -1)).toEqual(ids(s).slice(1));
    const [summary] = await e.client.getQueueSummaries(['inf']);
    expect(summary!.lanes).toEqual([
      { lane: 'premium', queued: 2 },
      { lane: 'standard', queued: 3 },
      { lane: 'default', queued: 1 },
    ]);
    await s[0]!.cancel();
    expect((await e.client.countJobs('inf.standard')).queued).toBe(2);
    expect(await e.client.emptyQueue('inf')).toBe(5);
    expect((await e.client.countJobs('inf')).queued).toBe(0);
  });

  it('shows the queued jobs of each lane in `jobline queues`', async () => {
    const e = engine('lanes-cli', { tick: () => undefined }, { queues: LANES });
    await e.client.enqueueMany([
      { name: 'tick', options: { queue: 'inf.premium' } },
      { name: 'tick', options: { queue: 'inf.standard' } },
      { name: 'tick', options: { queue: 'inf.standard' } },
    ]);
    const target = onCluster() ? ['--cluster', clusterNodes().map((n) => `${n.host}:${n.port}`).join(',')] : [];
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['dist/cli/main.js', ...target, '--prefix', e.prefix, 'queues'], { env: { ...process.env, NO_COLOR: '1', JOBLINE_CLUSTER_NODES: '' }, timeout: 60_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout),
      ),
    );
    expect(out).toMatch(/\ninf\s+3\s+0\s/);
    expect(out).toMatch(/\n\s+\.premium\s+1\n\s+\.standard\s+2\n\s+\.default\s+0\n/);
  });

  it('sends retried and delayed jobs back to their own lane, and atFront to the front of it', async () => {
    const release = deferred();
    const started = deferred<string>();
    const e = engine(
      'lanes-back',
      {
        flaky: async (_d: unknown, ctx: JobContext) => {
          started.resolve(ctx.id);
          await release.promise;
          if (ctx.attempt === 1) throw new Error('first run fails');
        },
        tick: () => undefined,
      },
      { queues: LANES },
    );
    e.worker({ queues: ['inf'], concurrency: 1 });
    const job = await e.client.enqueue('flaky', {}, { queue: 'inf.standard', retry: 1 });
    expect(await started.promise).toBe(job.id);
    // paused while it runs: its retry waits in its lane instead of running again
    await e.client.pauseQueue('inf');
    const other = await e.client.enqueue('tick', {}, { queue: 'inf.standard' });
    const delayed = await e.client.enqueue('tick', {}, { queue: 'inf', priority: 'standard', delay: '700ms' });
    const front = await e.client.enqueue('tick', {}, { queue: 'inf.standard', atFront: true });
    release.resolve();
    await poll(() => e.client.getJobIds('inf.standard', 'queued'), (ids) => ids.length === 4);
    expect(await e.client.getJobIds('inf.standard', 'queued')).toEqual([front.id, other.id, job.id, delayed.id]);
    expect((await e.client.countJobs('inf.default')).queued).toBe(0);
    expect(await job.getStatus()).toBe('queued');
    expect(await delayed.getStatus()).toBe('queued');
  });

  it('is seen by a producer process that did not declare the lanes', async () => {
    const e = engine('lanes-producer', { tick: () => undefined }, { queues: LANES });
    e.worker({ queues: ['inf'] });
    await until('the lanes declared', async () => (await e.redis.hget(`${e.base('inf')}meta`, 'lanes')) !== null);
    await e.client.pauseQueue('inf');
    const child = new ChildWorker({ PREFIX: e.prefix, QUEUE: 'inf', PRIORITY: 'premium,inf.standard,gold' }, 'test/fixtures/lanes-app.mjs');
    expect((await child.exited).code).toBe(0);
    const [premium] = child.printed(/^queued (\S+) inf$/);
    const [standard] = child.printed(/^queued (\S+) inf$/).slice(1);
    expect(await e.client.getJobIds('inf.premium', 'queued')).toEqual([premium![1]]);
    expect(await e.client.getJobIds('inf.standard', 'queued')).toEqual([standard![1]]);
    expect(child.printed(/^refused InvalidOptionError: .*one of premium, standard, default/)).toHaveLength(1);
  });
});

describe('rate limit', () => {
  it('holds across two consumer processes: no window of `per` starts more than `max` jobs', async () => {
    const e = engine('rate-procs', {});
    const env = { PREFIX: e.prefix, QUEUE: 'mail', RATE_MAX: '10', RATE_PER: '500ms' };
    const a = new ChildWorker(env);
    const b = new ChildWorker(env);
    try {
      // two process starts at once on a loaded machine: generous
      await Promise.all([a.waitFor(/^ready/, 30_000), b.waitFor(/^ready/, 30_000)]);
      await until('the limit declared', async () => (await e.redis.hget(`${e.base('mail')}meta`, 'rate')) === '10 500');
      const jobs = await e.client.enqueueMany(Array.from({ length: 30 }, () => ({ name: 'tick', options: { queue: 'mail' } })));
      await until('all ran', () => a.printed(/^ran /).length + b.printed(/^ran /).length === 30, 20_000);
      // Redis time of each start
      const starts = (await Promise.all(jobs.map(async (j) => (await j.info()).startedAt!.getTime()))).sort((x, y) => x - y);
      for (let i = 0; i + 10 < starts.length; i++) expect(starts[i + 10]! - starts[i]!).toBeGreaterThanOrEqual(500);
      // 30 jobs at 10 per 500 ms: the last window's starts come a second after the first
      expect(starts[29]! - starts[0]!).toBeGreaterThanOrEqual(1000);
      expect(a.printed(/^ran /).length).toBeGreaterThan(0);
      expect(b.printed(/^ran /).length).toBeGreaterThan(0);
    } finally {
      a.kill('SIGTERM');
      b.kill('SIGTERM');
      await Promise.all([a.exited, b.exited]);
    }
  });

  it('blocks a limited worker until it may fetch again, without polling', async () => {
    const e = engine('rate-block', { tick: () => undefined }, { queues: { mail: { rateLimit: { max: 5, per: '1500ms' } } } });
    e.worker({ queues: ['mail'], concurrency: 10 });
    await until('the limit declared', async () => (await e.redis.hget(`${e.base('mail')}meta`, 'rate')) !== null);
    const jobs = await e.client.enqueueMany(Array.from({ length: 10 }, () => ({ name: 'tick', options: { queue: 'mail' } })));
    await until('the first 5 ran', async () => (await e.client.countJobs('mail')).finished === 5);
    // the scripts run on the servers in 1 s of a 1.5 s wait: a polling worker would make hundreds of calls
    const calls = async () => {
      let n = 0;
      for (const s of await servers(e.redis)) n += Number(/cmdstat_evalsha:calls=(\d+)/.exec(await s.info('commandstats'))?.[1] ?? 0);
      return n;
    };
    const before = await calls();
    await new Promise((r) => setTimeout(r, 1000));
    const during = (await calls()) - before;
    expect((await e.client.countJobs('mail')).finished).toBe(5);
    // a few: the worker's lease renewal and maintenance, this test's reads; other test files may run meanwhile on
    // the cluster pass's shared servers, hence a bound well above those and far below polling
    expect(during).toBeLessThan(onCluster() ? 200 : 60);
    await until('the rest ran once the window moved on', async () => (await e.client.countJobs('mail')).finished === 10, 10_000);
    const starts = (await Promise.all(jobs.map(async (j) => (await j.info()).startedAt!.getTime()))).sort((x, y) => x - y);
    expect(starts[5]! - starts[0]!).toBeGreaterThanOrEqual(1500);
  });
});
