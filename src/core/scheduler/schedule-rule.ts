import { createHash } from 'node:crypto';
import { Cron } from 'croner';
import { toMs } from '../model/duration.js';
import { InvalidOptionError } from '../model/errors.js';
import { isPlainObject } from '../model/plain-object.js';
import type { JobSchedule, ScheduleRule } from '../model/types.js';

/** The shortest `every`: a schedule is not a busy loop. */
export const MIN_EVERY_MS = 100;

/**
 * A schedule's rule, checked, in ms, as stored (JSON, keys always in this order, so one rule is one text and the
 * upsert script can tell a changed rule from a repeated registration).
 */
export interface StoredRule {
  cron?: string;
  everyMs?: number;
  tz?: string;
  startAt?: number;
  endAt?: number;
  limit?: number;
}

const RULE_KEYS = ['cron', 'every', 'tz', 'startAt', 'endAt', 'limit'];

/** Checks a `@Job`'s `schedule` (a rule and `data`) when the handler is declared, so a bad one fails at start. */
export function validateJobSchedule(schedule: JobSchedule, where: string): void {
  parseScheduleRule(schedule, where, ['data']);
}

/**
 * Validates a schedule rule (cron of 5 fields, or 6 with seconds first, parsed by croner; or `every`), throwing
 * InvalidOptionError naming what is wrong (`where`: how the caller names the rule, e.g. 'schedule').
 */
export function parseScheduleRule(rule: ScheduleRule, where: string, extraKeys: readonly string[] = []): StoredRule {
  if (!isPlainObject(rule)) throw new InvalidOptionError(where, rule, 'an object { cron?, every?, tz?, startAt?, endAt?, limit? }');
  for (const k of Object.keys(rule)) {
    if (!RULE_KEYS.includes(k) && !extraKeys.includes(k)) {
      throw new InvalidOptionError(`${where}.${k}`, rule[k as never], `one of ${[...RULE_KEYS, ...extraKeys].join(', ')}`);
    }
  }
  const out: StoredRule = {};
  if ((rule.cron === undefined) === (rule.every === undefined)) {
    throw new InvalidOptionError(where, rule, 'exactly one of `cron` (a cron expression) and `every` (a Duration)');
  }
  if (rule.tz !== undefined) {
    if (rule.cron === undefined) throw new InvalidOptionError(`${where}.tz`, rule.tz, 'a time zone only with `cron` (`every` counts time, not clock hours)');
    if (typeof rule.tz !== 'string' || !isTimeZone(rule.tz)) throw new InvalidOptionError(`${where}.tz`, rule.tz, "an IANA time zone such as 'Europe/Paris' or 'UTC'");
  }
  if (rule.cron !== undefined) {
    const expected = 'a cron expression of 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), e.g. "30 9 * * mon-fri"';
    if (typeof rule.cron !== 'string' || rule.cron.trim() === '') throw new InvalidOptionError(`${where}.cron`, rule.cron, expected);
    let cron: Cron;
    try {
      cron = cronOf(rule.cron, rule.tz);
    } catch (err) {
      throw new InvalidOptionError(`${where}.cron`, rule.cron, `${expected} (${(err as Error).message})`);
    }
    if (cron.nextRun() === null) throw new InvalidOptionError(`${where}.cron`, rule.cron, 'an expression that matches some future time');
    out.cron = rule.cron.trim();
  } else {
    out.everyMs = toMs(`${where}.every`, rule.every);
    if (out.everyMs < MIN_EVERY_MS) throw new InvalidOptionError(`${where}.every`, rule.every, `at least ${MIN_EVERY_MS}ms`);
  }
  if (rule.tz !== undefined) out.tz = rule.tz;
  if (rule.startAt !== undefined) out.startAt = instant(`${where}.startAt`, rule.startAt);
  if (rule.endAt !== undefined) out.endAt = instant(`${where}.endAt`, rule.endAt);
  if (out.startAt !== undefined && out.endAt !== undefined && out.endAt <= out.startAt) {
    throw new InvalidOptionError(`${where}.endAt`, rule.endAt, 'an instant after `startAt`');
  }
  if (rule.limit !== undefined) {
    if (typeof rule.limit !== 'number' || !Number.isInteger(rule.limit) || rule.limit < 1) throw new InvalidOptionError(`${where}.limit`, rule.limit, 'a whole number of runs >= 1');
    out.limit = rule.limit;
  }
  return out;
}

