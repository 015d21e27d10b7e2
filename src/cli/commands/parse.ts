import type { Duration } from '../../core/index.js';
import { UsageError } from '../context.js';

/** A whole number option within bounds, or a UsageError naming it. */
export function intOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}; got "${value}".`);
  }
  return n;
}

/** One of `allowed`, or a UsageError listing them. */
export function statusOption<S extends string>(value: string, allowed: readonly S[], what = '--status'): S {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${what} must be one of ${allowed.join(', ')}; got "${value}".`);
  return value as S;
}

/** A JSON option's value, or a UsageError naming the option. */
export function jsonOption(name: string, value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch (err) {
    throw new UsageError(`--${name} must be JSON (${(err as Error).message}); got ${value}.`);
  }
}

/** A Duration option: a number of seconds, or a string with a unit ('30s', '5m'), checked by the engine. */
export function durationOption(value: string): Duration {
  return /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : (value as Duration);
}

/** An instant: an ISO 8601 date-time, or epoch ms; a UsageError naming the option otherwise. */
export function dateOption(name: string, value: string): Date {
  const d = /^\d+$/.test(value.trim()) ? new Date(Number(value)) : new Date(value);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${name} must be an ISO 8601 date-time or epoch ms; got "${value}".`);
  return d;
}
