import { buildJobSpec, type JobSpec } from '../src/core/model/job-spec.js';
import { enqueueArgs } from '../src/core/redis/enqueue-codec.js';
import { newJobId } from '../src/core/model/job-id.js';
import { KeySpace } from '../src/core/redis/keys.js';
import { runScript } from '../src/core/redis/scripts.js';
import type { EnqueueOptions } from '../src/core/model/types.js';
import { rawRedis } from './helpers.js';
import { engine } from './engine.js';

// enqueue.lua's packed records (enqueue-codec.ts), driven directly where the client cannot be made to send a call twice.
describe('enqueue script: packed records and the existence check', () => {
  const e = engine('enqs', {});
  const redis = rawRedis();
  afterAll(async () => {
    await e.close();
    redis.disconnect();
  });

  const spec = (name: string, data: unknown, options: EnqueueOptions = {}): JobSpec => buildJobSpec(name, data, options, 'packed', newJobId);
  // replies are { outbox length (-1 - length from the call that created the queue), then the jobs' values }
  // (enqueue.lua's header)
  const run = (specs: JobSpec[]) => runScript(e.redis, 'enqueue', new KeySpace(e.prefix).queue('packed'), enqueueArgs(specs, 0, specs.length, 'queue', '', 0)) as Promise<(string | number)[]>;

  it('keeps names with any character, and data and options with tabs, newlines and unicode', async () => {
    const names = ['a\tb', 'line\nbreak', 'ünï ✓ 🚀', 'a|b=c', '0', 'a\tb'];
    const hs = await e.client.enqueueMany(
      names.map((name, i) => ({ name, data: { s: `x\ty\n${name}`, i }, options: { queue: 'odd', description: `d\n${i}\t✓` } })),
    );
    expect(hs.map((h) => h.name)).toEqual(names);
    for (const [i, h] of hs.entries()) {
      const info = await h.info();
      expect(info.name).toBe(names[i]);
      expect(info.data).toEqual({ s: `x\ty\n${names[i]}`, i });
      expect(info.description).toBe(`d\n${i}\t✓`);
    }
    expect(await e.client.getJobIds('odd', 'queued')).toEqual(hs.map((h) => h.id));
  });

  it('a call run twice (a resend after a reconnect) creates nothing the second time', async () => {
    const specs = [spec('one', 1), spec('two\n', { t: 'é' }), spec('one', 3, { jobId: 'resent-chosen' })];
    // the first call into 'packed' creates the queue (its meta), and says so
    expect(await run(specs)).toEqual([-1, '*queued']);
    expect(await run(specs)).toEqual([0, '=queued|one', '=queued|two\n', '=queued|one']);
    expect(await redis.lrange(`${e.base('packed')}queued`, 0, -1)).toEqual(specs.map((s) => s.id));
    await redis.del(`${e.base('packed')}queued`);
  });

  it('an existing generated id is left untouched and the rest of the batch is created', async () => {
    const specs = [spec('n', 1), spec('n', 2), spec('n', 3)];
    await redis.hset(`${e.base('packed')}job:${specs[1]!.id}`, 'n', 'old', 's', 'finished');
    expect(await run(specs)).toEqual([0, 'queued', '=finished|old', 'queued']);
    expect(await redis.lrange(`${e.base('packed')}queued`, 0, -1)).toEqual([specs[0]!.id, specs[2]!.id]);
    await redis.del(`${e.base('packed')}queued`);
  });

  it('a caller-chosen id repeated in one call makes one job, the first', async () => {
    const specs = [spec('n', 'first', { jobId: 'twice-in-call' }), spec('n', 'x'), spec('m', 'second', { jobId: 'twice-in-call' })];
    expect(await run(specs)).toEqual([0, 'queued', 'queued', '=queued|n']);
    expect(await redis.hget(`${e.base('packed')}job:twice-in-call`, 'd')).toBe('"first"');
    expect(await redis.lrange(`${e.base('packed')}queued`, 0, -1)).toEqual(['twice-in-call', specs[1]!.id]);
    await redis.del(`${e.base('packed')}queued`);
  });

  it('sends a batch of many names, one value each, in their first order', () => {
    const specs = [spec('b', 1), spec('a', 2), spec('b', 3), spec('c\n', 4)];
    const args = enqueueArgs(specs, 0, 4, 'queue', '', 0);
    expect(args.slice(5)).toEqual(['b', 'a', 'c\n']);
    expect(String(args[4]).split('\n').slice(0, -1).map((r) => r.split('\t')[1])).toEqual(['1', '2', '1', '3']);
  });
});
