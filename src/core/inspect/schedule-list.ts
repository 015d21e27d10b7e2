import type { Engine } from '../engine.js';
import { decodeJson } from '../model/payload.js';
import { sendAll } from '../redis/connection.js';
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
    // one pipeline each on one Redis; on a cluster each read goes to its queue's node (sendAll)
    const ids = (await sendAll(
      redis,
      queues.map((q) => ['zrange', this.engine.queue(q).schedules, '0', '-1']),
    )) as string[][];
    const pairs = queues.flatMap((q, i) => ids[i]!.map((id): [string, string] => [q, id]));
    if (!pairs.length) return [];
    const hashes = (await sendAll(
      redis,
      pairs.map(([q, id]) => ['hgetall', this.engine.queue(q).schedule(id)]),
    )) as unknown[];
    const out: ScheduleInfo[] = [];
    pairs.forEach(([q, id], i) => {
      const info = parseSchedule(id, q, hashFields(hashes[i]));
      if (info) out.push(info);
    });
    return out;
  }
}

/** HGETALL's reply through `call` (a flat field, value list; ioredis makes an object only for its hgetall method). */
function hashFields(reply: unknown): Record<string, string> {
  if (!Array.isArray(reply)) return (reply ?? {}) as Record<string, string>;
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) h[String(reply[i])] = String(reply[i + 1]);
  return h;
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
