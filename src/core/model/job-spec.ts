import { callbackSetOf, type CallbackSet } from './callback-set.js';
import { DEFAULTS } from './defaults.js';
import { MAX_TTL_MS, toMs, type DurationRules } from './duration.js';
import { InvalidOptionError } from './errors.js';
import { assertKnownOptions, parseDependsOn } from './enqueue-options.js';
import { assertJobId, assertJobName, assertQueueName } from './names.js';
import { checkJson, encodeJson } from './payload.js';
import { isPlainObject } from './plain-object.js';
import type { EnqueueOptions, JobDefaults, JsonObject } from './types.js';
import { parseRetry, type RetryPolicy } from '../scheduler/retry-policy.js';
import { parseUnique, type UniqueSpec } from '../limits/unique.js';
import { parseGroup, type GroupSpec } from '../limits/group.js';
import { isLaneName, LANE_EXPECTED } from './queue-options.js';
import { cappedTtl, encodeOwnCounts, mergeRetention, parseKeep, type Retention } from './retention.js';

/** A job ready to be stored: options validated and in milliseconds, payload checked (and usually encoded). */
export interface JobSpec {
  id: string;
  /** The caller chose the id (jobId); else it is a new random UUID, which no job can hold yet. */
  chosenId: boolean;
  name: string;
  queue: string;
  /** The data as JSON ('' for none); read it through specData (it may not be encoded yet). */
  data: string;
  /** False while `dataValue` holds the caller's data, checked but not encoded yet (see buildJobSpec's `encodeNow`). */
  dataEncoded: boolean;
  dataValue: unknown;
  atFront: boolean;
  timeoutMs: number;
  resultTtlMs: number;
  failureTtlMs: number;
  /** null: no ttl. */
  ttlMs: number | null;
  maxAttempts: number;
  description: string | null;
  /** The meta as JSON ('' for none). */
  meta: string;
  /** Dependencies; `queue` undefined until the producer has looked the id up. */
  deps: DepRef[];
  allowFailure: boolean;
  cancelOnDependencyFailure: boolean;
  callbacks: CallbackSet;
  /** "queue|id" of the dependency whose result becomes this job's data (chain()), or ''. */
  pipeFrom: string;
  /** W3C traceparent of the producer span (set by the producer when tracing, only under an active span), or ''. */
  traceparent: string;
  /** Retries after failed runs (NO_RETRY: none). */
  retry: RetryPolicy;
  /** `delay` in ms (the script adds it to Redis time), or null. */
  delayMs: number | null;
  /** `runAt` in epoch ms, or null. */
  runAtMs: number | null;
  /** The job's own count caps as stored (model/retention.ts encodeOwnCounts), '' when it has none of its own. */
  keep: string;
  /** `unique`, checked (null: not unique); its key is made when the job is sent (enqueue-codec.ts specOptions). */
  unique: UniqueSpec | null;
  /** The lane it named ('' none, or the queue's fallback lane); checked against the queue's lanes by lanes/lanes.ts. */
  lane: string;
  /** `group`, checked (null: none). */
  group: GroupSpec | null;
}

export interface DepRef {
  id: string;
  queue: string | undefined;
  /** Created by the same enqueueMany call (so "missing" means "not yet"). */
  inBatch: boolean;
}

/** The deps of a job without dependencies: shared (frozen, so a write to it fails loudly), no array per job. */
const NO_DEP_REFS = Object.freeze([]) as unknown as DepRef[];

export const OPTIONS_EXPECTED = 'a plain object of enqueue options (not an array, Date, Map or class instance), or nothing';

/**
 * What each plain option accepts, as error messages say it: buildJobSpec throws with these, and the inbox script
 * (ingest.lua, which checks the same options in Redis) is given the same texts, so both say one thing.
 */
export const OPTION_EXPECTED = {
  atFront: 'true or false',
  attempts: 'a whole number from 1 to 1000',
  description: 'a string without lone UTF-16 surrogates',
  meta: 'a plain JSON object',
  onDependencyFailure: "'wait' or 'cancel'",
  priority: LANE_EXPECTED,
} as const;

