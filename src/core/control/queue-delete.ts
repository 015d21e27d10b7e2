import type { Engine } from '../engine.js';
import { QueueInUseError } from '../model/errors.js';
import { assertQueueName } from '../model/names.js';
import { isCluster, type RedisClient } from '../redis/connection.js';
import type { QueueControl } from './queue-control.js';

/** `deleteQueue` options. */
export interface DeleteQueueOptions {
  /**
   * Delete it even while live workers consume it (default false: QueueInUseError names them). Those workers go on
   * consuming an empty queue: the jobs they run are gone, so their outcomes are dropped, and their next lease renewal
   * or fetch may write a key of the queue again (close them, or leave them out of `queues`, first).
   */
  force?: boolean;
}

/** What deleteQueue removed. */
export interface DeletedQueue {
  /** keys of the queue deleted: its jobs' hashes, its lists and registries, schedules, inbox, stream, meta... */
  keys: number;
  /** entries of the caller-chosen id index that named the queue */
  ids: number;
}

/** Keys per UNLINK: one command per page of SCAN, all in the queue's slot. */
const UNLINK_BATCH = 500;

/**
 * Deletes a queue: every key under its base (`<prefix>:{<queue>}:`, one cluster slot) and its entries in the keys
 * outside it (the set of queue names, the caller-chosen id index). Jobs of other queues that depend on its jobs go on
 * as for a deleted dependency (met, RQ's rule): the jobs that have dependents are deleted first, one by one as
 * `deleteJobs` deletes them, and their dependents elsewhere are told before the rest goes. Not atomic: a job enqueued
 * into the queue while it is being deleted may survive it (stop its producers first).
 */
export class QueueDeleter {
  constructor(
    private readonly engine: Engine,
    private readonly control: QueueControl,
  ) {}

  async delete(queue: string, options: DeleteQueueOptions = {}): Promise<DeletedQueue> {
    assertQueueName(queue);
    if (options.force !== true) {
      const live = (await this.engine.workers.consumersOf(queue)).map((w) => w.id);
      if (live.length) throw new QueueInUseError(queue, live);
    }
    const keys = this.engine.queue(queue);
    // listings stop showing it first
    await this.engine.redis.srem(this.engine.keys.queues, queue);
    // jobs with dependents: deleted as deleteJobs does, which settles their dependents here and in other queues
    const prefix = `${keys.base}dependents:`;
    const withDependents = (await this.scan(`${globEscape(prefix)}*`)).map((k) => k.slice(prefix.length));
    if (withDependents.length) await this.control.deleteMany(queue, withDependents);
    await this.engine.outbox.drain([queue]);
    const all = `${globEscape(keys.base)}*`;
    let deleted = await this.unlinkAll(all);
    const ids = await this.engine.ids.forgetQueue(queue);
    // anything a script in flight wrote meanwhile (an outbox delivery, a worker's last outcome)
    deleted += await this.unlinkAll(all);
    return { keys: deleted, ids };
  }

  /** Keys matching `pattern` (its glob characters escaped: globEscape), on every master. */
  private async scan(pattern: string): Promise<string[]> {
    const out: string[] = [];
    await this.eachPage(pattern, async (_node, found) => void out.push(...found));
    return out;
  }

  /** Unlinks the keys matching `pattern`; resolves with how many there were. */
  private async unlinkAll(pattern: string): Promise<number> {
    let n = 0;
    await this.eachPage(pattern, async (node, found) => {
      for (let i = 0; i < found.length; i += UNLINK_BATCH) n += await node.unlink(...found.slice(i, i + UNLINK_BATCH));
    });
    return n;
  }

  /** Calls `page` with each page of a SCAN for `pattern` on every server, and the server it came from. */
  private async eachPage(pattern: string, page: (node: RedisClient, found: string[]) => Promise<void>): Promise<void> {
    for (const node of await this.nodes()) {
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (found.length) await page(node, found);
      } while (cursor !== '0');
    }
  }

  /** The servers that may hold the queue's keys: the one Redis, or every master of a cluster (its slot's is one). */
  private async nodes(): Promise<RedisClient[]> {
    const redis = this.engine.redis;
    if (!isCluster(redis)) return [redis];
    await this.engine.ready();
    return redis.nodes('master');
  }
}

/** `pattern` with Redis glob characters escaped, for MATCH. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
