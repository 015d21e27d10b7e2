import type { Engine } from '../engine.js';
import type { FetchTiming } from '../redis/work-codec.js';
import { decodeRule, nextTick, tickJobId } from './schedule-rule.js';

/**
 * A worker's part in recurring schedules: a fetch (work.lua, lib/schedule.lua) hands it the schedules whose tick is
 * due, each claimed for a few seconds; it computes each one's next tick from the rule (croner; cron cannot be
 * computed in Lua) and fires the tick with schedule-fire.lua, which enqueues the tick's job under its deterministic
 * id and stores the next tick, only if the schedule still waits for that tick under that rule. Redis's clock of the
 * fetch is the one used: the next tick is the first after the later of the tick and that instant, so ticks missed
 * while no worker ran fire once, not as a storm.
 */
export class ScheduleFiring {
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly engine: Engine) {}

  /** Fires the due schedules of one fetch in the background; errors are logged (the claim runs out, another worker fires). */
  fire(queue: string, timing: FetchTiming): void {
    const run = this.fireAll(queue, timing).catch((err: Error) => this.engine.logger.error(`schedules of queue ${queue}: ${err.message}`));
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  /** Resolves once every firing started has ended (the worker's close). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private async fireAll(queue: string, timing: FetchTiming): Promise<void> {
    for (const due of timing.due) {
      const tick = Number(due.tick);
      let next: number | null;
      let limit = '';
      try {
        const rule = decodeRule(due.rule);
        next = nextTick(rule, Math.max(timing.now, tick), due.anchor);
        if (rule.limit !== undefined) limit = String(rule.limit);
      } catch (err) {
        this.engine.logger.error(`schedule ${due.id} of queue ${queue} has a rule this process cannot read (${(err as Error).message}); upsert it again`);
        continue;
      }
      await this.engine.run('schedule-fire', queue, [due.id, due.tick, due.version, next === null ? '' : next, tickJobId(due.id, due.tick), limit]);
    }
  }
}
