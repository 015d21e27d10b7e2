import type { JobContext } from '../src/index.js';
import { engine } from './engine.js';

describe('dependencies under concurrency and at scale', () => {
  it.each([
    ['in one queue', 'race-a', 'race-a'],
    ['across queues', 'race-p', 'race-d'],
  ])('dependencies finishing while dependents are enqueued (%s): every dependent runs exactly once', async (_label, parentQueue, childQueue) => {
    const runs = new Map<string, number>();
    const e = engine('d-race', {
      j: (_d: unknown, ctx: JobContext) => void runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1),
    });
    const pairs = 2000;
    const parents = await e.client.enqueueMany(Array.from({ length: pairs }, () => ({ name: 'j', options: { queue: parentQueue } })));
    // parents run while their dependents are being enqueued, one call each, many in flight
    e.worker({ queues: [...new Set([parentQueue, childQueue])], concurrency: 50 });
    const children = await Promise.all(parents.map((p) => e.client.enqueue('j', null, { queue: childQueue, dependsOn: p })));
    await Promise.all(children.map((c) => c.result({ timeout: '30s' })));
    for (const h of [...parents, ...children]) expect(runs.get(h.id)).toBe(1);
    const counts = await e.client.countJobs(childQueue);
    expect(counts.deferred).toBe(0);
    expect(counts.queued).toBe(0);
  }, 60_000);

  it('fan-out: one job with 10,000 dependents releases them all', async () => {
    let ran = 0;
    const e = engine('d-fanout', { j: () => void ran++ });
    const root = await e.client.enqueue('j', null, { queue: 'root' });
    const deps = await e.client.enqueueMany(Array.from({ length: 10_000 }, () => ({ name: 'j', options: { dependsOn: root } })));
    expect((await e.client.countJobs('default')).deferred).toBe(10_000);
    e.worker({ queues: ['root', 'default'], concurrency: 100 });
    await Promise.all(deps.map((d) => d.result({ timeout: '60s' })));
    expect(ran).toBe(10_001);
  }, 90_000);

  it('fan-in: one job with 1,000 dependencies runs once, after the last', async () => {
    const finished = new Set<string>();
    let sinkRuns = 0;
    let sawAll = false;
    const e = engine('d-fanin', {
      leaf: (_d: unknown, ctx: JobContext) => void finished.add(ctx.id),
      sink: () => {
        sinkRuns++;
        sawAll = finished.size === 1000;
      },
    });
    const leaves = await e.client.enqueueMany(Array.from({ length: 1000 }, (_, i) => ({ name: 'leaf', options: { queue: i % 2 ? 'odd' : 'even' } })));
    const sink = await e.client.enqueue('sink', null, { dependsOn: leaves });
    e.worker({ queues: ['odd', 'even', 'default'], concurrency: 50 });
    await sink.result({ timeout: '30s' });
    expect(sinkRuns).toBe(1);
    expect(sawAll).toBe(true);
  }, 60_000);

  it('a chain of 1,000 runs in order', async () => {
    const order: number[] = [];
    const e = engine('d-chain', { step: (n: number) => void order.push(n) });
    const items = Array.from({ length: 1000 }, (_, i) => ({
      name: 'step',
      data: i,
      options: { jobId: `s${i}`, ...(i ? { dependsOn: `s${i - 1}` } : {}) },
    }));
    const hs = await e.client.enqueueMany(items);
    e.worker({ concurrency: 20 });
    await hs[999]!.result({ timeout: '60s' });
    expect(order).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  }, 90_000);
});

describe('chain(): pipelines', () => {
  it("passes each job's result as the next job's data, across queues", async () => {
    const e = engine('d-pipe', {
      fetch: (url: string) => url.length,
      double: (n: number) => n * 2,
      isEven: (n: number) => n % 2 === 0,
    });
    const a = await e.client.enqueue('fetch', 'https://x.dev');
    const c = await (await a.chain('double', { queue: 'math' })).chain('isEven');
    expect(c.name).toBe('isEven');
    e.worker({ queues: ['default', 'math'] });
    expect(await c.result({ timeout: '5s' })).toBe(true);
    const b = (await e.client.getJobIds('math', 'finished'))[0]!;
    expect((await (await e.client.getJob(b))!.info()).data).toBe(13); // "https://x.dev".length, doubled to 26 by b
    // a handle is never a thenable: awaiting it gives the handle itself
    expect(await Promise.resolve(a)).toBe(a);
  });

  it('chaining onto a job that has already finished runs at once with its result', async () => {
    const e = engine('d-pipe2', { one: () => ({ v: 1 }), inc: (d: { v: number }) => d.v + 1 });
    e.worker();
    const a = await e.client.enqueue('one');
    await a.result({ timeout: '5s' });
    const b = await a.chain('inc');
    expect(await b.result({ timeout: '5s' })).toBe(2);
    await expect(a.chain('inc', { dependsOn: 'x' })).rejects.toThrow(/chain\(\) makes the new job depend/);
  });
});
