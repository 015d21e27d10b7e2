import { QueueClient, QueueInUseError } from '../src/index.js';
import { KeySpace } from '../src/core/redis/keys.js';
import { engine } from './engine.js';
import { keysOf, poll, testConnection } from './helpers.js';

describe('deleteQueue', () => {
  it('removes every key of the queue and its entries in the global keys; refused while live workers consume it unless forced', async () => {
    const e = engine('qdel', { work: (n: number) => n, boom: () => Promise.reject(new Error('boom')) }, { eventStream: true, logFailedJobs: false });
    const keys = new KeySpace(e.prefix);
    const opts = { queue: 'doomed' };
    // a job of every kind the queue can hold, with its keys
    const done = await e.client.enqueue('work', 1, { ...opts, jobId: 'doomed-1' });
    const failed = await e.client.enqueue('boom', null, opts);
    const w = e.worker({ queues: ['doomed'] });
    await done.result();
    await poll(() => failed.getStatus(), (s) => s === 'failed');
    await e.client.pauseQueue('doomed');
    const parent = await e.client.enqueue('work', 2, { ...opts, jobId: 'doomed-parent' });
    await e.client.enqueue('work', 3, { ...opts, dependsOn: parent });
    await e.client.enqueue('work', 4, { ...opts, delay: '1h', unique: true });
    await e.client.upsertSchedule('doomed-tick', { every: '1h' }, 'work', 5, opts);
    await e.redis.rpush(keys.queue('doomed').inbox, JSON.stringify({ name: 'work', data: 6 }));
    // a job of another queue waits on one of its jobs
    const survivor = await e.client.enqueue('work', 7, { queue: 'survivor', dependsOn: parent });
    expect(await survivor.getStatus()).toBe('deferred');
    const base = e.base('doomed');
    expect((await keysOf(e.redis, `${base}*`)).length).toBeGreaterThan(10);

    await expect(e.client.deleteQueue('doomed')).rejects.toThrow(QueueInUseError);
    await expect(e.client.deleteQueue('doomed')).rejects.toThrow(/1 live worker consumes it .*pass \{ force: true \}/);
    await w.close();
    const deleted = await e.client.deleteQueue('doomed');
    expect(deleted.ids).toBe(2);

    expect(await keysOf(e.redis, `${base}*`)).toEqual([]);
    expect(await e.client.getQueues()).not.toContain('doomed');
    for (const bucket of keys.idBuckets) expect(Object.values(await e.redis.hgetall(bucket))).not.toContainEqual(expect.stringMatching(/^doomed(\||$)/));
    expect(Object.values(await e.redis.hgetall(keys.workers)).filter((j) => j.includes('"doomed"'))).toEqual([]);
    expect(await e.client.getJob('doomed-1')).toBeNull();
    // a deleted dependency counts as met: the other queue's job is released
    await poll(() => survivor.getStatus(), (s) => s === 'queued');

    // the queue can be used again; a live worker's queue goes with force
    const again = await e.client.enqueue('work', 8, opts);
    expect(await e.client.getQueues()).toContain('doomed');
    e.worker({ queues: ['doomed'] });
    expect(await again.result()).toBe(8);
    await expect(e.client.deleteQueue('doomed', { force: true })).resolves.toMatchObject({ keys: expect.any(Number) });
    expect(await e.client.getJob(again.id, 'doomed')).toBeNull();
  });

  it('another producer that had used the queue lists it again with its next enqueue', async () => {
    const e = engine('qdel-relist', { work: (n: number) => n });
    const other = new QueueClient({ connection: testConnection(), prefix: e.prefix, registry: e.registry });
    try {
      await other.enqueue('work', 1, { queue: 'reused' });
      await e.client.deleteQueue('reused');
      expect(await e.client.getQueues()).not.toContain('reused');
      // that producer listed the queue before the delete; its enqueue creates the queue again, and says so
      const job = await other.enqueue('work', 2, { queue: 'reused' });
      expect(await e.client.getQueues()).toContain('reused');
      e.worker({ queues: ['reused'] });
      expect(await job.result()).toBe(2);
    } finally {
      await other.close();
    }
  });
});
