import type { Engine } from '../engine.js';
import { closeConnection, type RedisClient } from '../redis/connection.js';
import { INBOX_BATCH } from '../redis/inbox-format.js';
import { LoopStop, STOPPED } from '../redis/loop-stop.js';

/**
 * Turns each queue's inbox (jobs any Redis client pushed with one RPUSH: redis/inbox-format.ts) into jobs as soon as
 * entries arrive. Per queue, a connection of its own blocks on `BLMOVE inbox inbox RIGHT RIGHT`: it returns as soon as
 * the list is not empty and leaves it unchanged (the entry moves from the tail to the tail), so no entry is ever
 * held only by this process, and the order stays. BLPOP on the inbox would wake the same way but take the entry out of
 * Redis, to be lost if this process died before storing it. Then ingest.lua stores the entries as jobs and wakes a
 * worker through the queue's wake list, like any enqueue. A busy worker ingests too (the watcher is not the fetch loop).
 */
export class InboxWatcher {
  private running = false;
  private readonly conns: RedisClient[] = [];
  private readonly loops: Promise<void>[] = [];
  private readonly halt = new LoopStop();

  constructor(
    private readonly engine: Engine,
    private readonly workerId: string,
    private readonly queues: readonly string[],
    /** longest single blocking wait, in seconds (only bounds how long a dead connection goes unnoticed) */
    private readonly blockSec: number,
  ) {}

  start(): void {
    this.running = true;
    for (const queue of this.queues) {
      const conn = this.engine.connection();
      this.conns.push(conn);
      this.loops.push(this.watch(queue, conn));
    }
  }

  private async watch(queue: string, conn: RedisClient): Promise<void> {
    const inbox = this.engine.queue(queue).inbox;
    let failures = 0;
    let look = true; // at start: entries may have waited for a worker
    while (this.running) {
      try {
        if (look) await ingestInbox(this.engine, queue, () => this.running);
        if (!this.running) break;
        // raced with stop(): a BLMOVE cut off by a Redis restart may never settle once stop() disconnects it
        const moved = await this.halt.race(conn.blmove(inbox, inbox, 'RIGHT', 'RIGHT', this.blockSec));
        if (moved === STOPPED) break;
        look = moved !== null;
        failures = 0;
      } catch (err) {
        if (!this.running) break;
        failures++;
        look = true;
        this.engine.backgroundError(`worker ${this.workerId} inbox of queue ${queue}`, err);
        await this.halt.pause(Math.min(5000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.halt.stop();
    for (const c of this.conns) c.disconnect();
    await Promise.all(this.loops);
    await Promise.all(this.conns.map((c) => closeConnection(c)));
  }
}

/** What ingesting a queue's inbox came to. */
export interface InboxIngested {
  /** jobs made (queued) */
  jobs: number;
  /** entries that were not valid jobs: each is now a failed job whose error says why */
  refused: number;
  /** entries whose id already existed: resubmits, which created nothing */
  existed: number;
  /** entries with `unique` whose key a live job held: duplicates, which created nothing (as enqueue()) */
  duplicates: number;
}

/**
 * Runs ingest.lua on `queue` until its inbox is empty (or `goOn` says stop), in calls of INBOX_BATCH entries. Logs the
 * first refused entry of each call through the engine's logger, so a sender's mistake is seen where jobs run.
 */
export async function ingestInbox(engine: Engine, queue: string, goOn: () => boolean = () => true): Promise<InboxIngested> {
  const total: InboxIngested = { jobs: 0, refused: 0, existed: 0, duplicates: 0 };
  for (;;) {
    const [, jobs, refused, existed, left, duplicates, firstId, firstMessage] = (await engine.run('ingest', queue, [INBOX_BATCH])) as [number, number, number, number, number, number, string?, string?];
    total.jobs += jobs;
    total.refused += refused;
    total.existed += existed;
    total.duplicates += duplicates;
    if (refused > 0) {
      const what = refused === 1 ? 'inbox entry was not a valid job and became a failed job' : 'inbox entries were not valid jobs and became failed jobs';
      engine.logger.warn(`queue ${queue}: ${refused} ${what} (e.g. ${firstId}: ${firstMessage})`);
    }
    if (left === 0 || !goOn()) return total;
  }
}
