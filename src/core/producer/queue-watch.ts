import type { Engine } from '../engine.js';

/** How often one queue is checked at most. */
const CHECK_EVERY_MS = 60_000;
/** Most queues looked at to name those with a live worker. */
const MAX_QUEUES_LISTED = 100;

/**
 * Notices jobs enqueued here that wait in a queue no live worker consumes (a typo'd `queue`, a consumer not started,
 * a handler declared for another queue) and warns, naming the queue and the fix, instead of letting them wait in
 * silence. Cheap: at most one check per queue a minute, made `graceMs` after an enqueue (so a consumer that starts
 * with the application is not reported), reading the queue's `alive` mark (set by every worker's maintenance) and
 * its queued count.
 */
export class QueueWatch {
  private readonly nextCheck = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly engine: Engine,
    private readonly graceMs: number,
    /** a hint about job `name` and `queue` from the handlers this process knows, if any */
    private readonly hint: (queue: string, name: string) => string,
  ) {}

  /** Jobs (the first named `name`) were just queued in `queue`. */
  enqueued(queue: string, name: string): void {
    const now = Date.now();
    const at = this.nextCheck.get(queue);
    if (at !== undefined && at > now) return;
    this.nextCheck.set(queue, now + Math.max(CHECK_EVERY_MS, this.graceMs));
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.check(queue, name).catch((err: unknown) => this.engine.backgroundError(`checking for workers of queue ${queue}`, err));
    }, this.graceMs);
    timer.unref();
    this.timers.add(timer);
  }

  private async check(queue: string, name: string): Promise<void> {
    const q = this.engine.queue(queue);
    const [alive, queued] = await Promise.all([this.engine.redis.exists(q.alive), this.engine.redis.llen(q.queued)]);
    if (alive > 0 || queued === 0) return;
    const others = (await this.engine.redis.smembers(this.engine.keys.queues)).filter((n) => n !== queue).slice(0, MAX_QUEUES_LISTED);
    const live = await Promise.all(others.map((n) => this.engine.redis.exists(this.engine.queue(n).alive)));
    const consumed = others.filter((_, i) => live[i]! > 0);
    this.engine.logger.warn(
      `Queue "${queue}" has ${queued} job(s) waiting (e.g. "${name}") and no live worker consumes it, so they wait until one does. ` +
        (consumed.length ? `Queues with a live worker: ${consumed.join(', ')}. ` : 'No queue of this prefix has a live worker. ') +
        `Fix: run a consumer of "${queue}" (QueueConsumerModule.forRoot({ queues: [..., '${queue}'] }), a @Job handler declared ` +
        `with { queue: '${queue}' }, or new Worker(client, registry, { queues: ['${queue}'] })), or enqueue to a queue that is consumed.` +
        this.hint(queue, name),
    );
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
