import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { ok, rate } from '../outcome.js';
import { makePayloads } from '../payload.js';
import { inBatches } from '../pool.js';
import type { Scenario } from '../types.js';

/** The least a queue must do per job: store it (HSET) and line it up (RPUSH). One job per script call. */
const ONE = `redis.call('HSET', KEYS[1], 'n', ARGV[1], 'd', ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[3])
return 1`;

/** The same work for a whole batch in one call (ARGV: name, then id/data pairs): the bound for enqueueMany. */
const MANY = `local ids = {}
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[1] .. ARGV[i], 'n', ARGV[1], 'd', ARGV[i + 1])
  ids[#ids + 1] = ARGV[i]
end
redis.call('RPUSH', KEYS[2], unpack(ids))
return #ids`;

const NAME = 'bench.noop';

/**
 * The floor: no queue library, only ioredis and a minimal Lua enqueue, with the same client-side work a queue must do
 * (a random id, JSON.stringify of the payload). "pipelined" sends one script call per job, `batch` calls per
 * pipeline; "batched" sends one call per `batch` jobs. How close each queue gets to these is how much it costs.
 */
export const floor: Scenario = {
  id: 'floor',
  title: () => 'floor: minimal Lua HSET + RPUSH via ioredis',
  metrics: [
    { key: 'pipelined', label: 'pipelined jobs/s', unit: 'jobs/s', better: 'higher' },
    { key: 'batched', label: 'batched jobs/s', unit: 'jobs/s', better: 'higher' },
  ],
  runs: {
    async redis(ctx) {
      const { jobs, batch } = ctx.scale;
      const payloads = makePayloads(jobs);
      const redis = new Redis(ctx.url);
      try {
        const one = String(await redis.script('LOAD', ONE));
        const many = String(await redis.script('LOAD', MANY));

        let t0 = performance.now();
        await inBatches(jobs, batch, async (from, to) => {
          const pipe = redis.pipeline();
          for (let i = from; i < to; i++) {
            const id = randomUUID();
            pipe.evalsha(one, 2, `floor:p:job:${id}`, 'floor:p:queued', NAME, JSON.stringify(payloads[i]), id);
          }
          await pipe.exec();
        });
        const pipelined = rate(jobs, performance.now() - t0);

        t0 = performance.now();
        await inBatches(jobs, batch, async (from, to) => {
          const args: string[] = [NAME];
          for (let i = from; i < to; i++) args.push(randomUUID(), JSON.stringify(payloads[i]));
          await redis.evalsha(many, 2, 'floor:b:job:', 'floor:b:queued', ...args);
        });
        const batched = rate(jobs, performance.now() - t0);

        const [p, b] = await Promise.all([redis.llen('floor:p:queued'), redis.llen('floor:b:queued')]);
        ctx.check(p === jobs && b === jobs, `floor: ${p} and ${b} of ${jobs} jobs queued`);
        return ok({ pipelined, batched });
      } finally {
        await redis.quit();
      }
    },
  },
};
