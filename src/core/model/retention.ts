import { DEFAULTS } from './defaults.js';
import { FOREVER, MAX_TTL_MS, toMs, type Duration } from './duration.js';
import { InvalidOptionError } from './errors.js';
import { assertKnownKeys } from './known-keys.js';
import { isPlainObject } from './plain-object.js';

/**
 * How many ended jobs of one kind a queue keeps, and for how long: `count` (at most that many, the oldest go first;
 * -1 no cap) and `age` (a Duration; -1 no cap). Both apply alongside the RQ ttls (`resultTtl`, `failureTtl`):
 * whichever comes first removes the job.
 */
export interface KeepRule {
  count?: number;
  age?: Duration;
}

/**
 * Retention caps of ended jobs (BullMQ's removeOnComplete / removeOnFail): `finished` for finished jobs, `failed` for
 * failed jobs and for canceled, expired and stopped ones (each of those registries is capped on its own).
 */
export interface KeepOptions {
  finished?: KeepRule;
  failed?: KeepRule;
}

export const KEEP_OPTION_NAMES = Object.keys({ finished: 1, failed: 1 } satisfies Record<keyof KeepOptions, 1>);
export const KEEP_RULE_NAMES = Object.keys({ count: 1, age: 1 } satisfies Record<keyof KeepRule, 1>);

/** Caps as numbers: a count or an age in ms, -1 (FOREVER) for no cap; undefined (in a partial) for "not set here". */
export interface Retention {
  finishedCount: number;
  finishedAgeMs: number;
  failedCount: number;
  failedAgeMs: number;
}

export const UNBOUNDED: Readonly<Retention> = Object.freeze({ finishedCount: FOREVER, finishedAgeMs: FOREVER, failedCount: FOREVER, failedAgeMs: FOREVER });

/** The largest count cap (a registry holds far fewer jobs than this in any Redis). */
const MAX_COUNT = 1e9;

/** Checks a `keep` option and returns the caps it sets (only those: a level overrides the levels below it field by field). */
export function parseKeep(value: unknown, where = 'keep'): Partial<Retention> {
  if (!isPlainObject(value)) throw new InvalidOptionError(where, value, `an object with some of: ${KEEP_OPTION_NAMES.join(', ')}`);
  assertKnownKeys(value, where, KEEP_OPTION_NAMES);
  const out: Partial<Retention> = {};
  const v = value as KeepOptions;
  if (v.finished !== undefined) {
    const r = parseRule(v.finished, `${where}.finished`);
    if (r.count !== undefined) out.finishedCount = r.count;
    if (r.ageMs !== undefined) out.finishedAgeMs = r.ageMs;
  }
  if (v.failed !== undefined) {
    const r = parseRule(v.failed, `${where}.failed`);
    if (r.count !== undefined) out.failedCount = r.count;
    if (r.ageMs !== undefined) out.failedAgeMs = r.ageMs;
  }
  return out;
}

function parseRule(value: unknown, where: string): { count?: number; ageMs?: number } {
  if (!isPlainObject(value)) throw new InvalidOptionError(where, value, `an object with some of: ${KEEP_RULE_NAMES.join(', ')}`);
  assertKnownKeys(value, where, KEEP_RULE_NAMES);
  const r = value as KeepRule;
  const out: { count?: number; ageMs?: number } = {};
  if (r.count !== undefined) {
    if (r.count !== FOREVER && (!Number.isInteger(r.count) || r.count < 0 || r.count > MAX_COUNT)) {
      throw new InvalidOptionError(`${where}.count`, r.count, `a whole number of jobs from 0 to ${MAX_COUNT}, or -1 for no cap`);
    }
    out.count = r.count;
  }
  if (r.age !== undefined) out.ageMs = toMs(`${where}.age`, r.age, { allowForever: true, max: MAX_TTL_MS });
  return out;
}

/** The caps of `levels`, lowest first, each set field overriding the ones below; unset fields are unbounded. */
export function mergeRetention(...levels: (Partial<Retention> | undefined)[]): Retention {
  const r: Retention = { ...UNBOUNDED };
  for (const l of levels) if (l) Object.assign(r, l);
  return r;
}

/** The shorter of a ttl (ms, -1 forever, 0 at once) and an age cap (ms, -1 none). */
export function cappedTtl(ttlMs: number, ageMs: number): number {
  if (ageMs === FOREVER) return ttlMs;
  if (ttlMs === FOREVER) return ageMs;
  return Math.min(ttlMs, ageMs);
}

