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

/**
 * Runs one job: resolves its handler and callbacks by name, decodes and validates the payload, enforces the
 * timeout, then runs onSuccess (whose failure fails the job) or onFailure (whose failure is recorded beside the
 * job's error). Never throws: every problem becomes a failed Outcome. On timeout the outcome is returned at once
 * (freeing the slot) even if the handler ignores its signal; its late result is dropped.
 * Hot path (a worker runs tens of thousands of jobs a second): nothing is awaited that is not a promise, a job
 * without callbacks skips them, and a handler that returns a plain value (it already ended) needs no timer.
 */
export async function runJob(
  job: FetchedJob,
  registry: HandlerRegistry,
  abort: JobAbort,
  saveMeta: (meta: JsonObject) => Promise<void>,
): Promise<Outcome> {
  let callbacks: CallbackSet = NO_CALLBACKS;
  if (job.callbacks) {
    try {
      callbacks = parseCallbackSet(job.callbacks);
      checkCallbacks(callbacks, registry);
    } catch (err) {
      return failure(err);
    }
  }
  const snapshot: MutableSnapshot = { id: job.id, name: job.name, queue: job.queue, data: undefined, attempt: job.attempt, meta: {} };
  let result: unknown;
  try {
    result = startHandler(job, registry, abort, saveMeta, snapshot);
    if (isThenable(result)) result = await (job.timeoutMs > 0 ? withTimeout(result, job.timeoutMs, abort) : result);
  } catch (err) {
    if (!callbacks.f) return failure(err);
    try {
      await runCallback(registry, callbacks, 'f', snapshot, err);
      return failure(err);
    } catch (cbErr) {
      return failure(err, cbErr);
    }
  }
  let payload: string;
  try {
    payload = encodeJson(result, () => `The return value of job "${job.name}"`);
    if (callbacks.s) await runCallback(registry, callbacks, 's', snapshot, result);
  } catch (err) {
    return failure(err);
  }
  return { kind: 'f', payload };
}

const NO_CALLBACKS: CallbackSet = Object.freeze({});

type MutableSnapshot = { -readonly [K in keyof JobSnapshot]: JobSnapshot[K] };

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * Decodes the payload, validates it and calls the handler. Returns what the handler returned (a promise for an
 * async handler); throws what it or the checks before it threw.
 */
function startHandler(
  job: FetchedJob,
  registry: HandlerRegistry,
  abort: JobAbort,
  saveMeta: (meta: JsonObject) => Promise<void>,
  snapshot: MutableSnapshot,
): unknown {
  const def = registry.require(job.name);
  let data: unknown;
  try {
    data = decodeJson(job.data);
  } catch (err) {
    throw new PayloadNotSerializableError(`The stored data of job ${job.id} is not valid JSON (${(err as Error).message}); it was not written by Jobline's enqueue.`);
  }
  snapshot.data = data;
  const meta = (decodeJson(job.meta) as JsonObject | undefined) ?? {};
  snapshot.meta = meta;
  const ctx: JobContext = {
    id: job.id,
    name: job.name,
    queue: job.queue,
    attempt: job.attempt,
    meta,
    // a getter: the AbortController is built only for handlers that read it (see JobAbort)
    get signal() {
      return abort.signal;
    },
    async updateMeta(patch: JsonObject) {
      Object.assign(meta, patch);
      await saveMeta(meta);
    },
  };
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