function instant(option: string, v: unknown): number {
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : NaN;
  if (!Number.isFinite(ms) || ms < 0 || ms > 8.64e15) throw new InvalidOptionError(option, v, 'a valid Date, or a number of epoch milliseconds');
  return Math.round(ms);
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Parsed cron expressions, by expression and zone: a worker fires the same few schedules again and again. */
const crons = new Map<string, Cron>();

function cronOf(expr: string, tz: string | undefined): Cron {
  const key = `${tz ?? ''}\n${expr}`;
  let cron = crons.get(key);
  if (!cron) {
    // paused: croner only computes times here, it never runs anything (the workers fire ticks, lib/schedule.lua)
    cron = new Cron(expr, { paused: true, mode: '5-or-6-parts', timezone: tz ?? 'UTC' });
    if (crons.size >= 1000) crons.clear();
    crons.set(key, cron);
  }
  return cron;
}

/**
 * The first tick of `rule` strictly after `after` (ms), or null when there is none (past endAt). `every` ticks fall
 * on startAt + k * every, or anchor + k * every (k >= 1) without startAt: the anchor is when the rule was
 * registered, so the ticks of one rule never drift with the moment each was fired.
 */
export function nextTick(rule: StoredRule, after: number, anchor: number): number | null {
  let t: number;
  if (rule.everyMs !== undefined) {
    const every = rule.everyMs;
    const first = rule.startAt ?? anchor + every;
    t = after < first ? first : first + (Math.floor((after - first) / every) + 1) * every;
  } else {
    const from = rule.startAt !== undefined ? Math.max(after, rule.startAt - 1) : after;
    const next = cronOf(rule.cron!, rule.tz).nextRun(new Date(from));
    if (!next) return null;
    t = next.getTime();
  }
  return rule.endAt !== undefined && t > rule.endAt ? null : t;
}

export function encodeRule(rule: StoredRule): string {
  return JSON.stringify(rule);
}

export function decodeRule(text: string): StoredRule {
  return JSON.parse(text) as StoredRule;
}

/** A stored rule as the ScheduleRule a caller would give. */
export function publicRule(rule: StoredRule): ScheduleRule {
  const out: ScheduleRule = {};
  if (rule.cron !== undefined) out.cron = rule.cron;
  if (rule.everyMs !== undefined) out.every = `${rule.everyMs}ms`;
  if (rule.tz !== undefined) out.tz = rule.tz;
  if (rule.startAt !== undefined) out.startAt = new Date(rule.startAt);
  if (rule.endAt !== undefined) out.endAt = new Date(rule.endAt);
  if (rule.limit !== undefined) out.limit = rule.limit;
  return out;
}

const SAFE_ID = /^[A-Za-z0-9_.-]{1,100}$/;

/** Checks a schedule id: a non-empty string of at most 200 characters, none of them control characters. */
export function assertScheduleId(id: unknown): asserts id is string {
  // eslint-disable-next-line no-control-regex
  if (typeof id !== 'string' || id === '' || id.length > 200 || /[\u0000-\u001f\u007f]/.test(id)) {
    throw new InvalidOptionError('schedule id', id, 'a non-empty string of at most 200 characters, without control characters');
  }
}

/**
 * The id of the job a schedule's tick enqueues: the same for one tick whoever fires it, so no tick makes two jobs.
 * `sched.<schedule id>.<tick ms>` when the schedule id is made of job-id characters, else `sched-<digest>.<tick ms>`.
 */
export function tickJobId(scheduleId: string, tick: number | string): string {
  if (SAFE_ID.test(scheduleId)) return `sched.${scheduleId}.${tick}`;
  return `sched-${createHash('sha256').update(scheduleId).digest('base64url').slice(0, 32)}.${tick}`;
}