/**
 * The stored form of a job's own count caps (job field `k`, set only when its @Job or enqueue call gives `keep`):
 * "finishedCount,failedCount", each '' for no cap. Its ages are folded into its stored ttls.
 */
export function encodeOwnCounts(r: Retention): string {
  return `${r.finishedCount === FOREVER ? '' : r.finishedCount},${r.failedCount === FOREVER ? '' : r.failedCount}`;
}

/** The queue-level caps as a queue's meta stores them for the scripts (lib/retention.lua): "fc,fa,xc,xa", '' for none. */
export function encodeQueueRetention(r: Retention): string {
  const f = (n: number) => (n === FOREVER ? '' : String(n));
  return `${f(r.finishedCount)},${f(r.finishedAgeMs)},${f(r.failedCount)},${f(r.failedAgeMs)}`;
}

/**
 * What a worker sends as the ttl of an outcome record (work.lua): "<ttl ms or '' for the default>" and, when a count
 * cap applies, ",<count>". `storedTtl` is the job's stored ttl ('' for the default); `ownCounts` its `k` field, if
 * any (its own caps replace the queue's: its ttls were capped by its own ages at enqueue).
 */
export function outcomeTtl(storedTtl: string, defaultMs: number, ageMs: number, count: number): string {
  let ttl = storedTtl;
  if (ageMs !== FOREVER) {
    const capped = cappedTtl(storedTtl === '' ? defaultMs : Number(storedTtl), ageMs);
    ttl = capped === defaultMs ? '' : String(capped);
  }
  return count === FOREVER ? ttl : `${ttl},${count}`;
}

/** The outcome ttls of jobs of a queue with `r` as its caps, computed once per queue. */
export interface OutcomeTtls {
  retention: Retention;
  /** for a job with default ttls and no caps of its own */
  finished: string;
  failed: string;
}

export function outcomeTtls(r: Retention): OutcomeTtls {
  return {
    retention: r,
    finished: outcomeTtl('', DEFAULTS.RESULT_TTL_MS, r.finishedAgeMs, r.finishedCount),
    failed: outcomeTtl('', DEFAULTS.FAILURE_TTL_MS, r.failedAgeMs, r.failedCount),
  };
}

/** A job's outcome ttls from its stored ttls and own counts (`k`), or the queue's caps when it has none of its own. */
export function jobOutcomeTtls(q: OutcomeTtls, resultTtl: string, failureTtl: string, ownCounts: string): { finished: string; failed: string } {
  if (ownCounts !== '') {
    const comma = ownCounts.indexOf(',');
    const fc = ownCounts.slice(0, comma);
    const xc = ownCounts.slice(comma + 1);
    return { finished: fc === '' ? resultTtl : `${resultTtl},${fc}`, failed: xc === '' ? failureTtl : `${failureTtl},${xc}` };
  }
  const r = q.retention;
  return {
    finished: outcomeTtl(resultTtl, DEFAULTS.RESULT_TTL_MS, r.finishedAgeMs, r.finishedCount),
    failed: outcomeTtl(failureTtl, DEFAULTS.FAILURE_TTL_MS, r.failedAgeMs, r.failedCount),
  };
}

/** True when either kind of ended job has no count cap: the queue's kept jobs grow with its rate (the start-up warning). */
export function countless(r: Retention): boolean {
  return r.finishedCount === FOREVER || r.failedCount === FOREVER;
}

/**
 * A client's queue-level caps: its `defaultJobOptions.keep` below each queue's `queues.<name>.keep`. Producers resolve
 * a job's own caps against them; workers apply them to jobs without caps of their own, and store them in each queue's
 * meta for the scripts that end jobs outside a worker's round trip (cancel, stop, expiry, reclaim).
 */
export class QueueRetention {
  private readonly merged = new Map<string, OutcomeTtls>();

  constructor(
    private readonly base: Partial<Retention>,
    private readonly queues: ReadonlyMap<string, Partial<Retention>>,
  ) {}

  of(queue: string): Retention {
    return this.ttls(queue).retention;
  }

  ttls(queue: string): OutcomeTtls {
    let t = this.merged.get(queue);
    if (!t) this.merged.set(queue, (t = outcomeTtls(mergeRetention(this.base, this.queues.get(queue)))));
    return t;
  }
}
