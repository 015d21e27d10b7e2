import type { Engine } from '../engine.js';
import { countQueued } from '../inspect/queued-lists.js';

/** How often one queue is checked at most. */
const CHECK_EVERY_MS = 60_000;
/** Most queues named as those with a live worker. */
const MAX_QUEUES_LISTED = 100;

/**
 * Notices jobs enqueued here that wait in a queue no live worker consumes (a typo'd `queue`, a consumer not started,
 * a handler declared for another queue) and warns, naming the queue and the fix, instead of letting them wait in
 * silence. Cheap: at most one check per queue a minute, made `graceMs` after an enqueue (so a consumer that starts
 * with the application is not reported), reading the registry of live workers (redis/worker-registry.ts) and the
 * queue's queued count (all its lanes).
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
    // every lane's and every group's jobs wait unseen alike
    const q = this.engine.queue(queue);
    const target = { queue, lane: undefined, lanes: await this.engine.lanes.of(queue) };
    const [consumers, queued] = await Promise.all([this.engine.workers.consumersOf(queue), countQueued(this.engine, q, target)]);
    if (consumers.length || queued === 0) return;
    // the queues that do have a worker, for the warning only (a path taken rarely, and once per queue and name)
    const consumed = [...new Set((await this.engine.workers.list()).flatMap((w) => w.queues))].sort().slice(0, MAX_QUEUES_LISTED);
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
