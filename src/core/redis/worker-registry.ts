import type { RedisClient } from './connection.js';
import type { KeySpace } from './keys.js';

/**
 * Runs a worker ended since it started, as its registry entry counts them: finished, failed for good, and failed
 * with a retry to come.
 */
export interface WorkerJobCounts {
  finished: number;
  failed: number;
  retried: number;
}

/** What a worker writes about itself (the registry adds the times). */
export interface WorkerEntry {
  id: string;
  /** the machine and process it runs in */
  host: string;
  pid: number;
  /** the queues it consumes, in its priority order */
  queues: string[];
  /** jobs it may run at once, and those it runs now */
  concurrency: number;
  running: number;
  /** runs it ended since it started, per queue (kept in its memory, written with each refresh) */
  perQueue: Record<string, WorkerJobCounts>;
  /** Redis time (ms) of its first entry; 0 on the first write */
  startedAt: number;
}

/** A live worker, as its registry entry says (QueueClient.getWorkers()). */
export interface WorkerInfo extends Omit<WorkerEntry, 'startedAt'> {
  /** the runs of perQueue, summed over its queues */
  finished: number;
  failed: number;
  retried: number;
  startedAt: Date;
  /** its last refresh; the entry is dropped once `lapsesAt` passes without another (the worker died or hangs) */
  lastSeen: Date;
  lapsesAt: Date;
}

/** Stale entries removed per sweep (keeps one maintenance step short). */
const SWEEP_LIMIT = 100;

/**
 * The live workers of a prefix: a hash worker id -> JSON entry, refreshed by each worker on its lease timer, and a
 * zset worker id -> when the entry lapses, which maintenance sweeps. Read by `jobline workers`, the `jobline_workers`
 * gauge, the dashboard and the producer's no-worker warning. Costs nothing per job: counts are kept in the worker's
 * memory and written with each refresh. Times are Redis's (the one clock every process shares).
 */
export class WorkerRegistry {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
    private readonly timeMs: () => Promise<number>,
  ) {}

  /**
   * Writes (or refreshes) `entry`; it lapses after `lapseMs` unless refreshed again. A `startedAt` of 0 is taken as
   * now. Resolves with Redis's time of the write.
   */
  async announce(entry: WorkerEntry, lapseMs: number): Promise<number> {
    const now = await this.timeMs();
    const json = JSON.stringify({ ...entry, startedAt: entry.startedAt || now, lastSeen: now, lapsesAt: now + lapseMs });
    // two keys outside any queue's slot: sent as separate commands, so a Redis Cluster routes each
    await Promise.all([this.redis.hset(this.keys.workers, entry.id, json), this.redis.zadd(this.keys.workersLapse, now + lapseMs, entry.id)]);
    return now;
  }

  /** Removes a worker's entry (it closed). */
  async remove(id: string): Promise<void> {
    await Promise.all([this.redis.hdel(this.keys.workers, id), this.redis.zrem(this.keys.workersLapse, id)]);
  }

  /** The live workers, by start time; an entry past its lapse is left out (and swept by maintenance). */
  async list(): Promise<WorkerInfo[]> {
    const [now, all] = await Promise.all([this.timeMs(), this.redis.hgetall(this.keys.workers)]);
    const out: WorkerInfo[] = [];
    for (const json of Object.values(all)) {
      const info = parseEntry(json);
      if (info && info.lapsesAt.getTime() > now) out.push(info);
    }
    return out.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.id.localeCompare(b.id));
  }

  /** The live workers that consume `queue` (deleteQueue's refusal, a timed-out wait's reason, the no-worker warning). */
  async consumersOf(queue: string): Promise<WorkerInfo[]> {
    return (await this.list()).filter((w) => w.queues.includes(queue));
  }

  /** Removes the entries of workers that stopped refreshing them. */
  async sweep(): Promise<void> {
    const now = await this.timeMs();
    const ids = await this.redis.zrangebyscore(this.keys.workersLapse, '-inf', now, 'LIMIT', 0, SWEEP_LIMIT);
    if (!ids.length) return;
    await Promise.all([this.redis.hdel(this.keys.workers, ...ids), this.redis.zrem(this.keys.workersLapse, ...ids)]);
  }
}

interface StoredEntry extends WorkerEntry {
  lastSeen: number;
  lapsesAt: number;
}

function parseEntry(json: string): WorkerInfo | null {
  let e: StoredEntry;
  try {
    e = JSON.parse(json) as StoredEntry;
  } catch {
    return null; // not written by Jobline: not a worker
  }
  if (!e || typeof e.id !== 'string' || !Array.isArray(e.queues)) return null;
  const perQueue = e.perQueue ?? {};
  let finished = 0;
  let failed = 0;
  let retried = 0;
  for (const c of Object.values(perQueue)) {
    finished += c.finished;
    failed += c.failed;
    retried += c.retried ?? 0;
  }
  return {
    id: e.id,
    host: e.host,
    pid: e.pid,
    queues: e.queues,
    concurrency: e.concurrency,
    running: e.running,
    finished,
    failed,
    retried,
    perQueue,
    startedAt: new Date(e.startedAt),
    lastSeen: new Date(e.lastSeen),
    lapsesAt: new Date(e.lapsesAt),
  };
}
