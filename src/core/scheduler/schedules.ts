import type { Engine } from '../engine.js';
import { sendAll } from '../redis/connection.js';
import type { JobLocator } from '../inspect/job-locator.js';
import { specData, type JobSpec } from '../model/job-spec.js';
import { newJobId } from '../model/job-id.js';
import type { ScheduleRule } from '../model/types.js';
import { specOptions } from '../redis/enqueue-codec.js';
import { assertScheduleId, encodeRule, nextTick, parseScheduleRule } from './schedule-rule.js';

/** What upsert did: registered a new schedule, changed its rule (next tick recomputed), or kept the rule it had. */
export type UpsertOutcome = 'created' | 'changed' | 'kept';

/**
 * Registers and removes recurring schedules (the client side; workers fire them, ScheduleFiring). A schedule lives
 * in its queue's slot: a hash (`schedule:<id>`: rule, job name, data, options, next tick, runs) and its entry in the
 * queue's `schedules` zset. An id names one schedule in the whole prefix: registering it in another queue moves it.
 */
export class Schedules {
  constructor(
    private readonly engine: Engine,
    private readonly locator: JobLocator,
  ) {}

  /**
   * Creates or updates schedule `id`: each tick enqueues job `spec` (its name, data, queue and options; its id and
   * timing are the tick's). A changed rule takes effect from its next tick, computed here from Redis's clock; the
   * same rule registered again (every process of an app does at start) keeps the next tick it has.
   */
  async upsert(id: string, rule: ScheduleRule, spec: JobSpec): Promise<{ outcome: UpsertOutcome; nextRunAt: Date | null }> {
    assertScheduleId(id);
    const stored = parseScheduleRule(rule, 'schedule');
    const now = await this.engine.timeMs(spec.queue);
    const first = nextTick(stored, now, now);
    await this.engine.redis.sadd(this.engine.keys.queues, spec.queue);
    await this.removeElsewhere(id, spec.queue);
    const reply = await this.engine.run('schedule-upsert', spec.queue, [id, encodeRule(stored), spec.name, specData(spec), specOptions(spec), first ?? '', now]);
    const next = String(reply[2] ?? '');
    return { outcome: String(reply[1]) as UpsertOutcome, nextRunAt: next === '' ? null : new Date(Number(next)) };
  }

  /** Removes schedule `id` from every queue; its jobs already enqueued stay. Resolves false if there was none. */
  async remove(id: string): Promise<boolean> {
    assertScheduleId(id);
    let removed = false;
    for (const queue of await this.locator.queues()) {
      removed = Number((await this.engine.run('schedule-remove', queue, [id]))[1]) === 1 || removed;
    }
    return removed;
  }

  /**
   * Enqueues schedule `id`'s job now (its name, data and options as stored, under a new id), outside its rule: its
   * next tick, last run and runs stay. Resolves with the job's queue and id (for a `unique` schedule whose live job
   * holds its key, that job's, as a duplicate), or null when there is no such schedule.
   */
  async runNow(id: string): Promise<{ queue: string; id: string; duplicate: boolean } | null> {
    assertScheduleId(id);
    const [queue] = await this.queuesHolding(id, await this.locator.queues());
    if (queue === undefined) return null;
    const jobId = newJobId();
    const reply = await this.engine.run('schedule-run', queue, [id, jobId]);
    const outcome = String(reply[1]);
    // a unique schedule's live job holds its key: that job, as a duplicate enqueue returns it
    if (outcome === 'duplicate') return { queue, id: String(reply[2]), duplicate: true };
    return outcome === 'ran' ? { queue, id: jobId, duplicate: false } : null;
  }

  private async removeElsewhere(id: string, queue: string): Promise<void> {
    const others = (await this.locator.queues()).filter((q) => q !== queue);
    for (const q of await this.queuesHolding(id, others)) await this.engine.run('schedule-remove', q, [id]);
  }

  /** The queues of `queues` that hold a schedule `id`. */
  private async queuesHolding(id: string, queues: string[]): Promise<string[]> {
    if (!queues.length) return [];
    // one pipeline on one Redis; on a cluster each read goes to its queue's node (sendAll)
    const scores = await sendAll(
      this.engine.redis,
      queues.map((q) => ['zscore', this.engine.queue(q).schedules, id]),
    );
    return queues.filter((_, i) => scores[i] !== null && scores[i] !== undefined);
  }
}