/** The rules of each duration option (the inbox script applies the same). */
export const DURATION_RULES = {
  timeout: { allowForever: true },
  resultTtl: { allowForever: true, allowZero: true, max: MAX_TTL_MS },
  failureTtl: { allowForever: true, max: MAX_TTL_MS },
  /** -1 is taken too (no ttl, the default), before these rules apply */
  ttl: { max: MAX_TTL_MS },
  delay: { allowZero: true },
} as const satisfies Record<string, DurationRules>;

/**
 * Validates and normalises one enqueue. `options` is already merged (module defaults < @Job defaults < call).
 * Throws InvalidOptionError / PayloadNotSerializableError before anything is written.
 */
export function buildJobSpec(
  name: string,
  data: unknown,
  options: EnqueueOptions,
  defaultQueue: string,
  newId: () => string,
  /** false: check the data now, encode it when the job is sent (specData); see Producer.enqueueMany */
  encodeNow = true,
): JobSpec {
  assertJobName(name);
  // an array, Date or Map has no option keys of its own: it would pass as {}
  if (!isPlainObject(options as unknown)) throw new InvalidOptionError('options', options, OPTIONS_EXPECTED);
  assertKnownOptions(options, 'enqueue');
  // null is refused as for every other option, not taken for the default
  const queue = options.queue === undefined ? defaultQueue : options.queue;
  assertQueueName(queue);
  let id: string;
  const chosenId = options.jobId !== undefined;
  if (!chosenId) id = newId();
  else {
    assertJobId(options.jobId);
    id = options.jobId;
  }
  if (options.atFront !== undefined && typeof options.atFront !== 'boolean') {
    throw new InvalidOptionError('atFront', options.atFront, OPTION_EXPECTED.atFront);
  }
  const attempts = options.attempts === undefined ? DEFAULTS.MAX_ATTEMPTS : options.attempts;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 1000) {
    throw new InvalidOptionError('attempts', options.attempts, OPTION_EXPECTED.attempts);
  }
  // a lone surrogate is escaped by JSON.stringify as \udxxx, which Redis's JSON decoder (enqueue.lua) refuses
  if (options.description !== undefined && (typeof options.description !== 'string' || !options.description.isWellFormed())) {
    throw new InvalidOptionError('description', options.description, OPTION_EXPECTED.description);
  }
  if (options.meta !== undefined && !isPlainObject(options.meta)) {
    throw new InvalidOptionError('meta', options.meta, OPTION_EXPECTED.meta);
  }
  if (options.onDependencyFailure !== undefined && options.onDependencyFailure !== 'wait' && options.onDependencyFailure !== 'cancel') {
    throw new InvalidOptionError('onDependencyFailure', options.onDependencyFailure, OPTION_EXPECTED.onDependencyFailure);
  }
  if (options.priority !== undefined && !isLaneName(options.priority)) throw new InvalidOptionError('priority', options.priority, OPTION_EXPECTED.priority);
  const deps = parseDependsOn(options);
  for (const r of deps.refs) {
    if (r.id === id && (r.queue === undefined || r.queue === queue)) throw new InvalidOptionError('dependsOn', id, 'other jobs: a job cannot depend on itself');
  }
  const callbacks = callbackSetOf(options);
  // checked here (an enqueue's, a @Job's, the module's); resolved against the queue's caps by the producer
  if (options.keep !== undefined) parseKeep(options.keep);
  if (options.delay !== undefined && options.runAt !== undefined) {
    throw new InvalidOptionError('runAt', options.runAt, RUN_AT_EXPECTED.withDelay);
  }
  const what = () => `The data of job "${name}"`;
  // a value with a toJSON method is encoded at once: only encoding it tells whether it can be
  const later = !encodeNow && checkJson(data, what);
  return {
    id,
    chosenId,
    name,
    queue,
    data: later ? '' : encodeJson(data, what),
    dataEncoded: !later,
    dataValue: later ? data : undefined,
    atFront: (options.atFront ?? false) || deps.atFront,
    timeoutMs: options.timeout === undefined ? DEFAULTS.TIMEOUT_MS : toMs('timeout', options.timeout, DURATION_RULES.timeout),
    resultTtlMs: options.resultTtl === undefined ? DEFAULTS.RESULT_TTL_MS : toMs('resultTtl', options.resultTtl, DURATION_RULES.resultTtl),
    failureTtlMs: options.failureTtl === undefined ? DEFAULTS.FAILURE_TTL_MS : toMs('failureTtl', options.failureTtl, DURATION_RULES.failureTtl),
    ttlMs: options.ttl === undefined || options.ttl === -1 ? null : toMs('ttl', options.ttl, DURATION_RULES.ttl),
    maxAttempts: attempts,
    description: options.description ?? null,
    meta: options.meta === undefined ? '' : encodeJson(options.meta as JsonObject, 'meta'),
    deps: deps.refs.length ? deps.refs.map((r) => ({ ...r, inBatch: false })) : NO_DEP_REFS,
    allowFailure: deps.allowFailure,
    cancelOnDependencyFailure: options.onDependencyFailure === 'cancel',
    callbacks,
    pipeFrom: '',
    traceparent: '',
    retry: parseRetry(options.retry),
    delayMs: options.delay === undefined ? null : toMs('delay', options.delay, DURATION_RULES.delay),
    runAtMs: options.runAt === undefined ? null : runAtMs(options.runAt),
    keep: '',
    unique: parseUnique(options.unique),
    lane: options.priority ?? '',
    group: parseGroup(options.group),
  };
}

