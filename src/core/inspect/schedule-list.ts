import type { Engine } from '../engine.js';
import { decodeJson } from '../model/payload.js';
import type { ScheduleInfo } from '../model/types.js';
import { SCHEDULE_FIELD as S } from '../redis/stored-names.js';
import { decodeRule, publicRule } from '../scheduler/schedule-rule.js';
import type { JobLocator } from './job-locator.js';

/** Reads recurring schedules (never changes anything): each queue's `schedules` zset and each schedule's hash. */
export class ScheduleList {
  constructor(
    private readonly engine: Engine,
    private readonly locator: JobLocator,
  ) {}

  /** The schedules of `queue`, or of every queue, each queue's by next tick (ended ones last). */
  async list(queue?: string): Promise<ScheduleInfo[]> {
    const queues = queue === undefined ? await this.locator.queues() : [queue];
    const redis = this.engine.redis;
    const idsPipe = redis.pipeline();
    for (const q of queues) idsPipe.zrange(this.engine.queue(q).schedules, '0', '-1');
    const ids = ((await idsPipe.exec()) ?? []).map(([err, v]) => {
      if (err) throw err;
      return v as string[];
    });
    const pairs = queues.flatMap((q, i) => ids[i]!.map((id): [string, string] => [q, id]));
    if (!pairs.length) return [];
    const pipe = redis.pipeline();
    for (const [q, id] of pairs) pipe.hgetall(this.engine.queue(q).schedule(id));
    const hashes = (await pipe.exec()) ?? [];
    const out: ScheduleInfo[] = [];
    pairs.forEach(([q, id], i) => {
      const [err, h] = hashes[i] ?? [];
      if (err) throw err;
      const info = parseSchedule(id, q, h as Record<string, string>);
      if (info) out.push(info);
    });
    return out;
  }
}

function date(v: string | undefined): Date | null {
  return v ? new Date(Number(v)) : null;
}

/** A schedule hash (SCHEDULE_FIELD) as ScheduleInfo; null for one removed meanwhile. */
function parseSchedule(id: string, queue: string, h: Record<string, string>): ScheduleInfo | null {
  if (!h[S.rule]) return null;
  return {
    id,
    name: h[S.name] ?? '',
    queue,
    rule: publicRule(decodeRule(h[S.rule])),
    data: decodeJson(h[S.data]),
    nextRunAt: date(h[S.next]),
    lastRunAt: date(h[S.last]),
    lastJobId: h[S.lastJob] || null,
    runs: Number(h[S.runs] ?? 0),
    createdAt: date(h[S.created]),
  };
}
