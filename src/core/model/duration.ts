import { InvalidOptionError } from './errors.js';

/** A number of seconds (as in RQ and Redis EXPIRE), or a string with a unit: '250ms', '30s', '5m', '2h', '1d'. */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

export interface DurationRules {
  /** -1 means "forever / no limit". */
  allowForever?: boolean;
  /** 0 is meaningful (e.g. resultTtl: delete at once). */
  allowZero?: boolean;
}

/** The value meaning "forever" once parsed. */
export const FOREVER = -1;

/**
 * Parses a Duration into whole milliseconds (>= 1, or 0 / -1 where allowed).
 * Throws InvalidOptionError naming the option and what it accepts.
 */
export function toMs(option: string, value: unknown, rules: DurationRules = {}): number {
  const expected =
    "a number of seconds > 0 or a string like '250ms', '30s', '5m', '2h', '1d'" +
    (rules.allowZero ? ', or 0' : '') +
    (rules.allowForever ? ', or -1 for no limit' : '');
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidOptionError(option, value, expected);
    if (value === -1 && rules.allowForever) return FOREVER;
    ms = value * 1000;
  } else if (typeof value === 'string') {
    const m = PATTERN.exec(value);
    if (!m) throw new InvalidOptionError(option, value, expected);
    ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  } else {
    throw new InvalidOptionError(option, value, expected);
  }
  if (ms === 0 && rules.allowZero) return 0;
  if (!(ms > 0)) throw new InvalidOptionError(option, value, expected);
  // Sub-millisecond remainders round up so that a positive duration never becomes 0.
  return Math.max(1, Math.round(ms));
}
