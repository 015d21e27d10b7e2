import { checkCallbacks, parseCallbackSet, runCallback } from './callbacks.js';
import { JobTimeoutError, PayloadNotSerializableError } from './errors.js';
import type { HandlerRegistry } from './handler-registry.js';
import { decodeJson, encodeJson } from './payload.js';
import { validatePayload } from './payload-validation.js';
import type { JobAbort } from './job-abort.js';
import type { CallbackSet } from './job-options.js';
import type { JobContext, JobErrorInfo, JobSnapshot, JsonObject } from './types.js';

/** A job as a worker fetched it (what work.lua returns per job). */
export interface FetchedJob {
  id: string;
  name: string;
  queue: string;
  data: string;
  attempt: number;
  /** -1: no limit. */
  timeoutMs: number;
  meta: string;
  /** The stored callbacks JSON ('' for none). */
  callbacks: string;
  /** The job's result and failure ttl in ms as stored ('' for the default): its outcome record carries the one that applies. */
  resultTtl: string;
  failureTtl: string;
}

/** What running a job came to: 'f' finished with an encoded result, 'x' failed with an encoded error. */
export interface Outcome {
  kind: 'f' | 'x';
  payload: string;
}

export function errorInfo(err: unknown): JobErrorInfo {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: typeof err === 'string' ? err : safeString(err) };
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function failure(err: unknown, callbackError?: unknown): Outcome {
  const info = errorInfo(err);
  if (callbackError !== undefined) info.callbackError = errorInfo(callbackError);
  return { kind: 'x', payload: JSON.stringify(info) };
}

/** Stores a running job's meta (ctx.updateMeta); one function per worker, not one per job. */
export type MetaSaver = (job: FetchedJob, meta: JsonObject) => Promise<void>;

/**
 * Runs one job: resolves its handler and callbacks by name, decodes and validates the payload, enforces the
 * timeout, then runs onSuccess (whose failure fails the job) or onFailure (whose failure is recorded beside the
 * job's error). Never throws: every problem becomes a failed Outcome. On timeout the outcome is returned at once
 * (freeing the slot) even if the handler ignores its signal; its late result is dropped.
 * Hot path (a worker runs tens of thousands of jobs a second): a handler that returns a plain value, with no
 * callbacks, is answered synchronously (no promise, no timer); nothing is awaited that is not a promise, and the
 * snapshot for callbacks is built only for a job that has some.
 */
export function runJob(job: FetchedJob, registry: HandlerRegistry, abort: JobAbort, saveMeta: MetaSaver): Outcome | Promise<Outcome> {
  let callbacks: CallbackSet = NO_CALLBACKS;
  if (job.callbacks) {
    try {
      callbacks = parseCallbackSet(job.callbacks);
      checkCallbacks(callbacks, registry);
    } catch (err) {
      return failure(err);
    }
  }
  const snapshot: MutableSnapshot | null =
    callbacks === NO_CALLBACKS ? null : { id: job.id, name: job.name, queue: job.queue, data: undefined, attempt: job.attempt, meta: {} };
  let result: unknown;
  try {
    result = startHandler(job, registry, abort, saveMeta, snapshot);
  } catch (err) {
    return failed(err, registry, callbacks, snapshot);
  }
  if (isThenable(result)) return settle(result, job, registry, callbacks, snapshot, abort);
  return succeeded(result, job, registry, callbacks, snapshot);
}

async function settle(
  run: PromiseLike<unknown>,
  job: FetchedJob,
  registry: HandlerRegistry,
  callbacks: CallbackSet,
  snapshot: MutableSnapshot | null,
  abort: JobAbort,
): Promise<Outcome> {
  let result: unknown;
  try {
    result = await (job.timeoutMs > 0 ? withTimeout(run, job.timeoutMs, abort) : run);
  } catch (err) {
    return failed(err, registry, callbacks, snapshot);
  }
  return succeeded(result, job, registry, callbacks, snapshot);
}

/** The handler returned `result`: encode it, then run onSuccess if there is one (its failure fails the job). */
function succeeded(result: unknown, job: FetchedJob, registry: HandlerRegistry, callbacks: CallbackSet, snapshot: MutableSnapshot | null): Outcome | Promise<Outcome> {
  let payload: string;
  try {
    payload = encodeJson(result, () => `The return value of job "${job.name}"`);
  } catch (err) {
    return failure(err);
  }
  if (!callbacks.s || !snapshot) return { kind: 'f', payload };
  return runCallback(registry, callbacks, 's', snapshot, result).then(
    (): Outcome => ({ kind: 'f', payload }),
    (err: unknown) => failure(err),
  );
}

/** The handler (or what came before it) threw `err`: run onFailure if there is one, its own error kept beside. */
function failed(err: unknown, registry: HandlerRegistry, callbacks: CallbackSet, snapshot: MutableSnapshot | null): Outcome | Promise<Outcome> {
  if (!callbacks.f || !snapshot) return failure(err);
  return runCallback(registry, callbacks, 'f', snapshot, err).then(
    () => failure(err),
    (cbErr: unknown) => failure(err, cbErr),
  );
}

const NO_CALLBACKS: CallbackSet = Object.freeze({});

type MutableSnapshot = { -readonly [K in keyof JobSnapshot]: JobSnapshot[K] };

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

/** What a handler receives as `ctx`: one object per job, its methods shared on the prototype. */
class RunContext implements JobContext {
  readonly id: string;
  readonly name: string;
  readonly queue: string;
  readonly attempt: number;
  readonly #job: FetchedJob;
  readonly #abort: JobAbort;
  readonly #save: MetaSaver;

  constructor(
    job: FetchedJob,
    readonly meta: JsonObject,
    abort: JobAbort,
    save: MetaSaver,
  ) {
    this.id = job.id;
    this.name = job.name;
    this.queue = job.queue;
    this.attempt = job.attempt;
    this.#job = job;
    this.#abort = abort;
    this.#save = save;
  }

  /** Built only for handlers that read it (see JobAbort). */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  async updateMeta(patch: JsonObject): Promise<void> {
    Object.assign(this.meta, patch);
    await this.#save(this.#job, this.meta);
  }
}

/**
 * Decodes the payload, validates it and calls the handler. Returns what the handler returned (a promise for an
 * async handler); throws what it or the checks before it threw.
 */
function startHandler(job: FetchedJob, registry: HandlerRegistry, abort: JobAbort, saveMeta: MetaSaver, snapshot: MutableSnapshot | null): unknown {
  const def = registry.require(job.name);
  let data: unknown;
  try {
    data = decodeJson(job.data);
  } catch (err) {
    throw new PayloadNotSerializableError(`The stored data of job ${job.id} is not valid JSON (${(err as Error).message}); it was not written by Jobline's enqueue.`);
  }
  const meta = job.meta ? ((decodeJson(job.meta) as JsonObject | undefined) ?? {}) : {};
  if (snapshot) {
    snapshot.data = data;
    snapshot.meta = meta;
  }
  const ctx = new RunContext(job, meta, abort, saveMeta);
  if (def.payloadClass) return validatePayload(def, data).then(() => def.handle(data, ctx));
  return def.handle(data, ctx);
}

/** Settles with `run`, or rejects with JobTimeoutError (aborting the job's signal) once `ms` pass first. */
function withTimeout(run: PromiseLike<unknown>, ms: number, abort: JobAbort): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const err = new JobTimeoutError(ms);
      abort.abort(err);
      reject(err);
    }, ms);
    // settling an already-rejected promise is a no-op, so a handler failing after its timeout is never unhandled
    run.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
