import { InvalidOptionError, type JobContext } from '../src/index.js';
import { keysOf, rawRedis, sleep } from './helpers.js';
import { engine } from './engine.js';
import { engineOf } from '../src/core/engine-of.js';

describe('dependencies', () => {
  const redis = rawRedis();
  afterAll(() => redis.disconnect());

  it('accepts a handle, an id, an array or a spec; a job waits deferred (counted) and is queued when its last dependency finishes', async () => {
    const order: string[] = [];
    const e = engine('d-forms', { j: (d: string) => void order.push(d) });
    const a = await e.client.enqueue('j', 'a');
    const b = await e.client.enqueue('j', 'b', { jobId: 'dep-b' });
    const byHandle = await e.client.enqueue('j', 'after-a', { dependsOn: a });
    const byId = await e.client.enqueue('j', 'after-b', { dependsOn: 'dep-b' });
    const byArray = await e.client.enqueue('j', 'after-both', { dependsOn: [a, 'dep-b'] });
    const bySpec = await e.client.enqueue('j', 'after-spec', { dependsOn: { jobs: [b] } });
    for (const h of [byHandle, byId, byArray, bySpec]) expect(await h.getStatus()).toBe('deferred');
    expect((await e.client.countJobs('default')).deferred).toBe(4);
    expect((await e.client.getJobIds('default', 'deferred')).sort()).toEqual([byHandle.id, byId.id, byArray.id, bySpec.id].sort());
    expect((await byArray.info()).dependencies).toEqual([a.id, 'dep-b']);
    e.worker({ concurrency: 1 });
    await Promise.all([byHandle, byId, byArray, bySpec].map((h) => h.result({ timeout: '5s' })));
    expect(order.slice(0, 2)).toEqual(['a', 'b']);
    expect(order.indexOf('after-both')).toBeGreaterThan(order.indexOf('b'));
    expect((await e.client.countJobs('default')).deferred).toBe(0);
  });

  it('a dependency already finished, or gone (deleted, expired, resultTtl 0), counts as met', async () => {
    const e = engine('d-met', { j: (d: string) => d });
    e.worker();
    const done = await e.client.enqueue('j', 'done');
    await done.result({ timeout: '5s' });
    const vanished = await e.client.enqueue('j', 'vanish', { resultTtl: 0 });
    await vanished.result({ timeout: '5s' }).catch(() => undefined);
    const deleted = await e.client.enqueue('j', 'del', { dependsOn: done, queue: 'idle' });
    await deleted.delete();
    const h = await e.client.enqueue('j', 'runs', { dependsOn: [done, vanished, deleted, 'never-existed'] });
    expect(await h.result({ timeout: '5s' })).toBe('runs');
  });

  it('works across queues, each side in its own slot, and the dependent runs in its own queue', async () => {
    const ran: string[] = [];
    const e = engine('d-cross', { j: (d: string, ctx: JobContext) => void ran.push(`${d}@${ctx.queue}`) });
    const parent = await e.client.enqueue('j', 'parent', { queue: 'left' });
    const child = await e.client.enqueue('j', 'child', { queue: 'right', dependsOn: parent });
    expect(await child.getStatus()).toBe('deferred');
    e.worker({ queues: ['right'] });
    await sleep(200);
    expect(ran).toEqual([]);
    e.worker({ queues: ['left'] });
    await child.result({ timeout: '5s' });
    expect(ran).toEqual(['parent@left', 'child@right']);
    // every key a script wrote carries one queue's hash tag
    const keys = await keysOf(redis, `${e.prefix}:*`);
    for (const k of keys) expect(k === `${e.prefix}:queues` || /^[^{]+:\{(left|right)\}:/.test(k)).toBe(true);
  });

  it('a cross-queue registration left in an outbox by a crashed producer is redelivered by maintenance', async () => {
    const e = engine('d-crash', { j: (d: string) => d });
    const parent = await e.client.enqueue('j', 'p', { queue: 'left' });
    const outbox = engineOf(e.client).outbox;
    const deliver = outbox.drain.bind(outbox);
    outbox.drain = async () => undefined; // the producer "dies" right after its enqueue script
    const child = await e.client.enqueue('j', 'c', { queue: 'right', dependsOn: parent });
    outbox.drain = deliver;
    expect(await redis.llen(`${e.base('right')}outbox`)).toBe(1);
    e.worker({ queues: ['left', 'right'], leaseTime: '300ms' });
    await parent.result({ timeout: '5s' });
    expect(await child.result({ timeout: '15s' })).toBe('c');
  }, 30_000);

  it('a cross-queue message claimed by a deliverer that never acknowledged it is delivered again within seconds, not a lease later', async () => {
    const e = engine('d-claim', { j: (d: string) => d });
    const parent = await e.client.enqueue('j', 'p', { queue: 'left' });
    // the delivery fails after its claim (as when its process dies there): the parent's dependents set is not a set
    const dependents = `${e.base('left')}dependents:${parent.id}`;
    await redis.set(dependents, 'not a set');
    await expect(e.client.enqueue('j', 'c', { queue: 'right', dependsOn: parent, jobId: 'claimed-child' })).rejects.toThrow(/WRONGTYPE/);
    const child = (await e.client.getJob('claimed-child', 'right'))!;
    await redis.del(dependents);
    const claimed = await redis.zrange(`${e.base('right')}outbox:claimed`, '0', '-1', 'WITHSCORES');
    expect(claimed).toHaveLength(2);
    const [sec, usec] = await redis.time();
    const claimLeftMs = Number(claimed[1]) - (Number(sec) * 1000 + Math.floor(Number(usec) / 1000));
    expect(claimLeftMs).toBeLessThanOrEqual(2_000);
    e.worker({ queues: ['left', 'right'], leaseTime: '3s' });
    expect(await parent.result({ timeout: '5s' })).toBe('p');
    expect(await child.result({ timeout: '10s' })).toBe('c');
  }, 30_000);

  it("failure, by default (RQ): the dependent stays deferred, and runs once the dependency is requeued and finishes", async () => {
    let fail = true;
    const e = engine('d-wait', { flaky: () => { if (fail) throw new Error('no'); return 'yes'; }, j: (d: string) => d });
    const dep = await e.client.enqueue('flaky');
    const same = await e.client.enqueue('j', 'same', { dependsOn: dep });
    const other = await e.client.enqueue('j', 'other', { dependsOn: dep, queue: 'q2' });
    e.worker({ queues: ['default', 'q2'] });
    await expect(dep.result({ timeout: '5s' })).rejects.toMatchObject({ errorMessage: 'no' });
    await sleep(200);
    expect(await same.getStatus()).toBe('deferred');
    expect(await other.getStatus()).toBe('deferred');
    fail = false;
    await dep.requeue();
    expect(await same.result({ timeout: '5s' })).toBe('same');
    expect(await other.result({ timeout: '5s' })).toBe('other');
  });

  it('allowFailure queues the dependent when its dependency fails; a canceled or stopped dependency never satisfies', async () => {
    const e = engine('d-allow', { bad: () => { throw new Error('x'); }, j: (d: string) => d, hang: (_d: unknown, ctx: JobContext) => new Promise((r) => ctx.signal.addEventListener('abort', r)) });
    const bad = await e.client.enqueue('bad');
    const allowed = await e.client.enqueue('j', 'ran anyway', { dependsOn: { jobs: bad, allowFailure: true } });
    const canceledDep = await e.client.enqueue('j', 'never', { queue: 'parked' });
    const afterCanceled = await e.client.enqueue('j', 'n1', { dependsOn: { jobs: canceledDep, allowFailure: true } });
    await canceledDep.cancel();
    const hang = await e.client.enqueue('hang');
    const afterStopped = await e.client.enqueue('j', 'n2', { dependsOn: { jobs: hang, allowFailure: true } });
    const w = e.worker();
    expect(await allowed.result({ timeout: '5s' })).toBe('ran anyway');
    for (let i = 0; i < 200 && w.activeCount === 0; i++) await sleep(5);
    await hang.stop();
    await sleep(200);
    expect(await afterCanceled.getStatus()).toBe('deferred');
    expect(await afterStopped.getStatus()).toBe('deferred');
  });

  it("onDependencyFailure 'cancel' cancels the dependent and its own dependents, across queues, with the reason", async () => {
    const e = engine('d-cancel', { bad: () => { throw new Error('x'); }, j: (d: string) => d });
    const bad = await e.client.enqueue('bad');
    const child = await e.client.enqueue('j', 'c', { dependsOn: bad, onDependencyFailure: 'cancel' });
    const grandchild = await e.client.enqueue('j', 'g', { dependsOn: child, queue: 'far', onDependencyFailure: 'cancel' });
    const waiter = await e.client.enqueue('j', 'w', { dependsOn: child, queue: 'far' }); // default: wait
    e.worker();
    await bad.result({ timeout: '5s' }).catch(() => undefined);
    await expect(child.result({ timeout: '5s' })).rejects.toMatchObject({
      status: 'canceled',
      errorName: 'DependencyFailedError',
      errorMessage: expect.stringContaining(`default|${bad.id}`),
    });
    await expect(grandchild.result({ timeout: '5s' })).rejects.toMatchObject({ status: 'canceled', errorMessage: expect.stringContaining(child.id) });
    expect(await waiter.getStatus()).toBe('deferred');
    // enqueueing behind an already-failed dependency with 'cancel' is canceled at once
    const late = await e.client.enqueue('j', 'late', { dependsOn: bad, onDependencyFailure: 'cancel' });
    expect(await late.getStatus()).toBe('canceled');
  });

  it('atFront of a deferred job is kept when it is released, also from the dependency spec', async () => {
    const e = engine('d-front', { j: (d: string) => d });
    const dep = await e.client.enqueue('j', 'dep', { queue: 'first' });
    const front = await e.client.enqueue('j', 'front', { dependsOn: dep, atFront: true });
    const front2 = await e.client.enqueue('j', 'front2', { dependsOn: { jobs: dep, atFront: true } });
    await e.client.enqueueMany([{ name: 'j', data: 'x1' }, { name: 'j', data: 'x2' }]);
    e.worker({ queues: ['first'] });
    await dep.result({ timeout: '5s' });
    for (let i = 0; i < 100 && (await front2.getStatus()) === 'deferred'; i++) await sleep(10);
    const queued = await e.client.getJobIds('default', 'queued');
    expect(queued.slice(0, 2).sort()).toEqual([front.id, front2.id].sort());
    expect(queued).toHaveLength(4);
  });

  it('enqueueMany: items may depend on each other (in any order, across queues) and on existing jobs; order is kept', async () => {
    const ran: string[] = [];
    const e = engine('d-batch', { j: (d: string) => void ran.push(d) });
    const existing = await e.client.enqueue('j', 'existing');
    const hs = await e.client.enqueueMany([
      { name: 'j', data: 'child-first', options: { dependsOn: ['p1', 'p2'] } },
      { name: 'j', data: 'p1', options: { jobId: 'p1' } },
      { name: 'j', data: 'p2', options: { jobId: 'p2', queue: 'other', dependsOn: existing } },
      { name: 'j', data: 'plain' },
    ]);
    expect(await Promise.all(hs.map((h) => h.getStatus()))).toEqual(['deferred', 'queued', 'deferred', 'queued']);
    expect(await e.client.getJobIds('default', 'queued')).toEqual([existing.id, 'p1', hs[3]!.id]);
    e.worker({ queues: ['default', 'other'], concurrency: 1 });
    await hs[0]!.result({ timeout: '5s' });
    expect(ran.indexOf('child-first')).toBeGreaterThan(ran.indexOf('p1'));
    expect(ran.indexOf('child-first')).toBeGreaterThan(ran.indexOf('p2'));
    expect(ran.indexOf('p2')).toBeGreaterThan(ran.indexOf('existing'));
    expect(ran.sort()).toEqual(['child-first', 'existing', 'p1', 'p2', 'plain']);
  });

  it('rejects bad dependsOn input and stores nothing', async () => {
    const e = engine('d-bad', { j: () => 1 });
    await expect(e.client.enqueue('j', 1, { dependsOn: 5 as never })).rejects.toThrow(/dependsOn\[0\].*a JobHandle or a job id/);
    await expect(e.client.enqueue('j', 1, { dependsOn: 'bad id' })).rejects.toThrow(/`dependsOn\[0\]`: got "bad id"/);
    await expect(e.client.enqueue('j', 1, { dependsOn: { jobs: 'x', allowFailure: 'yes' as never } })).rejects.toThrow(/dependsOn.allowFailure/);
    await expect(e.client.enqueue('j', 1, { dependsOn: { jobs: 'x', later: true } as never })).rejects.toThrow(/dependsOn.later/);
    await expect(e.client.enqueue('j', 1, { jobId: 'me', dependsOn: 'me' })).rejects.toThrow(/cannot depend on itself/);
    await expect(e.client.enqueue('j', 1, { onDependencyFailure: 'explode' as never })).rejects.toBeInstanceOf(InvalidOptionError);
    expect(await keysOf(redis, `${e.prefix}:{*`)).toEqual([]);
  });
});
