import type { Engine } from '../engine.js';
import { InvalidOptionError } from '../model/errors.js';
import { assertQueueName } from '../model/names.js';
import type { JobStatus } from '../model/types.js';
import { countQueued } from '../inspect/queued-lists.js';

/** The statuses whose jobs `requeueAll` puts back, and those `deleteAll` can delete (started jobs are stopped instead). */
export const REQUEUE_STATUSES = ['failed', 'canceled', 'stopped', 'expired'] as const satisfies readonly JobStatus[];
export const DELETE_STATUSES = ['queued', 'deferred', 'scheduled', 'finished', 'failed', 'canceled', 'stopped', 'expired'] as const satisfies readonly JobStatus[];
export type RequeueStatus = (typeof REQUEUE_STATUSES)[number];
export type DeleteStatus = (typeof DELETE_STATUSES)[number];

/** What a requeue or delete of many ids did, per id. */
export interface ManyJobsOutcome {
  /** ids requeued (or deleted) */
  done: string[];
  /** ids with no such job in the queue */
  missing: string[];
  /** ids whose status does not allow it (requeue only), with that status */
  refused: { id: string; status: JobStatus }[];
}

/** Told after each batch of a bulk operation: how many jobs it has handled so far, of about `total`. */
export type BulkProgress = (done: number, total: number) => void;

/** Jobs per script call of the bulk operations: large enough to amortise the call, small enough to keep it short. */
const BULK_BATCH = 1000;

/**
 * Operations on a whole queue, or on many of its jobs at once: pause and resume (a flag in the queue's meta that
 * work.lua honours), empty, and requeue or delete of many ids or of every job in a status, each a script call per
 * batch of jobs (bulk.lua, requeue.lua and delete.lua take many ids).
 */
export class QueueControl {
  constructor(private readonly engine: Engine) {}

  /** Pauses (`true`) or resumes a queue; resolves true if that changed its state. */
  async setPaused(queue: string, paused: boolean): Promise<boolean> {
    assertQueueName(queue);
    const reply = await this.engine.run('pause', queue, [paused ? '1' : '0']);
    return Number(reply[1]) === 1;
  }

  /** Requeues each of `ids` that is failed, canceled, stopped or expired, in batches. */
  async requeueMany(queue: string, ids: readonly string[], progress?: BulkProgress): Promise<ManyJobsOutcome> {
    const out: ManyJobsOutcome = { done: [], missing: [], refused: [] };
    await this.inBatches(queue, ids, progress, async (batch) => {
      const reply = await this.engine.run('requeue', queue, batch);
      batch.forEach((id, i) => {
        const outcome = String(reply[1 + 2 * i]);
        if (outcome === 'ok') out.done.push(id);
        else if (outcome === 'missing') out.missing.push(id);
        else out.refused.push({ id, status: String(reply[2 + 2 * i]) as JobStatus });
      });
    });
    return out;
  }

  /** Deletes each of `ids`, whatever its status, in batches. */
  async deleteMany(queue: string, ids: readonly string[], progress?: BulkProgress): Promise<ManyJobsOutcome> {
    const out: ManyJobsOutcome = { done: [], missing: [], refused: [] };
    await this.inBatches(queue, ids, progress, async (batch) => {
      const reply = await this.engine.run('delete', queue, batch);
      await this.engine.outbox.after(queue, reply);
      batch.forEach((id, i) => (Number(reply[1 + i]) === 1 ? out.done : out.missing).push(id));
    });
    // caller-chosen ids of deleted jobs stay in the id index until its sweep: a stale entry is simply taken over
    return out;
  }

  /**
   * Requeues (or deletes) the jobs in `status` when the call starts, a batch per script call; jobs that reach the
   * status meanwhile may be included, but the call ends once it has looked at as many entries as there were (a
   * requeued job that fails again does not keep it going). Resolves with how many jobs it handled.
   */
  async all(op: 'requeue' | 'delete', queue: string, status: JobStatus, progress?: BulkProgress): Promise<number> {
    assertQueueName(queue);
    const allowed: readonly JobStatus[] = op === 'requeue' ? REQUEUE_STATUSES : DELETE_STATUSES;
    if (!allowed.includes(status)) throw new InvalidOptionError('status', status, `one of ${allowed.join(', ')} (to ${op} every job in it)`);
    const total = await this.size(queue, status);
    let done = 0;
    let looked = 0;
    progress?.(0, total);
    while (looked < total) {
      const reply = await this.engine.run('bulk', queue, [op, status, Math.min(BULK_BATCH, total - looked)]);
      await this.engine.outbox.after(queue, reply);
      const [, handled, seen] = reply as [number, number, number, number];
      done += Number(handled);
      looked += Number(seen);
      progress?.(Math.min(looked, total), total);
      if (Number(seen) === 0) break;
    }
    return done;
  }

  /** Entries in one status's list or registry (what bulk.lua walks), expired entries included. */
  private async size(queue: string, status: JobStatus): Promise<number> {
    const q = this.engine.queue(queue);
    if (status === 'queued') {
      // every lane's and group's (emptyQueue covers them all)
      return countQueued(this.engine, q, await this.engine.lanes.locate(queue));
    }
    return this.engine.redis.zcard(q[status as Exclude<JobStatus, 'queued' | 'started'>]);
  }

  private async inBatches(queue: string, ids: readonly string[], progress: BulkProgress | undefined, fn: (batch: string[]) => Promise<void>): Promise<void> {
    assertQueueName(queue);
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id === '')) throw new InvalidOptionError('ids', ids, 'an array of job ids');
    progress?.(0, ids.length);
    for (let from = 0; from < ids.length; from += BULK_BATCH) {
      await fn(ids.slice(from, from + BULK_BATCH));
      progress?.(Math.min(from + BULK_BATCH, ids.length), ids.length);
    }
  }
}
