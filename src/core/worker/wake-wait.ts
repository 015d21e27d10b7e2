import type { Engine } from '../engine.js';
import { closeConnection, type RedisClient } from '../redis/connection.js';
import { LoopStop } from '../redis/loop-stop.js';

/**
 * An idle worker's wait for work: a BLPOP on its queues' wake-up lists, which an enqueue (or anything that queues a
 * job) pushes a token onto, ended early at the next due moment of a delayed job or schedule tick. Redis checks a
 * blocking command's timeout only about every 100 ms (its `hz`), so the due moment is kept by a one-shot timer that
 * pushes a token onto that queue's list; the wait itself stays one BLPOP (bounded by blockSec), never a polling loop.
 */
export class WakeWait {
  /**
   * Blocking connections: on one Redis, one BLPOP on every queue's wake-up list; on a cluster, where one command
   * cannot span slots (each queue is its own slot), one per queue, each with its BLPOP kept across waits: the wait
   * is for the first of them.
   */
  private readonly blockers: { queue: string; conn: RedisClient; pending: Promise<unknown> | null }[] = [];
  /** A wait is under way (what ends it early is a token, not a kick of the loop). */
  waiting = false;
  /**
   * A kept BLPOP took a token while no wait was under way (cluster only): the worker's fetch of that queue may have
   * come before the job the token is for, so the next wait ends at once instead of blocking on an emptied list.
   */
  private tokenWhileAway = false;
  private readonly halt = new LoopStop();

  constructor(
    private readonly engine: Engine,
    private readonly workerId: string,
    private readonly queues: readonly string[],
    private readonly blockSec: number,
  ) {}

  start(): void {
    for (const queue of this.engine.cluster ? this.queues : ['']) this.blockers.push({ queue, conn: this.engine.connection(), pending: null });
  }

  /** Ends a wait under way and any later one. */
  stop(): void {
    this.halt.stop();
    for (const b of this.blockers) b.conn.disconnect();
  }

  async close(): Promise<void> {
    await Promise.all(this.blockers.map((b) => closeConnection(b.conn)));
  }

  /**
   * Waits for a token on any queue's wake-up list, or blockSec; `dueMs` from now, a token is pushed onto `dueQueue`'s
   * list. Rejects on a failed BLPOP unless `stopped()` says the connections were closed on purpose.
   */
  async wait(dueQueue: string, dueMs: number, stopped: () => boolean): Promise<void> {
    if (this.tokenWhileAway) {
      this.tokenWhileAway = false;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    if (dueMs < this.blockSec * 1000) timer = setTimeout(() => this.wake(dueQueue), Math.ceil(dueMs));
    this.waiting = true;
    try {
      // not the BLPOPs alone: one cut off by a Redis restart may never settle once stop() disconnects it (loop-stop.ts)
      await this.halt.race(
        Promise.race(
          this.blockers.map((b) => {
            const keys = b.queue ? [this.engine.queue(b.queue).wake] : this.queues.map((q) => this.engine.queue(q).wake);
            if (!b.pending) {
              b.pending = b.conn
                .blpop(...keys, this.blockSec)
                .then((token) => {
                  if (token && !this.waiting) this.tokenWhileAway = true;
                  return token;
                })
                .finally(() => (b.pending = null));
              // a wait that ends while nobody races it (closed at stop) is not an unhandled rejection
              b.pending.catch(() => undefined);
            }
            return b.pending;
          }),
        ),
      );
    } catch (err) {
      if (!stopped()) throw err;
    } finally {
      this.waiting = false;
      clearTimeout(timer);
    }
  }

  /** Pushes a wake-up token onto `queue`'s list, ending a wait under way (or the next one). */
  wake(queue: string): void {
    this.engine.redis.lpush(this.engine.queue(queue).wake, '1').catch((err: Error) => this.engine.logger.error(`worker ${this.workerId} wake-up: ${err.message}`));
  }
}
