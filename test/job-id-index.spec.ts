import { DEFAULTS } from '../src/core/model/defaults.js';
import { buildJobSpec } from '../src/core/model/job-spec.js';
import { enqueueArgs } from '../src/core/redis/enqueue-codec.js';
import { KeySpace } from '../src/core/redis/keys.js';
import { runScript } from '../src/core/redis/scripts.js';
import { engine } from './engine.js';
import { sleep } from './helpers.js';

// A caller-chosen jobId names one job across all queues (job-id-index.ts): reserve in the id's bucket, store in the
// queue's slot, commit; a taken-over reservation fences the old queue so a late store there makes nothing.
describe('caller-chosen job ids across queues', () => {
  const e = engine('ids', { j: (d: unknown) => d });
  afterAll(() => e.close());
  const keys = new KeySpace(e.prefix);
  const entry = (id: string) => e.redis.hget(keys.ids(id), id);
  /** Redis time of the node that holds an id's bucket (entries carry that clock). */
  const bucketNow = async (id: string) => Number(await e.redis.eval("local t = redis.call('TIME') return t[1] * 1000 + math.floor(t[2] / 1000)", 1, keys.ids(id)));
  const holders = async (id: string, queues: string[]) => {
    const named = await Promise.all(queues.map((q) => e.redis.hget(`${e.base(q)}job:${id}`, 'n')));
    return queues.filter((_, i) => named[i] !== null);
  };

  it('two first submits of one id to different queues at the same instant make one job, and both get its handle', async () => {
    for (let round = 0; round < 25; round++) {
      const id = `race-${round}`;
      const [a, b, c] = await Promise.all([
        e.client.enqueue('j', 'a', { jobId: id, queue: 'race-a' }),
        e.client.enqueue('j', 'b', { jobId: id, queue: 'race-b' }),
        e.client.enqueueMany([{ name: 'j', data: 'c', options: { jobId: id, queue: 'race-c' } }]).then((hs) => hs[0]!),
      ]);
      expect(new Set([a.queue, b.queue, c.queue]).size).toBe(1);
      expect(await holders(id, ['race-a', 'race-b', 'race-c'])).toEqual([a.queue]);
      expect(await entry(id)).toBe(a.queue); // committed
    }
  });

  it('a reservation whose producer died before storing is taken over once it is stale', async () => {
    const old = (await bucketNow('orphaned')) - DEFAULTS.ID_RESERVATION_STALE_MS - 1000;
    await e.redis.hset(keys.ids('orphaned'), 'orphaned', `gone-queue|${old}`);
    const h = await e.client.enqueue('j', 1, { jobId: 'orphaned', queue: 'mine' });
    expect(h.queue).toBe('mine');
    expect(await entry('orphaned')).toBe('mine');
    // the old queue was fenced before the takeover: a store of the id still on its way there makes nothing
    expect(await e.redis.hgetall(`${e.base('gone-queue')}job:orphaned`)).toEqual({ fence: '1' });
  });

  it('a fresh reservation of another queue is waited on: its job, once stored, is the one returned', async () => {
    const now = await bucketNow('pending');
    await e.redis.hset(keys.ids('pending'), 'pending', `theirs|${now}`);
    const mine = e.client.enqueue('j', 'mine', { jobId: 'pending', queue: 'mine' });
    await sleep(150);
    // the other producer stores its job, then commits
    await e.client.enqueue('j', 'theirs', { jobId: 'pending', queue: 'theirs' });
    const h = await mine;
    expect(h.queue).toBe('theirs');
    expect((await h.info()).data).toBe('theirs');
    expect(await holders('pending', ['mine', 'theirs'])).toEqual(['theirs']);
  });

  it('a store that arrives after its reservation was taken over finds the id fenced, stores nothing and returns the holder', async () => {
    // a producer reserved "late" for queue slow-q long ago and stalled; another took it over for fast-q
    const old = (await bucketNow('late')) - DEFAULTS.ID_RESERVATION_STALE_MS - 1000;
    await e.redis.hset(keys.ids('late'), 'late', `slow-q|${old}`);
    const fast = await e.client.enqueue('j', 'fast', { jobId: 'late', queue: 'fast-q' });
    expect(fast.queue).toBe('fast-q');
    // the stalled producer's enqueue.lua call finally runs in slow-q: refused by the fence
    const spec = buildJobSpec('j', 'slow', { jobId: 'late' }, 'slow-q', () => 'unused');
    const reply = await runScript(e.redis, 'enqueue', keys.queue('slow-q'), enqueueArgs([spec], 0, 1, 'queue', '', 0));
    // -1: this call created slow-q (its meta); nothing else was stored
    expect(reply).toEqual([-1, '!']);
    expect(await holders('late', ['slow-q', 'fast-q'])).toEqual(['fast-q']);
    // and through the client, the same late submit comes back with the holder
    const again = await e.client.enqueue('j', 'slow', { jobId: 'late', queue: 'slow-q' });
    expect(again.queue).toBe('fast-q');
  });

  it('a fenced id can be used in that queue again once it is free: the fence is lifted for its new reservation', async () => {
    const h = await e.client.enqueue('j', 1, { jobId: 'reused', queue: 'q1' });
    await h.delete(); // forgets the entry, behind a fence in q1
    expect(await entry('reused')).toBeNull();
    expect(await e.redis.hgetall(`${e.base('q1')}job:reused`)).toEqual({ fence: '1' });
    const again = await e.client.enqueue('j', 2, { jobId: 'reused', queue: 'q1' });
    expect(again.queue).toBe('q1');
    expect((await again.info()).data).toBe(2);
    expect(await entry('reused')).toBe('q1');
  });
});
