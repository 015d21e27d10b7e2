import type { Engine } from '../engine.js';
import { engineOf } from '../engine-of.js';
import { InvalidOptionError } from '../model/errors.js';
import { assertQueueName } from '../model/names.js';
import { END_KINDS, JOB_FIELD, STATS_FIELD, STATS_TTL_MS, type EndKind } from '../redis/stored-names.js';

/**
 * The runs and jobs of a queue that ended in one minute, by how they ended (the counters of lib/stats.lua, written by
 * every script that ends jobs: work, cancel, stop, reclaim, deliver, enqueue, delete, bulk, ingest).
 */
export interface MinuteCounts extends Record<EndKind, number> {
  /** the minute's start */
  at: Date;
}

/** A job named by its queue and id. */
export interface JobRef {
  queue: string;
  id: string;
}

/** What links a job to others: what it waits on, what waits on it, and the callbacks it names. */
export interface JobRelations {
  dependencies: JobRef[];
  /** the first `limit` of the jobs that wait on it (a set: no order), and how many there are */
  dependents: JobRef[];
  dependentCount: number;
  callbacks: { kind: string; name: string; timeoutMs: number }[];
}

/** Most minutes one read covers: the counters expire after STATS_TTL_MS. */
export const MAX_MINUTES = Math.floor(STATS_TTL_MS / 60_000);

/**
 * Reads for the dashboard beyond QueueClient's overview: a queue's recent outcomes per minute, and a job's links.
 * Made from a client (or QueueService), each read a few commands on the queue's slot.
 */
export class QueueActivity {
  private readonly engine: Engine;

  constructor(client: object) {
    this.engine = engineOf(client);
  }

  /** The last `minutes` minutes of `queue` (this minute last), per Redis's clock. */
  async minutes(queue: string, minutes = 60): Promise<MinuteCounts[]> {
    assertQueueName(queue);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_MINUTES) throw new InvalidOptionError('minutes', minutes, `a whole number from 1 to ${MAX_MINUTES}`);
    const q = this.engine.queue(queue);
    const last = Math.floor((await this.engine.timeMs(queue)) / 60_000);
    const pipe = this.engine.redis.pipeline();
    const fields = END_KINDS.map((k) => STATS_FIELD[k]);
    for (let m = last - minutes + 1; m <= last; m++) pipe.hmget(q.stats(m), ...fields);
    const res = (await pipe.exec()) ?? [];
    return res.map(([err, raw], i) => {
      if (err) throw err;
      const values = raw as (string | null)[];
      const counts = Object.fromEntries(END_KINDS.map((k, j) => [k, Number(values[j] ?? 0)])) as Record<EndKind, number>;
      return { at: new Date((last - minutes + 1 + i) * 60_000), ...counts };
    });
  }

  /** Job `id` of `queue`'s dependencies, dependents (at most `limit`) and callbacks; null when there is no such job. */
  async relations(queue: string, id: string, limit = 100): Promise<JobRelations | null> {
    assertQueueName(queue);
    const q = this.engine.queue(queue);
    const [fields, count] = await Promise.all([
      this.engine.redis.hmget(q.job(id), JOB_FIELD.status, JOB_FIELD.dependencies, JOB_FIELD.callbacks),
      this.engine.redis.scard(q.dependents(id)),
    ]);
    if (!fields[0]) return null;
    // a big set is sampled by SSCAN (a bounded step), never read whole
    const members = count <= limit ? await this.engine.redis.smembers(q.dependents(id)) : (await this.engine.redis.sscan(q.dependents(id), '0', 'COUNT', limit))[1];
    const ref = (s: string): JobRef => {
      const bar = s.indexOf('|');
      return { queue: s.slice(0, bar), id: s.slice(bar + 1) };
    };
    const deps = fields[1] ? (JSON.parse(fields[1]) as string[]) : [];
    const callbacks = fields[2] ? (JSON.parse(fields[2]) as Record<string, [string, number]>) : {};
    return {
      dependencies: deps.map(ref),
      // "flags|queue|id": the flags go
      dependents: members.slice(0, limit).map((m) => ref(m.slice(m.indexOf('|') + 1))),
      dependentCount: count,
      callbacks: Object.entries(callbacks).map(([kind, [name, timeoutMs]]) => ({ kind, name, timeoutMs })),
    };
  }
}
