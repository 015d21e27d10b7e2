import { InvalidOptionError } from './errors.js';

/** A number of seconds (as in RQ and Redis EXPIRE), or a string with a unit: '250ms', '30s', '5m', '2h', '1d'. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/** The longest duration a timer can wait (about 24.8 days): Node.js fires a longer setTimeout at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The longest ttl (10 years). Deadlines (now + ttl) then stay below 1e14 ms, which the scripts' tostring (%.14g)
 * still writes exactly, far from what PEXPIRE refuses (a deadline past 2^63 ms fails the worker's whole call).
 */
export const MAX_TTL_MS = 3650 * 86_400_000;

export interface DurationRules {
  /** -1 means "forever / no limit". */
  allowForever?: boolean;
  /** 0 is meaningful (e.g. resultTtl: delete at once). */
  allowZero?: boolean;
  /** The largest value in ms. Default MAX_TIMER_MS: a duration is waited for with a timer unless it is a ttl. */
  max?: number;
}

/** The value meaning "forever" once parsed. */
export const FOREVER = -1;

/**
 * Parses a Duration into whole milliseconds (>= 1, or 0 / -1 where allowed, at most `rules.max`).
 * Throws InvalidOptionError naming the option and what it accepts.
 */
export function toMs(option: string, value: unknown, rules: DurationRules = {}): number {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(option, value, rules);
    if (value === -1 && rules.allowForever) return FOREVER;
    ms = value * 1000;
  } else if (typeof value === 'string') {
    const m = PATTERN.exec(value);
    if (!m) throw invalid(option, value, rules);
    ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  } else {
    throw invalid(option, value, rules);
  }
  if (ms === 0 && rules.allowZero) return 0;
  // Sub-millisecond remainders round up so that a positive duration never becomes 0.
  const whole = Math.max(1, Math.round(ms));
  if (!(ms > 0) || whole > (rules.max ?? MAX_TIMER_MS)) throw invalid(option, value, rules);
  return whole;
}

/** Built only on failure: the hot path formats no message. */
function invalid(option: string, value: unknown, rules: DurationRules): InvalidOptionError {
  return new InvalidOptionError(option, value, durationExpected(rules));
}

/** What a duration under `rules` may be, as error messages say it (the inbox script states the same text). */
export function durationExpected(rules: DurationRules): string {
  const max = rules.max ?? MAX_TIMER_MS;
  return (
    "a number of seconds > 0 or a string like '250ms', '30s', '5m', '2h', '1d'" +
    (rules.allowZero ? ', or 0' : '') +
    (rules.allowForever ? ', or -1 for no limit' : '') +
    `; at most ${max}ms (${Math.floor(max / 8_640_000) / 10} days)` +
    (max === MAX_TIMER_MS ? ', the longest timer Node.js can wait' : '')
  );
}
