import { DEFAULTS } from './defaults.js';
import { toMs } from './duration.js';
import { InvalidOptionError } from './errors.js';
import { assertJobId, assertQueueName } from './keys.js';
import { encodeJson } from './payload.js';
import type { EnqueueOptions, JsonObject } from './types.js';

/** A job ready for the enqueue script: options validated and in milliseconds, payload encoded. */
export interface JobSpec {
  id: string;
  name: string;
  queue: string;
  data: string;
  atFront: boolean;
  timeoutMs: number;
  resultTtlMs: number;
  failureTtlMs: number;
  /** null: no ttl. */
  ttlMs: number | null;
  maxAttempts: number;
  description: string | null;
  meta: string;
}

const KNOWN_OPTIONS = new Set([
  'queue',
  'jobId',
  'atFront',
  'ttl',
  'resultTtl',
  'failureTtl',
  'timeout',
  'attempts',
  'description',
  'meta',
]);

export function assertJobName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 256) {
    throw new InvalidOptionError('name', name, 'a non-empty job name (the @Job name) of at most 256 characters');
  }
}

/** Checks the keys of an options object, so a typo (`tll`) is an error instead of a silently ignored option. */
export function assertKnownOptions(options: object, where: string): void {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new InvalidOptionError(key, (options as Record<string, unknown>)[key], `one of the known ${where} options (${[...KNOWN_OPTIONS].join(', ')}); \`${key}\` is not one`);
    }
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Validates and normalises one enqueue. `options` is already merged (module defaults < @Job defaults < call).
 * Throws InvalidOptionError / PayloadNotSerializableError before anything is written.
 */
export function buildJobSpec(name: string, data: unknown, options: EnqueueOptions, defaultQueue: string, newId: () => string): JobSpec {
  assertJobName(name);
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError('options', options, 'an object of enqueue options, or nothing');
  }
  assertKnownOptions(options, 'enqueue');
  const queue = options.queue ?? defaultQueue;
  assertQueueName(queue);
  let id: string;
  if (options.jobId === undefined) id = newId();
  else {
    assertJobId(options.jobId);
    id = options.jobId;
  }
  if (options.atFront !== undefined && typeof options.atFront !== 'boolean') {
    throw new InvalidOptionError('atFront', options.atFront, 'true or false');
  }
  const attempts = options.attempts ?? DEFAULTS.MAX_ATTEMPTS;
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > 1000) {
    throw new InvalidOptionError('attempts', options.attempts, 'a whole number from 1 to 1000');
  }
  if (options.description !== undefined && typeof options.description !== 'string') {
    throw new InvalidOptionError('description', options.description, 'a string');
  }
  if (options.meta !== undefined && !isPlainObject(options.meta)) {
    throw new InvalidOptionError('meta', options.meta, 'a plain JSON object');
  }
  return {
    id,
    name,
    queue,
    data: encodeJson(data, `The data of job "${name}"`),
    atFront: options.atFront ?? false,
    timeoutMs: options.timeout === undefined ? DEFAULTS.TIMEOUT_MS : toMs('timeout', options.timeout, { allowForever: true }),
    resultTtlMs:
      options.resultTtl === undefined ? DEFAULTS.RESULT_TTL_MS : toMs('resultTtl', options.resultTtl, { allowForever: true, allowZero: true }),
    failureTtlMs:
      options.failureTtl === undefined ? DEFAULTS.FAILURE_TTL_MS : toMs('failureTtl', options.failureTtl, { allowForever: true }),
    ttlMs: options.ttl === undefined || options.ttl === -1 ? null : toMs('ttl', options.ttl),
    maxAttempts: attempts,
    description: options.description ?? null,
    meta: options.meta === undefined ? '' : encodeJson(options.meta as JsonObject, 'meta'),
  };
}

/** The 11 ARGV values enqueue.lua reads per job ('' = default / not set, to keep job hashes small). */
export function specArgs(s: JobSpec): string[] {
  return [
    s.id,
    s.name,
    s.data,
    s.atFront ? '1' : '',
    s.timeoutMs === DEFAULTS.TIMEOUT_MS ? '' : String(s.timeoutMs),
    s.resultTtlMs === DEFAULTS.RESULT_TTL_MS ? '' : String(s.resultTtlMs),
    s.failureTtlMs === DEFAULTS.FAILURE_TTL_MS ? '' : String(s.failureTtlMs),
    s.ttlMs === null ? '' : String(s.ttlMs),
    s.maxAttempts === DEFAULTS.MAX_ATTEMPTS ? '' : String(s.maxAttempts),
    s.description ?? '',
    s.meta,
  ];
}
