import { checkCallbacks, decodeCallbackSet, NO_CALLBACKS, type CallbackSet } from '../model/callback-set.js';
import { JobTimeoutError, PayloadNotSerializableError } from '../model/errors.js';
import type { HandlerRegistry } from '../model/handler-registry.js';
import { decodeJson, encodeJson } from '../model/payload.js';
import { validatePayload } from '../model/payload-validation.js';
import type { JobSnapshot, JsonObject } from '../model/types.js';
import type { FetchedJob } from '../redis/work-codec.js';
import { runCallback } from './callbacks.js';
import type { JobAbort } from './job-abort.js';
import { retryDecisionFor } from '../scheduler/retry-policy.js';
import { failure, type Outcome } from './outcome.js';
import type { ThreadRunner } from './job-threads.js';
import { RunContext, type JobWriter } from './run-context.js';

/**
 * Runs one job: resolves its handler and callbacks by name, decodes and validates the payload, enforces the
 * timeout, then runs onSuccess (whose failure fails the job) or onFailure (whose failure is recorded beside the
 * job's error). Never throws: every problem becomes a failed Outcome. On timeout the outcome is returned at once
 * (freeing the slot) even if the handler ignores its signal; its late result is dropped.
 * Hot path (a worker runs tens of thousands of jobs a second): a handler that returns a plain value, with no
 * callbacks, is answered synchronously (no promise, no timer); nothing is awaited that is not a promise, and the
 * snapshot for callbacks is built only for a job that has some.
 */
export function runJob(
  job: FetchedJob,
  registry: HandlerRegistry,
  abort: JobAbort,
  saveMeta: JobWriter,
  /** where handlers marked isolate: 'thread' run (sync mode runs them inline) */
  threads: ThreadRunner | null = null,
): Outcome | Promise<Outcome> {
  let callbacks: CallbackSet = NO_CALLBACKS;
  if (job.callbacks) {
    try {
      callbacks = decodeCallbackSet(job.callbacks);
      checkCallbacks(callbacks, registry);
    } catch (err) {
      return failure(err);
    }
  }
  const snapshot: MutableSnapshot | null =
    callbacks === NO_CALLBACKS ? null : { id: job.id, name: job.name, queue: job.queue, data: undefined, attempt: job.attempt, meta: {}, willRetry: false };
  let result: unknown;
  try {
    result = startHandler(job, registry, abort, saveMeta, snapshot, threads);
  } catch (err) {
    return failed(err, job, registry, callbacks, snapshot);
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
    return failed(err, job, registry, callbacks, snapshot);
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
  if (!callbacks.onSuccess || !snapshot) return { kind: 'finished', payload };
  return runCallback(registry, callbacks, 'onSuccess', snapshot, result).then(
    (): Outcome => ({ kind: 'finished', payload }),
    // a throwing onSuccess fails the run, which is retried like a handler error
    (err: unknown) => failure(err, undefined, retryDecisionFor(err, job.retry, job.retries)),
  );
}

/**
 * The handler (or what came before it) threw `err`: decide whether the job runs again (scheduler/retry-policy.ts),
 * then run onFailure if there is one, told that decision, its own error kept beside.
 */
function failed(err: unknown, job: FetchedJob, registry: HandlerRegistry, callbacks: CallbackSet, snapshot: MutableSnapshot | null): Outcome | Promise<Outcome> {
  const decision = retryDecisionFor(err, job.retry, job.retries);
  if (!callbacks.onFailure || !snapshot) return failure(err, undefined, decision);
  snapshot.willRetry = decision.retry;
  return runCallback(registry, callbacks, 'onFailure', snapshot, err).then(
    () => failure(err, undefined, decision),
    (cbErr: unknown) => failure(err, cbErr, decision),
  );
}

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
  saveMeta: JobWriter,
  snapshot: MutableSnapshot | null,
  threads: ThreadRunner | null,
): unknown {
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
  const handle = def.isolate === 'thread' && threads ? (d: unknown, c: RunContext) => threads.run(def, d, c) : def.handle;
  if (def.payloadClass) return validatePayload(def, data).then(() => handle(data, ctx));
  return handle(data, ctx);
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
