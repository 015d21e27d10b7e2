import { toMs } from '../model/duration.js';
import {
  InvalidOptionError,
  PayloadNotSerializableError,
  PayloadValidationError,
  RetryJobError,
  UnknownCallbackError,
  UnknownJobError,
  UnrecoverableJobError,
} from '../model/errors.js';
import { isPlainObject } from '../model/plain-object.js';
import type { RetryOption } from '../model/types.js';

/** Most retries one job may be given. */
export const MAX_RETRIES = 1000;

/** Retries a handler's RetryJobError gets on a job enqueued without `retry` (streaQ's default tries). */
export const DEFAULT_REQUESTED_RETRIES = 3;

/**
 * A job's `retry` option, checked and in milliseconds, in the short JSON shape stored in its hash (JOB_FIELD.retry)
 * and read back by the worker that runs it: `m` most retries; then `l` a list of waits, or `t` 'f' fixed / 'e'
 * exponential with `d` delay, `x` cap (absent: none) and `j` jitter (absent: 0). No `l` and no `t`: at once.
 */
export interface RetryPolicy {
  m: number;
  l?: number[];
  t?: 'f' | 'e';
  d?: number;
  x?: number;
  j?: number;
}

/** No retries (the default), and the policy of a job without `retry` when its handler throws RetryJobError. */
export const NO_RETRY: RetryPolicy = Object.freeze({ m: 0 });
const REQUESTED_ONLY: RetryPolicy = Object.freeze({ m: DEFAULT_REQUESTED_RETRIES });

/** Validates `retry` (throws InvalidOptionError naming what is wrong); NO_RETRY when absent. */
export function parseRetry(value: RetryOption | undefined): RetryPolicy {
  if (value === undefined) return NO_RETRY;
  const expected = `a whole number of retries from 0 to ${MAX_RETRIES}, or { max, backoff? }`;
  if (typeof value === 'number') return { m: retryCount('retry', value, expected) };
  if (!isPlainObject(value)) throw new InvalidOptionError('retry', value, expected);
  for (const k of Object.keys(value)) if (k !== 'max' && k !== 'backoff') throw new InvalidOptionError(`retry.${k}`, value[k as never], 'only `max` and `backoff`');
  const policy: RetryPolicy = { m: retryCount('retry.max', value.max, `a whole number from 0 to ${MAX_RETRIES}`) };
  const b = value.backoff;
  if (b === undefined) return policy;
  const waitOpt = { allowZero: true };
  if (Array.isArray(b)) {
    if (b.length === 0 || b.length > MAX_RETRIES) throw new InvalidOptionError('retry.backoff', b, `a list of 1 to ${MAX_RETRIES} durations`);
    policy.l = b.map((d, i) => toMs(`retry.backoff[${i}]`, d, waitOpt));
  } else if (isPlainObject(b)) {
    for (const k of Object.keys(b)) {
      if (!['type', 'delay', 'maxDelay', 'jitter'].includes(k)) throw new InvalidOptionError(`retry.backoff.${k}`, b[k as never], 'only `type`, `delay`, `maxDelay` and `jitter`');
    }
    if (b.type !== 'fixed' && b.type !== 'exponential') throw new InvalidOptionError('retry.backoff.type', b.type, "'fixed' or 'exponential'");
    policy.t = b.type === 'fixed' ? 'f' : 'e';
    policy.d = toMs('retry.backoff.delay', b.delay, waitOpt);
    if (b.maxDelay !== undefined) policy.x = toMs('retry.backoff.maxDelay', b.maxDelay);
    if (b.jitter !== undefined) {
      if (typeof b.jitter !== 'number' || !(b.jitter >= 0 && b.jitter <= 1)) throw new InvalidOptionError('retry.backoff.jitter', b.jitter, 'a number from 0 to 1');
      if (b.jitter > 0) policy.j = b.jitter;
    }
  } else {
    policy.l = [toMs('retry.backoff', b, waitOpt)];
  }
  return policy;
}

function retryCount(option: string, v: unknown, expected: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_RETRIES) throw new InvalidOptionError(option, v, expected);
  return v;
}

/** The stored form: '' for no retries, so a job without `retry` stores nothing. */
export function encodeRetryPolicy(p: RetryPolicy): string {
  return p.m === 0 && p === NO_RETRY ? '' : JSON.stringify(p);
}

/** The policy a worker read from the job's hash ('' for none). */
export function decodeRetryPolicy(stored: string): RetryPolicy {
  return stored ? (JSON.parse(stored) as RetryPolicy) : NO_RETRY;
}

/** The wait before retry number `n` (1 for the first retry), in ms. */
export function backoffMs(p: RetryPolicy, n: number, random: () => number = Math.random): number {
  if (p.l) return p.l[Math.min(n, p.l.length) - 1]!;
  if (p.t === undefined) return 0;
  let ms = p.t === 'e' ? p.d! * 2 ** Math.min(n - 1, 1000) : p.d!;
  if (p.x !== undefined) ms = Math.min(ms, p.x);
  if (p.j) ms -= ms * p.j * random();
  // a wait past what a timer and Redis handle well is no wait anyone asked for: cap it at ten years
  return Math.round(Math.min(ms, 10 * 365 * 86_400_000));
}

/** What a failed run comes to: run again after `delayMs`, or fail for good. */
export interface RetryDecision {
  retry: boolean;
  delayMs: number;
}

const FINAL: RetryDecision = Object.freeze({ retry: false, delayMs: 0 });

/**
 * Whether a run that failed with `err` runs again. `retries`: retries so far. `never`: the error is one no retry can
 * mend (invalid data, an unknown handler or callback, UnrecoverableJobError). A `requested` retry (RetryJobError)
 * is honoured while retries remain, a job without `retry` getting DEFAULT_REQUESTED_RETRIES; its own delay wins
 * over the backoff.
 */
export function decideRetry(p: RetryPolicy, retries: number, failure: { never: boolean; requested: boolean; requestedDelayMs: number | undefined }): RetryDecision {
  if (failure.never) return FINAL;
  const policy = failure.requested && p === NO_RETRY ? REQUESTED_ONLY : p;
  if (retries >= policy.m) return FINAL;
  const delayMs = failure.requested && failure.requestedDelayMs !== undefined ? failure.requestedDelayMs : backoffMs(policy, retries + 1);
  return { retry: true, delayMs };
}

/**
 * decideRetry for a run that threw `err`, with the job's stored policy and its retries so far (as fetched). Never
 * retried: errors no rerun can mend (the data does not pass its checks or is not JSON, the handler or a callback is
 * unknown here) and UnrecoverableJobError.
 */
export function retryDecisionFor(err: unknown, storedPolicy: string, retries: number): RetryDecision {
  // by name too: an error thrown in a job thread comes back as a plain Error that keeps only its name
  const name = err instanceof Error ? err.name : '';
  const never =
    err instanceof UnrecoverableJobError ||
    err instanceof PayloadValidationError ||
    err instanceof PayloadNotSerializableError ||
    err instanceof UnknownJobError ||
    err instanceof UnknownCallbackError ||
    NEVER_RETRIED.has(name);
  const requested = err instanceof RetryJobError || name === 'RetryJobError';
  const requestedDelayMs = err instanceof RetryJobError ? err.delayMs : undefined;
  return decideRetry(decodeRetryPolicy(storedPolicy), retries, { never, requested, requestedDelayMs });
}

const NEVER_RETRIED = new Set(['UnrecoverableJobError', 'PayloadValidationError', 'PayloadNotSerializableError', 'UnknownJobError', 'UnknownCallbackError']);
