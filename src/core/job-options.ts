import { DEFAULTS } from './defaults.js';
import { toMs } from './duration.js';
import { InvalidOptionError } from './errors.js';
import { assertJobId, assertQueueName } from './keys.js';
import { checkJson, encodeJson } from './payload.js';
import type { CallbackRef, DependencyRef, EnqueueOptions, JsonObject } from './types.js';

/** A job ready for the enqueue script: options validated and in milliseconds, payload encoded. */
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
  meta: string;
  /** Dependencies; `queue` undefined until the client has looked the id up. */
  deps: DepRef[];
  /** 'a' allowFailure, 'c' cancel when a dependency fails. */
  depFlags: string;
  /** Callbacks as stored: JSON { s?: [name, ms], f?: [...], p?: [...] }, or ''. */
  callbacks: string;
  /** "queue|id" of the dependency whose result becomes this job's data (chain()), or ''. */
  pipeFrom: string;
}

export interface DepRef {
  id: string;
  queue: string | undefined;
  /** Created by the same enqueueMany call (so "missing" means "not yet"). */
  inBatch: boolean;
}

/** A callback as stored: its name and timeout. */
export interface CallbackSpec {
  name: string;
  timeoutMs: number;
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
  'dependsOn',
  'onDependencyFailure',
  'onSuccess',
  'onFailure',
  'onStopped',
]);

const CALLBACK_KINDS = { onSuccess: 's', onFailure: 'f', onStopped: 'p' } as const;

function parseCallback(option: string, ref: CallbackRef): CallbackSpec {
  const expected = 'a @JobCallback name, or { name, timeout? }';
  if (typeof ref === 'string') {
    if (ref.trim() === '') throw new InvalidOptionError(option, ref, expected);
    return { name: ref, timeoutMs: DEFAULTS.CALLBACK_TIMEOUT_MS };
  }
  if (!isPlainObject(ref) || typeof ref.name !== 'string' || ref.name.trim() === '') throw new InvalidOptionError(option, ref, expected);
  for (const k of Object.keys(ref)) if (k !== 'name' && k !== 'timeout') throw new InvalidOptionError(`${option}.${k}`, ref[k as never], 'only `name` and `timeout`');
  return { name: ref.name, timeoutMs: ref.timeout === undefined ? DEFAULTS.CALLBACK_TIMEOUT_MS : toMs(`${option}.timeout`, ref.timeout) };
}

/** The callbacks of a job, by kind ('s' onSuccess, 'f' onFailure, 'p' onStopped), as stored in its `cb` field. */
export type CallbackSet = Partial<Record<'s' | 'f' | 'p', [string, number]>>;

/** The job's callbacks as stored in its `cb` field: JSON { s?: [name, ms], f?: [...], p?: [...] }, or '' for none. */
export function encodeCallbacks(options: EnqueueOptions): string {
  if (options.onSuccess === undefined && options.onFailure === undefined && options.onStopped === undefined) return '';
  const set: CallbackSet = {};
  let any = false;
  for (const [option, kind] of Object.entries(CALLBACK_KINDS)) {
    const ref = options[option as keyof typeof CALLBACK_KINDS];
    if (ref === undefined) continue;
    const cb = parseCallback(option, ref);
    set[kind] = [cb.name, cb.timeoutMs];
    any = true;
  }
  return any ? JSON.stringify(set) : '';
}

function depRef(ref: unknown, i: number): { id: string; queue: string | undefined } {
  const where = `dependsOn[${i}]`;
  if (typeof ref === 'string') {
    assertJobId(ref);
    return { id: ref, queue: undefined };
  }
  if (ref !== null && typeof ref === 'object' && typeof (ref as { id?: unknown }).id === 'string' && typeof (ref as { queue?: unknown }).queue === 'string') {
    const r = ref as { id: string; queue: string };
    assertJobId(r.id);
    assertQueueName(r.queue);
    return { id: r.id, queue: r.queue };
  }
  throw new InvalidOptionError(where, ref, 'a JobHandle or a job id');
}

interface ParsedDeps {
  refs: readonly { id: string; queue: string | undefined }[];
  allowFailure: boolean;
  atFront: boolean;
}

/** The deps of a job without dependencies: shared (frozen, so a write to it fails loudly), no array per job. */
const NO_DEP_REFS = Object.freeze([]) as unknown as DepRef[];

/** What parseDependsOn returns for a job without dependencies (nearly every job): nothing built per job. */
const NO_DEPS: ParsedDeps = Object.freeze({ refs: Object.freeze([]), allowFailure: false, atFront: false });

/** Normalises `dependsOn` into refs, flags and the atFront it asks for. */
export function parseDependsOn(options: EnqueueOptions): ParsedDeps {
  const d = options.dependsOn;
  if (d === undefined) return NO_DEPS;
  let list: DependencyRef[];
  let allowFailure = false;
  let atFront = false;
  if (Array.isArray(d)) list = d;
  else if (isPlainObject(d) && 'jobs' in d) {
    for (const k of Object.keys(d)) {
      if (k !== 'jobs' && k !== 'allowFailure' && k !== 'atFront') throw new InvalidOptionError(`dependsOn.${k}`, (d as Record<string, unknown>)[k], 'only `jobs`, `allowFailure` and `atFront`');
    }
    const spec = d as { jobs: DependencyRef | DependencyRef[]; allowFailure?: unknown; atFront?: unknown };
    list = Array.isArray(spec.jobs) ? spec.jobs : [spec.jobs];
    if (spec.allowFailure !== undefined && typeof spec.allowFailure !== 'boolean') throw new InvalidOptionError('dependsOn.allowFailure', spec.allowFailure, 'true or false');
    if (spec.atFront !== undefined && typeof spec.atFront !== 'boolean') throw new InvalidOptionError('dependsOn.atFront', spec.atFront, 'true or false');
    allowFailure = spec.allowFailure ?? false;
    atFront = spec.atFront ?? false;
  } else list = [d as DependencyRef];
  if (list.length > 10_000) throw new InvalidOptionError('dependsOn', `${list.length} jobs`, 'at most 10,000 dependencies per job');
  return { refs: list.map(depRef), allowFailure, atFront };
}

