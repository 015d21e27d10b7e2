import { toMs } from '../model/duration.js';
import { InvalidOptionError } from '../model/errors.js';
import { isPlainObject } from '../model/plain-object.js';
import type { GroupOption } from '../model/types.js';
import type { RedisClient } from '../redis/connection.js';
import type { QueueKeys } from '../redis/keys.js';

/** A job's `group` option, checked: the group (tenant) id, and the group's limits (null: none). */
export interface GroupSpec {
  id: string;
  concurrency: number | null;
  rate: { max: number; perMs: number } | null;
}

/** The longest group id, in characters: it becomes part of a Redis key. */
export const MAX_GROUP_ID_LENGTH = 128;
/** The highest group concurrency and rate `max` (as a queue's rate limit). */
export const MAX_GROUP_CONCURRENCY = 100_000;
export const MAX_GROUP_RATE = 1_000_000;
/** The Duration rules of `group.rateLimit.per`. */
export const GROUP_RATE_PER_RULES = { max: 86_400_000 } as const;

/** What each part of `group` may be, as its errors say (the inbox script, lib/inbox.lua, states the same texts). */
export const GROUP_EXPECTED = {
  group: '{ id: a string of 1 to 128 characters, concurrency?: a whole number >= 1, rateLimit?: { max, per } }',
  id: `a string of 1 to ${MAX_GROUP_ID_LENGTH} characters without control characters`,
  concurrency: `a whole number of jobs from 1 to ${MAX_GROUP_CONCURRENCY}`,
  rateLimit: '{ max, per }: at most `max` jobs of the group start per `per`',
  rateLimitFields: '{ max, per }',
  max: `a whole number of jobs from 1 to ${MAX_GROUP_RATE}`,
  per: "a Duration (e.g. '1s', '1m')",
} as const;

// a group id travels in tab- and line-separated replies (work.lua), so it holds no control character
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Checks `group`; null when the job names none. */
export function parseGroup(value: unknown): GroupSpec | null {
  if (value === undefined) return null;
  if (!isPlainObject(value)) throw new InvalidOptionError('group', value, GROUP_EXPECTED.group);
  for (const k of Object.keys(value)) {
    if (k !== 'id' && k !== 'concurrency' && k !== 'rateLimit') throw new InvalidOptionError('group', value, `${GROUP_EXPECTED.group}; \`${k}\` is not one of its fields`);
  }
  const { id, concurrency, rateLimit } = value as Partial<GroupOption>;
  if (typeof id !== 'string' || id.length < 1 || id.length > MAX_GROUP_ID_LENGTH || CONTROL.test(id) || !id.isWellFormed()) {
    throw new InvalidOptionError('group.id', id, GROUP_EXPECTED.id);
  }
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_GROUP_CONCURRENCY)) {
    throw new InvalidOptionError('group.concurrency', concurrency, GROUP_EXPECTED.concurrency);
  }
  return { id, concurrency: concurrency ?? null, rate: rateLimit === undefined ? null : parseGroupRate(rateLimit) };
}

function parseGroupRate(value: unknown): { max: number; perMs: number } {
  const where = 'group.rateLimit';
  if (!isPlainObject(value)) throw new InvalidOptionError(where, value, GROUP_EXPECTED.rateLimit);
  for (const k of Object.keys(value)) {
    if (k !== 'max' && k !== 'per') throw new InvalidOptionError(where, value, `${GROUP_EXPECTED.rateLimitFields}; \`${k}\` is not one of its fields`);
  }
  const { max, per } = value as { max?: unknown; per?: unknown };
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_GROUP_RATE) {
    throw new InvalidOptionError(`${where}.max`, max, GROUP_EXPECTED.max);
  }
  if (per === undefined) throw new InvalidOptionError(`${where}.per`, per, GROUP_EXPECTED.per);
  return { max, perMs: toMs(`${where}.per`, per, GROUP_RATE_PER_RULES) };
}

/** The stored limits of a group (ENQUEUE_OPTION.groupLimits, lib/group-keys.lua): "concurrency max perMs", '-' for none. */
export function encodeGroupLimits(g: GroupSpec): string {
  return `${g.concurrency ?? '-'} ${g.rate ? `${g.rate.max} ${g.rate.perMs}` : '- -'}`;
}

/** A group of a queue as inspection shows it (Inspector.groupCounts, QueueSummary.groups). */
export interface GroupCount {
  group: string;
  queued: number;
  running: number;
  /** its limits as the last enqueue of its jobs gave them (null: none) */
  concurrency: number | null;
  rateLimit: { max: number; perMs: number } | null;
}

/** The stored limits (encodeGroupLimits) as numbers. */
export function decodeGroupLimits(s: string): Pick<GroupCount, 'concurrency' | 'rateLimit'> {
  const [c, max, per] = s.split(' ');
  return { concurrency: c && c !== '-' ? Number(c) : null, rateLimit: max && max !== '-' ? { max: Number(max), perMs: Number(per) } : null };
}

/**
 * The lists of the groups of a queue that have queued jobs (whole-queue counts and listings, emptyQueue), by group id:
 * never the idle groups, which the `groups` hash keeps for their limits.
 */
export async function groupLists(redis: RedisClient, q: QueueKeys): Promise<string[]> {
  return (await redis.smembers(q.groupQueued)).sort().map((g) => q.group(g));
}