/** What `runAt` may be, as its errors say (the inbox script states the same texts). */
export const RUN_AT_EXPECTED = {
  value: 'a valid Date, or a number of epoch milliseconds',
  withDelay: 'no `runAt` together with `delay`: give one of them',
} as const;

/** The latest `runAt`: the latest instant a Date can hold. */
export const MAX_RUN_AT_MS = 8.64e15;

/** `runAt` as epoch ms: a valid Date or a finite number of ms. */
function runAtMs(v: unknown): number {
  const ms = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : NaN;
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_RUN_AT_MS) throw new InvalidOptionError('runAt', v, RUN_AT_EXPECTED.value);
  return Math.round(ms);
}

/** The job's data as JSON, encoded now if it was not yet (once: the spec keeps it). */
export function specData(s: JobSpec): string {
  if (!s.dataEncoded) {
    s.data = s.dataValue === undefined ? '' : JSON.stringify(s.dataValue);
    s.dataEncoded = true;
    s.dataValue = undefined;
  }
  return s.data;
}

/**
 * Checks preset options (the module's defaultJobOptions, a @Job's defaults) when they are declared, so a bad default
 * fails at start rather than at the first enqueue. `where` names them in the error.
 */
export function validateJobDefaults(defaults: unknown, where: string, defaultQueue: string): asserts defaults is JobDefaults {
  if (!isPlainObject(defaults)) throw new InvalidOptionError(where, defaults, 'an object of job options');
  assertKnownOptions(defaults, where);
  buildJobSpec('defaults-check', undefined, defaults, defaultQueue, () => 'x');
}

/**
 * Gives a job its own retention caps when its @Job (`jobKeep`) or its enqueue call (`callKeep`) sets `keep`: each
 * field of the call over the @Job's over the queue's (`queueLevel`). Its ages cap its stored ttls (so every script
 * that ends it applies them), its counts are stored (JOB_FIELD.keep). A job without caps of its own stores nothing:
 * the queue's apply when it ends.
 */
export function applyOwnRetention(spec: JobSpec, queueLevel: Retention, jobKeep: unknown, callKeep: unknown): void {
  if (jobKeep === undefined && callKeep === undefined) return;
  const r = mergeRetention(queueLevel, jobKeep === undefined ? undefined : parseKeep(jobKeep), callKeep === undefined ? undefined : parseKeep(callKeep));
  spec.resultTtlMs = cappedTtl(spec.resultTtlMs, r.finishedAgeMs);
  spec.failureTtlMs = cappedTtl(spec.failureTtlMs, r.failedAgeMs);
  spec.keep = encodeOwnCounts(r);
}