export function assertJobName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 256) {
    throw new InvalidOptionError('name', name, 'a non-empty job name (the @Job name) of at most 256 characters');
  }
}

/** Checks the keys of an options object, so a typo (`tll`) is an error instead of a silently ignored option. */
export function assertKnownOptions(options: object, where: string): void {
  // for-in, not Object.keys: no array per enqueue (options are plain objects: isPlainObject or the caller's literal)
  for (const key in options) {
    if (!Object.prototype.hasOwnProperty.call(options, key)) continue;
    if (where !== 'enqueue' && (key === 'jobId' || key === 'dependsOn')) {
      throw new InvalidOptionError(key, (options as Record<string, unknown>)[key], `no \`${key}\` in ${where}: it belongs to one enqueue call, not to defaults`);
    }
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
export function buildJobSpec(
  name: string,
  data: unknown,
  options: EnqueueOptions,
  defaultQueue: string,
  newId: () => string,
  /** false: check the data now, encode it when the job is sent (specData); see QueueClient.enqueueItems */
  encodeNow = true,
): JobSpec {
  assertJobName(name);
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError('options', options, 'an object of enqueue options, or nothing');
  }
  assertKnownOptions(options, 'enqueue');
  const queue = options.queue ?? defaultQueue;
  assertQueueName(queue);
  let id: string;
  const chosenId = options.jobId !== undefined;
  if (!chosenId) id = newId();
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
  if (options.onDependencyFailure !== undefined && options.onDependencyFailure !== 'wait' && options.onDependencyFailure !== 'cancel') {
    throw new InvalidOptionError('onDependencyFailure', options.onDependencyFailure, "'wait' or 'cancel'");
  }
  const deps = parseDependsOn(options);
  for (const r of deps.refs) {
    if (r.id === id && (r.queue === undefined || r.queue === queue)) throw new InvalidOptionError('dependsOn', id, 'other jobs: a job cannot depend on itself');
  }
  const callbacks = encodeCallbacks(options);
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
    timeoutMs: options.timeout === undefined ? DEFAULTS.TIMEOUT_MS : toMs('timeout', options.timeout, { allowForever: true }),
    resultTtlMs:
      options.resultTtl === undefined ? DEFAULTS.RESULT_TTL_MS : toMs('resultTtl', options.resultTtl, { allowForever: true, allowZero: true }),
    failureTtlMs:
      options.failureTtl === undefined ? DEFAULTS.FAILURE_TTL_MS : toMs('failureTtl', options.failureTtl, { allowForever: true }),
    ttlMs: options.ttl === undefined || options.ttl === -1 ? null : toMs('ttl', options.ttl),
    maxAttempts: attempts,
    description: options.description ?? null,
    meta: options.meta === undefined ? '' : encodeJson(options.meta as JsonObject, 'meta'),
    deps: deps.refs.length ? deps.refs.map((r) => ({ ...r, inBatch: false })) : NO_DEP_REFS,
    depFlags: (deps.allowFailure ? 'a' : '') + (options.onDependencyFailure === 'cancel' ? 'c' : ''),
    callbacks,
    pipeFrom: '',
  };
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
 * A job's options as enqueue.lua reads them: '' when every option is its default (nearly always: tested without
 * building anything), else a JSON array of the 12 option strings ('' = default / not set, to keep job hashes small).
 */
/** A numeric option as stored in the job hash and sent to workers: '' for its default, to keep small jobs small. */
export function storedOption(value: number, fallback: number): string {
  return value === fallback ? '' : String(value);
}

export function specOptions(s: JobSpec): string {
  if (
    !s.atFront &&
    s.timeoutMs === DEFAULTS.TIMEOUT_MS &&
    s.resultTtlMs === DEFAULTS.RESULT_TTL_MS &&
    s.failureTtlMs === DEFAULTS.FAILURE_TTL_MS &&
    s.ttlMs === null &&
    s.maxAttempts === DEFAULTS.MAX_ATTEMPTS &&
    s.description === null &&
    s.meta === '' &&
    s.deps.length === 0 &&
    s.depFlags === '' &&
    s.callbacks === '' &&
    s.pipeFrom === ''
  ) {
    return '';
  }
  const deps = s.deps.length ? s.deps.map((d) => `${d.queue}|${d.id}|${d.inBatch ? '1' : ''}`).join(',') : '';
  const opts = [
    s.atFront ? '1' : '',
    storedOption(s.timeoutMs, DEFAULTS.TIMEOUT_MS),
    storedOption(s.resultTtlMs, DEFAULTS.RESULT_TTL_MS),
    storedOption(s.failureTtlMs, DEFAULTS.FAILURE_TTL_MS),
    s.ttlMs === null ? '' : String(s.ttlMs),
    storedOption(s.maxAttempts, DEFAULTS.MAX_ATTEMPTS),
    s.description ?? '',
    s.meta,
    deps,
    s.depFlags,
    s.callbacks,
    s.pipeFrom,
  ];
  return opts.every((v) => v === '') ? '' : JSON.stringify(opts);
}
