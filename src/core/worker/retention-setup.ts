import type { Engine } from '../engine.js';
import { countless, encodeQueueRetention, UNBOUNDED, type Retention } from '../model/retention.js';
import { META_FIELD } from '../redis/stored-names.js';

/**
 * Stores each consumed queue's retention caps (this client's `queues.<name>.keep` over `defaultJobOptions.keep`) in
 * its meta, for the scripts that end jobs outside a worker's round trip (cancel, stop, expiry, reclaim: lib/retention.lua);
 * a queue without caps has the field removed. Workers with different options: the last one started wins there.
 */
export async function storeQueueRetention(engine: Engine, queues: readonly string[]): Promise<void> {
  // one command per queue, not a pipeline: on a cluster the queues' metas live in different slots
  await Promise.all(
    queues.map((q) => {
      const r = engine.retention.of(q);
      const meta = engine.queue(q).meta;
      return sameCaps(r, UNBOUNDED) ? engine.redis.hdel(meta, META_FIELD.keep) : engine.redis.hset(meta, META_FIELD.keep, encodeQueueRetention(r));
    }),
  );
}

function sameCaps(a: Retention, b: Retention): boolean {
  return a.finishedCount === b.finishedCount && a.finishedAgeMs === b.finishedAgeMs && a.failedCount === b.failedCount && a.failedAgeMs === b.failedAgeMs;
}

/**
 * Warns once when Redis has no `maxmemory` and a consumed queue keeps ended jobs without a count cap: its memory then
 * grows with its rate until the ttls (500 s of finished jobs, a year of failed ones by default) let them go, and
 * nothing stops Redis from taking the machine's memory. Read from INFO, which every user Jobline runs as may send.
 */
export async function warnUnboundedRetention(engine: Engine, queues: readonly string[]): Promise<void> {
  const open = queues.filter((q) => countless(engine.retention.of(q)));
  if (!open.length) return;
  // INFO, not CONFIG GET: managed services and ACL users limited to Jobline's commands refuse CONFIG
  let maxmemory: string | undefined;
  try {
    maxmemory = /^maxmemory:(\d+)/m.exec(await engine.redis.info('memory'))?.[1];
  } catch {
    return;
  }
  if (maxmemory !== '0') return;
  const what = open.map((q) => {
    const r = engine.retention.of(q);
    const kinds = [r.finishedCount === UNBOUNDED.finishedCount ? 'finished' : '', r.failedCount === UNBOUNDED.failedCount ? 'failed' : ''].filter(Boolean);
    return `${q} (${kinds.join(', ')})`;
  });
  engine.logger.warn(
    `Redis has no maxmemory, and ${open.length === 1 ? 'queue' : 'queues'} ${what.join('; ')} keep${open.length === 1 ? 's' : ''} ended jobs without a count cap: ` +
      'kept jobs grow with the rate until their resultTtl / failureTtl (default 500 s / 1 year) lets them go. Set a cap, e.g. ' +
      `QueueModule.forRoot({ queues: { ${objectKey(open[0]!)}: { keep: { finished: { count: 10000 }, failed: { count: 100000 } } } } }), and a maxmemory (with maxmemory-policy noeviction).`,
  );
}

/** A queue name as an object literal's key, quoted where it is not an identifier (`my-queue`, `mail.v2`). */
function objectKey(queue: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(queue) ? queue : `'${queue}'`;
}
