import type { RedisClient } from './connection.js';
import type { KeySpace } from './keys.js';
import { runScript, type ScriptReply } from './scripts.js';

const BATCH = 500;
/**
 * How long a claimed message waits for its acknowledgement before it may be delivered again: a delivery takes
 * milliseconds, and one a dead (or cut-off) deliverer left is picked up by the next maintenance step after this, so
 * a cross-queue dependent waits seconds, not the lease-length a longer claim would cost. Deliveries are idempotent,
 * so a claim that runs out during a slow delivery only costs a second delivery.
 */
export const OUTBOX_CLAIM_MS = 2_000;

/**
 * Carries cross-queue effects (a dependency met or failed in one queue, a dependent registered from another) from
 * each queue's outbox to the queue they concern, so every script touches one slot (Redis Cluster). Messages are
 * claimed before delivery and acknowledged after, so a deliverer that dies leaves them to be redelivered; they are
 * idempotent. Replies and cascades land in the target's outbox and are delivered in turn, until all are empty.
 */
export class OutboxDeliverer {
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
  ) {}

  /** Delivers the outboxes of `queues` (and what that delivery causes), one drain at a time per process. */
  drain(queues: Iterable<string>, minAgeMs = 0): Promise<void> {
    const start = [...queues];
    const next = this.running.then(() => this.deliver(start, minAgeMs));
    this.running = next.catch(() => undefined);
    return next;
  }

  /** Delivers the outbox of `queue` if a script's reply says it holds messages. */
  after(queue: string, reply: ScriptReply): Promise<void> {
    return Number(reply[0]) > 0 ? this.drain([queue]) : Promise.resolve();
  }

  private async deliver(start: string[], minAgeMs: number): Promise<void> {
    const pending = new Set(start);
    // minAgeMs applies to the outboxes asked for; what the delivery itself causes is delivered at once
    const firstRound = new Set(start);
    while (pending.size) {
      const queue = pending.values().next().value as string;
      pending.delete(queue);
      const age = firstRound.has(queue) ? minAgeMs : 0;
      firstRound.delete(queue);
      const q = this.keys.queue(queue);
      const [, msgs] = (await runScript(this.redis, 'outbox-claim', q, [BATCH, OUTBOX_CLAIM_MS, age])) as [number, string[]];
      if (!msgs.length) continue;
      const byTarget = new Map<string, string[]>();
      for (const m of msgs) {
        // "<ms>|<kind>|<target queue>|..." (lib/outbox.lua)
        const a = m.indexOf('|');
        const b = m.indexOf('|', a + 1);
        const c = m.indexOf('|', b + 1);
        const target = m.slice(b + 1, c);
        const list = byTarget.get(target);
        if (list) list.push(m);
        else byTarget.set(target, [m]);
      }
      for (const [target, list] of byTarget) {
        const [left] = await runScript(this.redis, 'deliver', this.keys.queue(target), list);
        if (Number(left) > 0) pending.add(target);
      }
      await this.redis.zrem(q.outboxClaimed, ...msgs);
      if (msgs.length === BATCH) pending.add(queue);
    }
  }
}
